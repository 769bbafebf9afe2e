# What a second run in the same -OutputPath does: the same settings and data resume an
# interrupted run or say that a finished one is finished; changed settings or data stop with
# TrainingRunChanged unless -Continue (a new run from the last weights) or -Restart (afresh).
# Each run's metrics lines carry its own run id, so reports never mix two runs.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    function script:New-TinyModel { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 1 }
    $script:cache = Join-Path $TestDrive 'cache'

    # A fresh corpus and output folder per test, so that no test depends on another's runs.
    function script:New-Run([string] $Name) {
        $corpus = Join-Path $TestDrive "$Name.txt"
        New-TinyCorpus $corpus -Documents 20 -Seed 4
        [pscustomobject]@{ Corpus = $corpus; Out = Join-Path $TestDrive "$Name-out" }
    }

    function script:Invoke-Training {
        [CmdletBinding()]
        param($Run, [hashtable] $Extra = @{})
        $arguments = @{ Corpus = $Run.Corpus; OutputPath = $Run.Out; MaxSteps = 4; BatchSize = 4; SequenceLength = 32; LearningRate = 1e-3; CacheDirectory = $cache }
        foreach ($key in $Extra.Keys) { $arguments[$key] = $Extra[$key] }
        New-TinyModel | Invoke-MlmTraining @arguments
    }

    function script:Get-Metrics([string] $Path) { @(Get-Content -LiteralPath $Path | ForEach-Object { $_ | ConvertFrom-Json }) }

    function script:Get-TerminatingError([scriptblock] $Action) {
        try { & $Action; throw 'expected a terminating error, but none was raised' }
        catch [System.Management.Automation.RuntimeException] {
            if ($_.Exception.Message -like 'expected a terminating error*') { throw }
            $_
        }
    }

    # Streams of one command run in its own PowerShell: verbose, warnings and progress records.
    function script:Invoke-Captured([scriptblock] $Script, [object[]] $Arguments = @()) {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Join-Path $PSScriptRoot '../../BertAdapt.psd1')'; `$VerbosePreference = 'Continue'").AddStatement()
            $null = $ps.AddScript($Script.ToString())
            foreach ($a in $Arguments) { $null = $ps.AddArgument($a) }
            $output = $ps.Invoke()
            [pscustomobject]@{
                Output = $output; Errors = @($ps.Streams.Error); Warnings = @($ps.Streams.Warning.Message)
                Verbose = @($ps.Streams.Verbose.Message); Progress = @($ps.Streams.Progress)
            }
        } finally { $ps.Dispose() }
    }
}

Describe 'A rerun of Invoke-MlmTraining in the same -OutputPath' {
    It 'says a finished run with the same settings and data is finished, trains nothing and outputs the trained model' {
        $run = New-Run 'finished'
        $first = Invoke-Training $run
        $first | Export-Checkpoint (Join-Path $TestDrive 'finished-1') | Out-Null
        $again = Invoke-Training $run @{ Verbose = $true } -WarningVariable warnings -WarningAction SilentlyContinue 4>&1
        $model = $again | Where-Object { $_ -is [BertAdapt.BertModel] }
        $verbose = ($again | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message
        $warnings.Message | Should -Match "already finished at step 4 of 4.*nothing to train"
        ($verbose -join "`n") | Should -Match 'the same settings and data'
        $model.StepsTrained | Should -Be 4
        @(Get-Metrics (Join-Path $run.Out 'metrics.jsonl')) | Should -HaveCount 4
        $model | Export-Checkpoint (Join-Path $TestDrive 'finished-2') | Out-Null
        (Get-FileHash (Join-Path $TestDrive 'finished-2/model.safetensors')).Hash |
            Should -Be (Get-FileHash (Join-Path $TestDrive 'finished-1/model.safetensors')).Hash -Because 'the output is the finished run''s model'
    }

    It 'stops with TrainingRunChanged when the corpus grew, and leaves the run as it was' {
        $run = New-Run 'grown'
        Invoke-Training $run | Out-Null
        Add-Content -LiteralPath $run.Corpus -Value "`nrestart the nginx service on web01 then read the nginx logs ."
        $before = Get-ChildItem $run.Out -Recurse -File | ForEach-Object { "$($_.FullName) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" }
        $e = Get-TerminatingError { Invoke-Training $run }
        $e.FullyQualifiedErrorId | Should -BeLike 'TrainingRunChanged,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $e.Exception.Message | Should -Match 'Training data: .* -> '
        $e.Exception.Message | Should -Match '-Continue'
        $e.Exception.Message | Should -Match '-Restart'
        Get-ChildItem $run.Out -Recurse -File | ForEach-Object { "$($_.FullName) $($_.Length) $($_.LastWriteTimeUtc.Ticks)" } | Should -Be $before
        # It ends the script, not only the statement: a scheduled script's next line (an export) must not run.
        $went = try { & { Invoke-Training $run | Out-Null; 'the script went on' } } catch { "caught $($_.FullyQualifiedErrorId)" }
        $went | Should -BeLike 'caught TrainingRunChanged,*'
    }

    It 'names each changed setting in TrainingRunChanged' {
        $run = New-Run 'setting'
        Invoke-Training $run | Out-Null
        $e = Get-TerminatingError { Invoke-Training $run @{ LearningRate = 2e-3; BatchSize = 2 } }
        $e.FullyQualifiedErrorId | Should -BeLike 'TrainingRunChanged,*'
        $e.Exception.Message | Should -Match 'Peak learning rate: 0.001 -> 0.002'
        $e.Exception.Message | Should -Match 'Batch size: 4 -> 2'
    }

    It '-Continue starts a new run from the last weights on the new data, with its own run id in the metrics' {
        $run = New-Run 'continued'
        Invoke-Training $run | Out-Null
        Add-Content -LiteralPath $run.Corpus -Value "`ncheck the redis service on cache01 then read the redis logs ."
        $verbose = Invoke-Training $run @{ Continue = $true; Verbose = $true } 4>&1
        $model = $verbose | Where-Object { $_ -is [BertAdapt.BertModel] }
        (($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n") |
            Should -Match 'Starting run 2 from the last weights of run 1 .*Training data'
        $model.StepsTrained | Should -Be 8
        $metrics = Get-Metrics (Join-Path $run.Out 'metrics.jsonl')
        $metrics | Should -HaveCount 8
        $metrics.step | Should -Be (1..8)
        $metrics.run_step | Should -Be (1, 2, 3, 4, 1, 2, 3, 4)
        @($metrics.run_id | Select-Object -Unique) | Should -HaveCount 2
        @(Get-ChildItem $run.Out -Directory -Filter 'checkpoint-*').Name | Should -Be 'checkpoint-00000004'
        (Get-Content (Join-Path $run.Out 'checkpoint-00000004/trainer_state.json') | ConvertFrom-Json).run_id | Should -Be $metrics[-1].run_id
        # The same command again: the new run is finished, and nothing changed since.
        Invoke-Training $run @{ Continue = $true } -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings.Message | Should -Match 'already finished'
    }

    # A full disk or a kill can cut the last metrics line short; that must not stop every later run.
    It 'warns about a torn metrics line and goes on, and the next run''s lines start on lines of their own' {
        $run = New-Run 'torn-metrics'
        Invoke-Training $run | Out-Null
        $metricsPath = Join-Path $run.Out 'metrics.jsonl'
        Add-Content -LiteralPath $metricsPath -Value '{"step": 5, "lo' -NoNewline
        $again = Invoke-Training $run -WarningVariable warnings -WarningAction SilentlyContinue
        $again.StepsTrained | Should -Be 4
        $again.History | Should -HaveCount 4
        ($warnings.Message -join "`n") | Should -Match "Line 5 of the metrics file .* is not a step record"
        Add-Content -LiteralPath $run.Corpus -Value "`ncheck the redis service on cache01 then read the redis logs ."
        $continued = Invoke-Training $run @{ Continue = $true } -WarningAction SilentlyContinue
        $continued.StepsTrained | Should -Be 8
        $lines = @(Get-Content -LiteralPath $metricsPath)
        $lines | Should -HaveCount 9
        $lines[4] | Should -Be '{"step": 5, "lo'
        @($lines | Where-Object { $_ -ne $lines[4] } | ForEach-Object { ($_ | ConvertFrom-Json).step }) | Should -Be (1..8)
    }

    It '-Restart starts afresh from the given model and replaces the old run''s checkpoints and metrics' {
        $run = New-Run 'restarted'
        Invoke-Training $run | Out-Null
        $firstLosses = (Get-Metrics (Join-Path $run.Out 'metrics.jsonl')).loss
        $firstRun = (Get-Metrics (Join-Path $run.Out 'metrics.jsonl'))[0].run_id
        $model = Invoke-Training $run @{ Restart = $true }
        $model.StepsTrained | Should -Be 4
        $metrics = Get-Metrics (Join-Path $run.Out 'metrics.jsonl')
        $metrics | Should -HaveCount 4
        $metrics.run_id | Should -Not -Contain $firstRun
        $metrics.loss | Should -Be $firstLosses -Because 'the same model, data and settings train the same way'
    }

    It 'refuses a checkpoint whose optimizer.bin changed on disk with RunCheckpointChanged, and -Restart still trains' {
        $run = New-Run 'bitrot'
        Invoke-Training $run | Out-Null
        $optimizer = Get-ChildItem $run.Out -Recurse -Filter optimizer.bin | Select-Object -Last 1
        $bytes = [IO.File]::ReadAllBytes($optimizer.FullName)
        $bytes[[int]($bytes.Length / 2)] = $bytes[[int]($bytes.Length / 2)] -bxor 1
        [IO.File]::WriteAllBytes($optimizer.FullName, $bytes)
        $e = Get-TerminatingError { Invoke-Training $run -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'RunCheckpointChanged,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -BeLike '*optimizer.bin*-Restart*'
        (Invoke-Training $run @{ Restart = $true }).StepsTrained | Should -Be 4
    }

    It 'refuses -Restart with -Continue, and either without -OutputPath' {
        $run = New-Run 'both'
        (Get-TerminatingError { Invoke-Training $run @{ Restart = $true; Continue = $true } }).FullyQualifiedErrorId | Should -BeLike 'TrainingOptionInvalid,*'
        (Get-TerminatingError { New-TinyModel | Invoke-MlmTraining $run.Corpus -MaxSteps 1 -SequenceLength 32 -Restart -CacheDirectory $cache }).FullyQualifiedErrorId |
            Should -BeLike 'TrainingOptionInvalid,*'
    }

    It 'gives each run appended to one -MetricsPath its own run id and run steps' {
        $run = New-Run 'shared-metrics'
        $metricsPath = Join-Path $TestDrive 'shared.jsonl'
        foreach ($i in 1, 2) { New-TinyModel | Invoke-MlmTraining $run.Corpus -MaxSteps 3 -BatchSize 4 -SequenceLength 32 -MetricsPath $metricsPath -CacheDirectory $cache | Out-Null }
        $metrics = Get-Metrics $metricsPath
        $metrics | Should -HaveCount 6
        $metrics.run_step | Should -Be (1, 2, 3, 1, 2, 3)
        @($metrics.run_id | Select-Object -Unique) | Should -HaveCount 2
        $report = Join-Path $TestDrive 'shared.html'
        Export-BertTrainingReport $report -MetricsPath $metricsPath | Out-Null
        $html = Get-Content -Raw $report
        $html | Should -Match '<h2>Runs</h2>'
        foreach ($id in $metrics.run_id | Select-Object -Unique) { $html | Should -Match ([regex]::Escape($id)) }
        $only = Join-Path $TestDrive 'shared-last.html'
        Export-BertTrainingReport $only -MetricsPath $metricsPath -RunId $metrics[-1].run_id | Out-Null
        Get-Content -Raw $only | Should -Match 'from 3 step record'
    }
}

Describe 'A rerun of Invoke-FineTune in the same -OutputPath' {
    BeforeAll {
        $script:rows = Join-Path $TestDrive 'tickets.csv'
        @(foreach ($i in 1..24) { [pscustomobject]@{ text = "restart the nginx service on web0$($i % 3)"; label = ('a', 'b')[$i % 2] } }) | Export-Csv $rows -NoTypeInformation
        function script:Invoke-FineTuning {
            [CmdletBinding()]
            param([string] $Data, [string] $Out, [hashtable] $Extra = @{})
            New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $Data -OutputPath $Out -MaxSteps 3 -BatchSize 8 -MaxLength 16 @Extra
        }
    }

    It 'says a finished run is finished, and stops with TrainingRunChanged when the labels changed but not the row count' {
        $out = Join-Path $TestDrive 'fine-tune-out'
        Invoke-FineTuning $rows $out | Out-Null
        Invoke-FineTuning $rows $out -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings.Message | Should -Match 'already finished at step 3 of 3'
        $relabelled = Join-Path $TestDrive 'tickets-relabelled.csv'
        Import-Csv $rows | ForEach-Object { $_.label = if ($_.label -eq 'a') { 'b' } else { 'a' }; $_ } | Export-Csv $relabelled -NoTypeInformation
        $e = Get-TerminatingError { Invoke-FineTuning $relabelled $out }
        $e.FullyQualifiedErrorId | Should -BeLike 'TrainingRunChanged,*'
        $e.Exception.Message | Should -Match 'Training data'
        $model = Invoke-FineTuning $relabelled $out @{ Continue = $true }
        $model.StepsTrained | Should -Be 6
    }

    It 'hands back a finished run with its evaluation on the validation data, as the run that trained it gave' {
        $out = Join-Path $TestDrive 'fine-tune-evaluated'
        $split = @{ ValidationSplit = 0.25 }
        $first = Invoke-FineTuning $rows $out $split -WarningAction SilentlyContinue
        $again = Invoke-FineTuning $rows $out $split -WarningAction SilentlyContinue
        $again.StepsTrained | Should -Be $first.StepsTrained
        $again.Evaluations | Should -HaveCount 1
        $again.Evaluations[0].Step | Should -Be $first.Evaluations[-1].Step
        $again.Evaluations[0].Epoch | Should -Be $first.Evaluations[-1].Epoch
        $again.Evaluations[0].Score | Should -Be $first.Evaluations[-1].Score
        $again.Evaluations[0].ValidationLoss | Should -Be $first.Evaluations[-1].ValidationLoss
        $again.Evaluations[0].TrainLoss | Should -Be $first.Evaluations[-1].TrainLoss
    }
}

Describe 'Training progress' {
    It 'gives Write-Progress the step total and the seconds remaining' -ForEach @(
        @{ Name = 'Invoke-MlmTraining'; Script = { param($Config, $Vocab, $Corpus, $Cache) New-BertModel -Config $Config -Vocabulary $Vocab -Seed 1 | Invoke-MlmTraining $Corpus -MaxSteps 6 -BatchSize 2 -SequenceLength 32 -CacheDirectory $Cache | Out-Null } }
        @{ Name = 'Invoke-FineTune'; Script = { param($Config, $Vocab, $Corpus, $Cache, $Rows) New-BertModel -Config $Config -Vocabulary $Vocab -Seed 1 | Invoke-FineTune -Task SequenceClassification -TrainingData $Rows -MaxSteps 6 -BatchSize 2 -MaxLength 16 | Out-Null } }
    ) {
        $run = New-Run "progress-$Name"
        $rowsFile = Join-Path $TestDrive "progress-rows.csv"
        @(foreach ($i in 1..12) { [pscustomobject]@{ text = "stop the redis service on db0$i"; label = ('x', 'y')[$i % 2] } }) | Export-Csv $rowsFile -NoTypeInformation
        $captured = Invoke-Captured $Script @((Get-TinyConfig $vocabSize), $vocab, $run.Corpus, $cache, $rowsFile)
        $captured.Errors | Should -BeNullOrEmpty
        $training = @($captured.Progress | Where-Object { $_.StatusDescription -match '^Step \d+ of 6' })
        $training | Should -Not -BeNullOrEmpty -Because "progress was: $($captured.Progress.StatusDescription -join ' / ')"
        $training[-1].StatusDescription | Should -Match '^Step 6 of 6'
        $training[-1].PercentComplete | Should -Be 100
        @($training | Where-Object { $_.SecondsRemaining -ge 0 }) | Should -HaveCount $training.Count
    }
}
