# -Threads and -Device on the cmdlets that compute (training, perplexity, inference), and what
# the verbose summary and the metrics file say about them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 6 -Seed 1
    $script:model = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 1

    function script:Set-ProcessVariable([string] $Name, [AllowNull()][string] $Value) {
        if ([string]::IsNullOrEmpty($Value)) { Remove-Item -LiteralPath "Env:$Name" -ErrorAction Ignore } else { Set-Item -LiteralPath "Env:$Name" -Value $Value }
    }

    # Runs a command with the thread variables cleared (or set as given), and puts them back.
    function script:Invoke-WithThreadVariables([hashtable] $Variables, [scriptblock] $Action) {
        $names = 'BERTADAPT_THREADS', 'OMP_NUM_THREADS'
        $saved = @{}
        foreach ($name in $names) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
        try {
            foreach ($name in $names) { Set-ProcessVariable $name $Variables[$name] }
            & $Action
        } finally {
            foreach ($name in $names) { Set-ProcessVariable $name $saved[$name] }
        }
    }

    function script:Get-MetricsThreads([string] $Path) { @(Get-Content $Path | ConvertFrom-Json | ForEach-Object threads | Select-Object -Unique) }
}

Describe '-Threads and BERTADAPT_THREADS' {
    It 'training records the thread count and device in the metrics file and the verbose summary' {
        $metrics = Join-Path $TestDrive 'one-thread.jsonl'
        $verbose = $model | Invoke-MlmTraining -Corpus $corpus -MaxSteps 2 -SequenceLength 32 -Threads 1 -MetricsPath $metrics -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $lines = Get-Content $metrics | ConvertFrom-Json
        $lines | Should -HaveCount 2
        $lines.threads | Should -Be @(1, 1)
        $lines.device | Should -Be @('cpu', 'cpu')
        ($verbose.Message -join "`n") | Should -Match 'Trained 2 step\(s\).*; on cpu with 1 CPU thread\(s\)\.'
    }

    It 'puts the previous thread count back when the cmdlet is done' {
        $before = [BertAdapt.Engine.Training.ComputeThreads]::Current
        $next = if ($before -eq 1) { 2 } else { 1 }
        $model | Invoke-MlmTraining -Corpus $corpus -MaxSteps 1 -SequenceLength 32 -Threads $next | Out-Null
        [BertAdapt.Engine.Training.ComputeThreads]::Current | Should -Be $before
    }

    It 'defaults to BERTADAPT_THREADS, then OMP_NUM_THREADS, then the logical processors' {
        $runs = [ordered]@{
            bertadapt = @{ BERTADAPT_THREADS = '1'; OMP_NUM_THREADS = '3' }
            openmp    = @{ OMP_NUM_THREADS = '3,1' }
            none      = @{}
        }
        $seen = @{}
        foreach ($name in $runs.Keys) {
            $metrics = Join-Path $TestDrive "default-$name.jsonl"
            Invoke-WithThreadVariables $runs[$name] { $model | Invoke-MlmTraining -Corpus $corpus -MaxSteps 1 -SequenceLength 32 -MetricsPath $metrics | Out-Null }
            $seen[$name] = Get-MetricsThreads $metrics
        }
        $seen.bertadapt | Should -Be 1
        $seen.openmp | Should -Be 3
        $seen.none | Should -Be ([Environment]::ProcessorCount)
    }

    It 'refuses a BERTADAPT_THREADS that is not a count, with ThreadsInvalid' {
        $e = Invoke-WithThreadVariables @{ BERTADAPT_THREADS = 'four' } {
            try { $model | Invoke-MlmTraining -Corpus $corpus -MaxSteps 1 -SequenceLength 32 | Out-Null; $null } catch { $_ }
        }
        $e.FullyQualifiedErrorId | Should -BeLike 'ThreadsInvalid,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.Exception.Message | Should -BeLike "*BERTADAPT_THREADS is 'four'*"
    }

    It 'perplexity and inference take -Threads and say where they ran' {
        $perplexity = $model | Measure-Perplexity -Corpus $corpus -SequenceLength 32 -Threads 1 -Verbose 4>&1
        ($perplexity | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match "Measured \d+ masked token\(s\) in \d+ sequence\(s\) on cpu with 1 CPU thread\(s\)\."
        ($perplexity | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }).Perplexity | Should -BeGreaterThan 1
        $embedding = 'restart the nginx service' | Get-BertEmbedding -Model $model -Threads 1 -Device Cpu -Verbose 4>&1
        ($embedding | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Be 'Running on cpu with 1 CPU thread(s).'
    }
}

Describe '-Precision Float16' {
    It 'trains with loss scaling and records each step''s scale in the metrics file' {
        $metrics = Join-Path $TestDrive 'float16.jsonl'
        $half = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 1
        $half | Invoke-MlmTraining -Corpus $corpus -MaxSteps 2 -SequenceLength 32 -Precision Float16 -MetricsPath $metrics | Out-Null
        $lines = Get-Content $metrics | ConvertFrom-Json
        $lines.loss_scale | Should -Be @(65536, 65536)
        $lines.loss | ForEach-Object { [double]::IsFinite($_) | Should -BeTrue }
    }
}

Describe '-Device' {
    It 'refuses a value that is not a device before anything runs' {
        { 'x' | Get-BertEmbedding -Model $model -Device 'gpu2' -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
        { 'x' | Get-BertEmbedding -Model $model -Device 'cpu:1' -ErrorAction Stop } | Should -Throw '*only Cuda takes an index*'
    }

    It 'takes a GPU index, which a CPU build refuses with CudaUnavailable' {
        $e = try { 'x' | Get-BertEmbedding -Model $model -Device 'cuda:1'; $null } catch { $_ }
        $e.FullyQualifiedErrorId | Should -BeLike 'CudaUnavailable,*'
        $e.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
    }

    It 'is a key of job files too' {
        $job = Join-Path $TestDrive 'device.job.yaml'
        $metrics = Join-Path $TestDrive 'job-metrics.jsonl'
        @"
model:
  config: { vocab_size: $vocabSize, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 128, max_position_embeddings: 64 }
  vocabulary: ./vocab.txt
training:
  corpus: ./corpus.txt
  maxSteps: 1
  sequenceLength: 32
  device: cpu
  threads: 1
  metricsPath: ./job-metrics.jsonl
"@ | Set-Content $job
        Invoke-BertJob -Path $job | Out-Null
        $line = Get-Content $metrics | ConvertFrom-Json
        $line.device | Should -Be 'cpu'
        $line.threads | Should -Be 1
    }
}
