BeforeAll {
    $script:manifest = Join-Path $PSScriptRoot '../../BertAdapt.psd1'
    Import-Module $manifest -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    # The job's own folder: every path in the job files below is relative to it.
    $script:jobs = Join-Path $TestDrive 'jobs'
    New-Item -ItemType Directory (Join-Path $jobs 'corpus'), (Join-Path $jobs 'out') | Out-Null
    $vocabSize = New-TinyVocabulary (Join-Path $jobs 'vocab.txt')
    New-TinyCorpus (Join-Path $jobs 'corpus/part1.txt') -Documents 20 -Seed 1
    New-TinyCorpus (Join-Path $jobs 'corpus/part2.txt') -Documents 20 -Seed 2
    New-TinyCorpus (Join-Path $jobs 'heldout.txt') -Documents 10 -Seed 3
    $config = (Get-TinyConfig $vocabSize).GetEnumerator() | ForEach-Object { "$($_.Key): $($_.Value)" }
    $script:tinyModel = "model:`n  config: { $($config -join ', ') }`n  vocabulary: vocab.txt`n"

    function script:New-JobFile([string] $Name, [string] $Text) {
        $path = Join-Path $jobs $Name
        Set-Content -LiteralPath $path -Value $Text
        $path
    }

    # Runs a script block that must fail terminally; returns its ErrorRecord.
    function script:Get-TerminatingError([scriptblock] $Action) {
        try { & $Action; throw 'expected a terminating error, but none was raised' }
        catch [System.Management.Automation.RuntimeException] {
            if ($_.Exception.Message -like 'expected a terminating error*') { throw }
            $_
        }
    }

    # Runs a job in a fresh pwsh, as a scheduler would; returns the exit code and all output.
    function script:Invoke-JobProcess([string] $JobPath) {
        Invoke-ChildPwsh "Import-Module '$manifest'; Invoke-BertJob -Path '$JobPath'"
    }

    $script:goodJob = New-JobFile 'good.job.yaml' ($tinyModel + @'
training:
  corpus: ./corpus/*.txt
  maxSteps: 4
  batchSize: 8
  sequenceLength: 32
  learningRate: 1e-3
  outputPath: out/run
  checkpointEvery: 2
  keepCheckpoints: 1
export:
  path: out/model
  force: true
perplexity:
  corpus: [heldout.txt]
  sequenceLength: 32
'@)
}

Describe 'Invoke-BertJob' {
    It 'trains, exports and measures, resolving paths against the job file, wherever it is started' {
        Push-Location (New-Item -ItemType Directory (Join-Path $TestDrive 'elsewhere'))
        try {
            $model, $perplexity = Invoke-BertJob -Path $goodJob
            (Get-Location).Path | Should -Be (Join-Path $TestDrive 'elsewhere')
        } finally { Pop-Location }
        $model | Should -BeOfType BertAdapt.BertModel
        $model.StepsTrained | Should -Be 4
        $model.TrainedOn | Should -HaveCount 2
        $perplexity.Perplexity | Should -BeGreaterThan 1
        $perplexity.Sequences | Should -BeGreaterThan 0
        Join-Path $jobs 'out/model/model.safetensors' | Should -Exist
        Join-Path $jobs 'out/run/checkpoint-00000004' | Should -Exist
        Join-Path $TestDrive 'elsewhere/out' | Should -Not -Exist
    }

    It 'says the run in outputPath is finished when the same job runs again on the same data' {
        $verbose = Invoke-BertJob -LiteralPath $goodJob -Verbose 4>&1 3>&1
        $model = $verbose | Where-Object { $_ -is [BertAdapt.BertModel] }
        $model.StepsTrained | Should -Be 4
        ($verbose | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message | Should -Match "already finished at step 4 of 4"
        (($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n") |
            Should -Match ([regex]::Escape("'$(Join-Path $jobs 'out/run/checkpoint-00000004')'") + '.*the same settings and data')
    }

    It 'starts from a checkpoint named in the model section, and binds job files from the pipeline' {
        New-JobFile 'measure.job.yaml' "model:`n  checkpoint: ./out/model`nperplexity:`n  corpus: heldout.txt`n  sequenceLength: 32`n" | Out-Null
        $model, $perplexity = Get-Item (Join-Path $jobs 'measure.job.yaml') | Invoke-BertJob
        $model.Source | Should -BeLike '*out*model*'
        $perplexity.Perplexity | Should -BeGreaterThan 1
    }

    It 'accepts every parameter of the cmdlets, read from their metadata' {
        $job = New-JobFile 'all.job.yaml' ($tinyModel + "  SEED: 3`ntraining:`n  corpus: heldout.txt`n  maxSteps: 1`n  sequenceLength: 16`n  wholeWordMask: true`n  objective: MlmNsp`n  schedule: Cosine`n  warmupRatio: 0.2`n  lineByLine: false`n  textField: body`n")
        (Invoke-BertJob -Path $job).StepsTrained | Should -Be 1
    }

    It 'writes and outputs nothing with -WhatIf' {
        $job = New-JobFile 'whatif.job.yaml' ($tinyModel + "training:`n  corpus: heldout.txt`n  maxSteps: 2`n  sequenceLength: 16`n  outputPath: out/whatif-run`nexport:`n  path: out/whatif-model`nperplexity:`n  corpus: heldout.txt`n")
        Invoke-BertJob -Path $job -WhatIf | Should -BeNullOrEmpty
        Join-Path $jobs 'out/whatif-run' | Should -Not -Exist
        Join-Path $jobs 'out/whatif-model' | Should -Not -Exist
    }
}

Describe 'A job that fine-tunes' {
    BeforeAll {
        $null = New-TinyTeamCsv $jobs
    }

    It 'pre-trains, fine-tunes with validation and exports the classifier, from one job file' {
        $job = New-JobFile 'finetune.job.yaml' ($tinyModel + @'
training:
  corpus: heldout.txt
  maxSteps: 2
  sequenceLength: 32
fineTune:
  task: SequenceClassification
  trainingData: team-train.csv
  validationData: team-dev.csv
  textColumn: summary
  labelColumn: team
  maxLength: 32
  batchSize: 4
  epochs: 2
  learningRate: 0.001
  warmupSteps: 2
  outputPath: out/finetune-run
export:
  path: out/finetuned
'@)
        $model = Invoke-BertJob -Path $job -WarningAction SilentlyContinue
        $model.Task | Should -Be 'SequenceClassification'
        $model.Evaluations | Should -HaveCount 2 -Because 'the validation data is scored after each of the 2 epochs'
        $model.StepsTrained | Should -Be (2 + 18) -Because '2 pre-training steps, then 2 epochs of 36 rows in batches of 4'
        $exported = Import-BertCheckpoint (Join-Path $jobs 'out/finetuned')
        $exported.Task | Should -Be 'SequenceClassification'
        @($exported.Labels) | Should -Be @($model.Labels)
        Join-Path $jobs 'out/finetune-run/metrics.jsonl' | Should -Exist
        $exported.Dispose(); $model.Dispose()
    }

    It 'checks the fineTune section as it checks the others: <Problem>' -ForEach @(
        @{ Problem = 'a misspelt key'; Section = "fineTune:`n  task: SequenceClassification`n  trainingDta: team-train.csv`n"; Expected = "*Unknown key 'trainingDta' in section 'fineTune' at line 6, column 3. Did you mean 'trainingData'?*" }
        @{ Problem = 'no task'; Section = "fineTune:`n  trainingData: team-train.csv`n"; Expected = "*Section 'fineTune' at line 4, column 1 needs 'task'*" }
        @{ Problem = 'no data (a job has no pipeline rows)'; Section = "fineTune:`n  task: Regression`n"; Expected = "*Section 'fineTune' at line 4, column 1 needs 'trainingData' or 'literalTrainingData'*" }
        @{ Problem = 'a value out of range'; Section = "fineTune:`n  task: Regression`n  trainingData: team-train.csv`n  epochs: 0`n"; Expected = "*'epochs' at line 7, column 11 is not allowed*" }
    ) {
        $job = New-JobFile 'bad-finetune.job.yaml' ($tinyModel + $Section)
        $e = Get-TerminatingError { Invoke-BertJob -Path $job }
        $e.FullyQualifiedErrorId | Should -Be 'JobFileInvalid,BertAdapt.PowerShell.Commands.InvokeBertJobCommand'
        $e.Exception.Message | Should -BeLike $Expected
    }

    # The study section runs one run of Compare-BertAdaptation (Adaptation.Tests runs such jobs); a job always gives it the model.
    It 'checks the study section as it checks the others: <Problem>' -ForEach @(
        @{ Problem = 'no study folder'; Section = "study:`n  domainCorpus: a.txt`n  trainingData: t.csv`n  validationData: v.csv`n  task: Regression`n"; Expected = "*Section 'study' at line 4, column 1 needs 'outputPath'*" }
        @{ Problem = '-Collect, which takes no model'; Section = "study:`n  collect: ./study`n"; Expected = "*The keys of section 'study' at line 4, column 1 cannot all be used together*" }
    ) {
        $job = New-JobFile 'bad-study.job.yaml' ($tinyModel + $Section)
        $e = Get-TerminatingError { Invoke-BertJob -Path $job }
        $e.FullyQualifiedErrorId | Should -Be 'JobFileInvalid,BertAdapt.PowerShell.Commands.InvokeBertJobCommand'
        $e.Exception.Message | Should -BeLike $Expected
    }
}

Describe 'Invoke-BertJob errors' {
    It 'reports every problem of an invalid job with its line and column, before any work starts' {
        $job = New-JobFile 'bad.job.yaml' ($tinyModel + @'
training:
  corpus: heldout.txt
  outputPath: out/never
  maxStep: 5
  batchSize: sixteen
  learningRate: 7
exprot:
  path: out/never-model
'@)
        $e = Get-TerminatingError { Invoke-BertJob -Path $job }
        $e.FullyQualifiedErrorId | Should -Be 'JobFileInvalid,BertAdapt.PowerShell.Commands.InvokeBertJobCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Errors.Mark.Line | Should -Be 7, 8, 9, 10
        $e.Exception.Message | Should -BeLike "*Unknown key 'maxStep' in section 'training' at line 7, column 3. Did you mean 'maxSteps'?*"
        $e.Exception.Message | Should -BeLike "*'batchSize' at line 8, column 14 must be an integer, not 'sixteen'.*"
        $e.Exception.Message | Should -BeLike "*'learningRate' at line 9, column 17 is not allowed: *maximum allowed range of 1*"
        $e.Exception.Message | Should -BeLike "*Unknown section 'exprot' at line 10, column 1. Did you mean 'export'?*"
        Join-Path $jobs 'out/never' | Should -Not -Exist
    }

    It 'checks every job file before the first one runs' {
        $first = New-JobFile 'first.job.yaml' ($tinyModel + "training:`n  corpus: heldout.txt`n  maxSteps: 1`n  outputPath: out/first-run`n")
        $bad = New-JobFile 'second.job.yaml' "model:`n  preset: mini`n  checkpoint: ./x`n"
        $e = Get-TerminatingError { Invoke-BertJob -LiteralPath $first, $bad }
        $e.Exception.Message | Should -BeLike "*'checkpoint' at line 3, column 3 cannot be used with 'preset'*"
        $e.TargetObject | Should -Be $bad
        Join-Path $jobs 'out/first-run' | Should -Not -Exist
    }

    It 'gives JobFileNotFound for a missing job file' {
        $e = Get-TerminatingError { Invoke-BertJob -Path (Join-Path $jobs 'missing.job.yaml') }
        $e.FullyQualifiedErrorId | Should -BeLike 'JobFileNotFound,*'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'fails with the error id of the step that failed' {
        New-Item -ItemType Directory (Join-Path $jobs 'out/taken') | Out-Null
        $job = New-JobFile 'exists.job.yaml' ($tinyModel + "export:`n  path: out/taken`n")
        $e = Get-TerminatingError { Invoke-BertJob -Path $job }
        $e.FullyQualifiedErrorId | Should -BeLike 'CheckpointExists,*'
        $e.CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It 'fails with OutputPathLocked while another run holds the outputPath' {
        # The lock a running job holds on its outputPath, taken here as a second run would find it.
        $busy = New-Item -ItemType Directory (Join-Path $jobs 'out/busy')
        $lock = [IO.File]::Open((Join-Path $busy '.lock'), 'OpenOrCreate', 'ReadWrite', 'None')
        try {
            $job = New-JobFile 'busy.job.yaml' ($tinyModel + "training:`n  corpus: heldout.txt`n  maxSteps: 1`n  sequenceLength: 16`n  outputPath: out/busy`n")
            $e = Get-TerminatingError { Invoke-BertJob -Path $job }
            $e.FullyQualifiedErrorId | Should -BeLike 'OutputPathLocked,*'
            Get-ChildItem $busy -Filter 'checkpoint-*' | Should -BeNullOrEmpty
        } finally { $lock.Dispose() }
    }

    It 'exits with 0 when a job succeeds and non-zero when it fails, as a scheduler runs it' {
        $ok = Invoke-JobProcess $goodJob
        $ok.ExitCode | Should -Be 0 -Because $ok.Output
        $bad = Invoke-JobProcess (New-JobFile 'typo.job.yaml' ($tinyModel + "training:`n  corpus: heldout.txt`n  maxStep: 5`n"))
        $bad.ExitCode | Should -Not -Be 0
        $bad.Output | Should -BeLike "*Unknown key 'maxStep' in section 'training' at line 6, column 3*"
    }
}

Describe 'Rerunning a job' {
    BeforeAll {
        # A job of its own, with its own corpus, so that growing the corpus touches no other test.
        $script:daily = Join-Path $jobs 'daily'
        New-Item -ItemType Directory $daily | Out-Null
        Copy-Item (Join-Path $jobs 'vocab.txt') $daily
        New-TinyCorpus (Join-Path $daily 'today.txt') -Documents 20 -Seed 5
        $script:dailyJob = Join-Path $daily 'daily.job.yaml'
        Set-Content -LiteralPath $dailyJob -Value ($tinyModel + @'
training:
  corpus: today.txt
  maxSteps: 3
  batchSize: 8
  sequenceLength: 32
  outputPath: out/run
export:
  path: out/model
  force: true
'@)
        function script:Get-DailyMetrics { @(Get-Content (Join-Path $daily 'out/run/metrics.jsonl') | ForEach-Object { $_ | ConvertFrom-Json }) }
    }

    It 'stops with TrainingRunChanged and a non-zero exit code when the corpus grew since the last run' {
        (Invoke-JobProcess $dailyJob).ExitCode | Should -Be 0
        $exported = (Get-FileHash (Join-Path $daily 'out/model/model.safetensors')).Hash
        Add-Content -LiteralPath (Join-Path $daily 'today.txt') -Value "`nreload the cron service on files01 then read the cron logs ."
        $grown = Invoke-JobProcess $dailyJob
        $grown.ExitCode | Should -Not -Be 0
        $grown.Output | Should -Match 'TrainingRunChanged|was made with other settings or data'
        $grown.Output | Should -Match 'Training data'
        (Get-FileHash (Join-Path $daily 'out/model/model.safetensors')).Hash | Should -Be $exported -Because 'a stopped job exports nothing'
        Get-DailyMetrics | Should -HaveCount 3
    }

    It 'with continue: true, trains a new run on the grown corpus from the last weights' {
        $continued = Join-Path $daily 'continued.job.yaml'
        (Get-Content -Raw $dailyJob) -replace 'outputPath: out/run', "outputPath: out/run`n  continue: true" | Set-Content -LiteralPath $continued
        $result = Invoke-JobProcess $continued
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $metrics = Get-DailyMetrics
        $metrics.step | Should -Be (1..6)
        @($metrics.run_id | Select-Object -Unique) | Should -HaveCount 2
    }

    It 'exits non-zero from a pwsh -File script whose job fails, without $ErrorActionPreference' {
        $script = Join-Path $daily 'run-job.ps1'
        Set-Content -LiteralPath $script -Value "Import-Module '$manifest'`nInvoke-BertJob -Path '$(Join-Path $daily 'missing.job.yaml')'`n'the script went on'"
        $launcher = Get-PwshLauncher
        $rest = @($launcher | Select-Object -Skip 1)
        $output = & $launcher[0] @rest -NoProfile -NonInteractive -File $script 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        ($output -join "`n") | Should -Match 'missing\.job\.yaml'
        ($output -join "`n") | Should -Not -Match 'the script went on'
    }
}

Describe 'The example job' {
    It 'is a valid job file' {
        $example = Join-Path $PSScriptRoot '../../examples/jobs/runbooks.job.yaml'
        # -WhatIf checks the whole file and runs nothing that writes; the mini model it creates is freed.
        Invoke-BertJob -Path $example -WhatIf 6>&1 | Should -BeNullOrEmpty
    }
}
