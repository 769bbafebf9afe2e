BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    $script:cache = Join-Path $TestDrive 'cache'
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 60 -Seed 21
    function script:New-TinyModel { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 1 }
    $script:common = @{ SequenceLength = 32; BatchSize = 8; CacheDirectory = $cache; LearningRate = 1e-3 }
}

Describe 'Corpus formats and discovery' {
    BeforeAll {
        $docs = Get-Content $corpus -Raw
        $records = ($docs -split "`n`n" | Where-Object { $_.Trim() })
        $script:formats = Join-Path $TestDrive 'formats'
        New-Item -ItemType Directory (Join-Path $formats 'nested') -Force | Out-Null
        $records | ForEach-Object { @{ body = $_ } | ConvertTo-Json -Compress } | Set-Content (Join-Path $formats 'records.jsonl')
        $records | ForEach-Object { [pscustomobject]@{ id = 1; body = $_ } } | Export-Csv (Join-Path $formats 'nested/rows.csv')
        $bytes = [Text.Encoding]::UTF8.GetBytes($docs)
        $gz = [IO.File]::Create((Join-Path $formats 'nested/plain.txt.gz'))
        $zip = [IO.Compression.GZipStream]::new($gz, [IO.Compression.CompressionLevel]::Optimal)
        $zip.Write($bytes, 0, $bytes.Length); $zip.Dispose(); $gz.Dispose()
        Set-Content (Join-Path $formats 'nested/ignored.md') 'not a corpus format'
    }

    It 'reads .jsonl by -TextField, .csv by -TextColumn and .gz, found with -Recurse' {
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $formats -Recurse -TextField body -TextColumn body -MaxSteps 2 @common
        $model.TrainedOn | ForEach-Object { Split-Path $_ -Leaf } | Sort-Object | Should -Be 'plain.txt.gz', 'records.jsonl', 'rows.csv'
    }

    It 'refuses a directory without -Recurse' {
        $e = { New-TinyModel | Invoke-MlmTraining -Corpus $formats -MaxSteps 1 @common } | Should -Throw -ErrorId 'CorpusPathIsDirectory*' -PassThru
        $e.Exception.Message | Should -BeLike '*Add -Recurse*'
    }

    It 'refuses a directory where no -Recurse applies without suggesting one' {
        $e = { New-TinyModel | Invoke-FineTune -TrainingData $formats -Task SequenceClassification -MaxSteps 1 } | Should -Throw -ErrorId 'FineTunePathIsDirectory*' -PassThru
        $e.Exception.Message | Should -Not -BeLike '*-Recurse*'
        $e.Exception.Message | Should -BeLike "*$([IO.Path]::Combine($formats, '*.csv'))*"
        $e = { New-TinyModel | Invoke-MlmTraining -Corpus $corpus -ValidationCorpus $formats -MaxSteps 1 @common } | Should -Throw -ErrorId 'CorpusPathIsDirectory*' -PassThru
        $e.Exception.Message | Should -Not -BeLike '*-Recurse*'
    }

    It 'names the file and line of a .jsonl record without the text field' {
        $bad = Join-Path $TestDrive 'bad.jsonl'
        Set-Content $bad '{"text": "fine"}', '{"other": "no text"}'
        $e = { New-TinyModel | Invoke-MlmTraining -Corpus $bad -MaxSteps 1 @common } | Should -Throw -PassThru
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusRecordInvalid,*'
        $e.Exception.Message | Should -BeLike '*line 2*bad.jsonl*'
    }

    It 'reads a file that is not valid UTF-8 only with -AllowInvalidUtf8' {
        $latin1 = Join-Path $TestDrive 'latin1.txt'
        [IO.File]::WriteAllBytes($latin1, [Text.Encoding]::Latin1.GetBytes((Get-Content $corpus -Raw) + "`ncaf$([char]0xe9) on web01 .`n"))
        { New-TinyModel | Measure-Perplexity -Corpus $latin1 -SequenceLength 32 -CacheDirectory $cache } | Should -Throw -ErrorId 'CorpusNotUtf8*'
        (New-TinyModel | Measure-Perplexity -Corpus $latin1 -SequenceLength 32 -CacheDirectory $cache -AllowInvalidUtf8).Perplexity | Should -BeGreaterThan 1
    }

    It 'reuses the token cache on the next run' {
        $fresh = Join-Path $TestDrive 'fresh-cache'
        $options = $common.Clone(); $options.CacheDirectory = $fresh
        $verbose = { param($m) $m | Invoke-MlmTraining -Corpus $corpus -MaxSteps 1 @options -Verbose 4>&1 | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | Out-String }
        & $verbose (New-TinyModel) | Should -Match '\(0 from the token cache\)'
        & $verbose (New-TinyModel) | Should -Match '\(1 from the token cache\)'
        @(Get-ChildItem $fresh -File -Recurse).Count | Should -BeGreaterThan 0
    }
}

Describe 'Objectives and training settings' {
    It 'trains MLM+NSP and reports NSP accuracy' {
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -Objective MlmNsp -MaxSteps 30 @common
        $model.History[-1].NspAccuracy | Should -Not -BeNullOrEmpty
        $model.History[-1].NspLoss | Should -BeGreaterThan 0
        [math]::Abs($model.History[0].Loss - ($model.History[0].MlmLoss + $model.History[0].NspLoss)) | Should -BeLessThan 1e-5
    }

    It 'trains with whole-word masking' {
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -WholeWordMask -MaxSteps 5 @common
        $model.StepsTrained | Should -Be 5
    }

    It 'holds out a validation split, measures it every -EvalEvery steps, and writes it to the metrics' {
        $metrics = Join-Path $TestDrive 'val.jsonl'
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -ValidationSplit 0.2 -EvalEvery 5 -MaxSteps 20 -MetricsPath $metrics @common
        $evaluated = Get-Content $metrics | ConvertFrom-Json | Where-Object { $null -ne $_.validation_perplexity }
        $evaluated.step | Should -Be 5, 10, 15, 20
        $evaluated[-1].validation_perplexity | Should -BeLessThan $evaluated[0].validation_perplexity
    }

    It 'applies the cosine schedule with warmup' {
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -Schedule Cosine -WarmupSteps 4 -MaxSteps 20 @common
        $lr = $model.History.LearningRate
        $lr[0] | Should -Be (1e-3 / 4)
        $lr[3] | Should -Be 1e-3
        [math]::Abs($lr[11] - 1e-3 * 0.5 * (1 + [math]::Cos([math]::PI * 7 / 16))) | Should -BeLessThan 1e-12
    }

    It 'trains in bfloat16 mixed precision and still learns' {
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -Precision BFloat16 -MaxSteps 40 @common
        ($model.History | Select-Object -Last 5 | Measure-Object Loss -Average).Average |
            Should -BeLessThan ($model.History | Select-Object -First 5 | Measure-Object Loss -Average).Average
        # The weights stay float32 (the master copy); only the matmuls ran in bfloat16.
        $model.GetModule().parameters($true) | ForEach-Object { $_.dtype } | Select-Object -Unique | Should -Be 'Float32'
    }

    It 'fails clearly when CUDA is asked for on a CPU build' {
        { New-TinyModel | Invoke-MlmTraining -Corpus $corpus -Device Cuda -MaxSteps 1 @common } | Should -Throw -ErrorId 'CudaUnavailable*'
    }

    It 'groups line-by-line examples by length, with less padding, and warns that packed examples gain nothing' {
        # Lines of one to four sentences: 15 to 60 tokens.
        $random = [Random]::new(4)
        $sentences = @(Get-Content $corpus | Where-Object { $_ })
        $varied = Join-Path $TestDrive 'varied.txt'
        Set-Content $varied (0..(@($sentences).Count - 1) | ForEach-Object { (@($sentences[$_]) * $random.Next(1, 5)) -join ' ' })
        $padding = foreach ($group in $false, $true) {
            $model = New-TinyModel | Invoke-MlmTraining -Corpus $varied -LineByLine -GroupByLength:$group -Epochs 1 @common -SequenceLength 64
            ($model.History | Measure-Object PaddingFraction -Average).Average
        }
        Write-Host ("    line-by-line padding: shuffled {0:P1}, grouped by length {1:P1}" -f $padding[0], $padding[1])
        $padding[0] | Should -BeGreaterThan 0.2
        $padding[1] | Should -BeLessThan ($padding[0] / 2)
        $null = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -GroupByLength -MaxSteps 1 @common -WarningVariable warned -WarningAction SilentlyContinue
        $warned | Should -Match 'LineByLine'
    }

    It 'accumulates gradients' {
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -GradientAccumulation 2 -MaxSteps 3 @common
        $model.History[0].Tokens | Should -BeGreaterThan (New-TinyModel | Invoke-MlmTraining -Corpus $corpus -MaxSteps 1 @common).History[0].Tokens
    }
}

# The tiny model has 64 positions; longer sequences cannot be embedded.
Describe 'Sequence lengths longer than the model''s positions' {
    It 'fine-tunes with -MaxLength over the positions, cut to them with a warning, instead of failing in libtorch' {
        $rows = foreach ($i in 1..4) {
            [pscustomobject]@{ text = ('restart nginx ' * 40) + $i; label = 'ops' }
            [pscustomobject]@{ text = "page oncall $i"; label = 'people' }
        }
        $model = $rows | Invoke-FineTune -Model (New-TinyModel) -Task SequenceClassification -Epochs 1 -BatchSize 4 -MaxLength 128 -WarningVariable warnings -WarningAction SilentlyContinue
        $model.StepsTrained | Should -Be 2
        ($warnings.Message -join "`n") | Should -Match '-MaxLength 128 is more than the 64 positions'
    }

    It 'says so when -SequenceLength is cut to the positions, in <Command>' -ForEach @(
        @{ Command = 'Measure-Perplexity'; Run = { param($m, $c) $m | Measure-Perplexity -Corpus $c -SequenceLength 4096 -CacheDirectory $cache } }
        @{ Command = 'Invoke-MlmTraining'; Run = { param($m, $c) $m | Invoke-MlmTraining -Corpus $c -SequenceLength 4096 -MaxSteps 1 -BatchSize 8 -CacheDirectory $cache } }
    ) {
        $streams = & $Run (New-TinyModel) $corpus 3>&1
        $streams | Where-Object { $_ -isnot [System.Management.Automation.WarningRecord] } | Should -Not -BeNullOrEmpty
        $warnings = $streams | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }
        @($warnings.Message | Where-Object { $_ -match '-SequenceLength 4096 is more than the 64 positions' }) | Should -HaveCount 1
    }

    It 'cuts the default -MaxLength to the positions without a warning' {
        $rows = 1..4 | ForEach-Object { [pscustomobject]@{ text = "restart nginx $_"; label = ('a', 'b')[$_ % 2] } }
        $rows | Invoke-FineTune -Model (New-TinyModel) -Task SequenceClassification -Epochs 1 -BatchSize 4 -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        @($warnings.Message | Where-Object { $_ -match 'positions' }) | Should -HaveCount 0
    }
}
