# A training job killed with SIGKILL and started again continues from its last checkpoint and
# reproduces the uninterrupted run's losses exactly; two jobs cannot share an output path.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $vocabSize = New-TinyVocabulary $vocab
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 120 -Seed 11
    $config = Join-Path $TestDrive 'config.json'
    Get-TinyConfig $vocabSize | ConvertTo-Json | Set-Content $config
    $manifest = Join-Path $PSScriptRoot '../../BertAdapt.psd1'

    # One job script, run as separate processes: the same command every time, as a scheduler would.
    $script:job = Join-Path $TestDrive 'job.ps1'
    @"
param([string] `$Out, [int] `$Steps = 400)
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
New-BertModel -Config '$config' -Vocabulary '$vocab' -Seed 1 |
    Invoke-MlmTraining -Corpus '$corpus' -MaxSteps `$Steps -BatchSize 4 -SequenceLength 32 -LearningRate 1e-3 ``
        -OutputPath `$Out -CheckpointEvery 20 -CacheDirectory '$(Join-Path $TestDrive 'cache')' | Out-Null
'finished'
"@ | Set-Content $job

    function script:Start-TrainingProcess([string] $Out, [int] $Steps = 400) {
        $launcher = Get-PwshLauncher
        $info = [Diagnostics.ProcessStartInfo]::new($launcher[0])
        foreach ($a in @($launcher | Select-Object -Skip 1) + '-NoProfile', '-NonInteractive', '-File', $job, '-Out', $Out, '-Steps', $Steps) { $info.ArgumentList.Add($a) }
        # One libtorch thread: a tiny model gains nothing from more, and jobs stay fast on a busy machine.
        $info.Environment['OMP_NUM_THREADS'] = '1'
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        [Diagnostics.Process]::Start($info)
    }

    function script:Wait-TrainingProcess([Diagnostics.Process] $Process) {
        $stdout = $Process.StandardOutput.ReadToEndAsync()
        $stderr = $Process.StandardError.ReadToEndAsync()
        $Process.WaitForExit()
        [pscustomobject]@{ ExitCode = $Process.ExitCode; Output = $stdout.Result + $stderr.Result }
    }

    function script:Get-Losses([string] $Out) {
        Get-Content (Join-Path $Out 'metrics.jsonl') | ForEach-Object { ($_ | ConvertFrom-Json).loss }
    }
}

Describe 'Resuming a killed job' -Skip:(-not $IsLinux) {
    It 'continues after kill -9 from the last checkpoint with exactly the uninterrupted losses' {
        $whole = Join-Path $TestDrive 'whole'
        $reference = Wait-TrainingProcess (Start-TrainingProcess $whole)
        $reference.Output | Should -Match 'finished'
        $expected = @(Get-Losses $whole)
        $expected | Should -HaveCount 400

        $killed = Join-Path $TestDrive 'killed'
        $process = Start-TrainingProcess $killed
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while (-not (Test-Path (Join-Path $killed 'checkpoint-00000040')) -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) {
            Start-Sleep -Milliseconds 50
        }
        $process.HasExited | Should -BeFalse -Because 'the job must still be running when it is killed'

        kill -KILL $process.Id
        $process.WaitForExit()
        $partial = @(Get-Losses $killed)
        $partial.Count | Should -BeLessThan 400
        $partial.Count | Should -BeGreaterOrEqual 40

        $resumed = Wait-TrainingProcess (Start-TrainingProcess $killed)
        $resumed.ExitCode | Should -Be 0 -Because $resumed.Output
        $actual = @(Get-Losses $killed)
        $actual | Should -HaveCount 400
        for ($i = 0; $i -lt 400; $i++) { $actual[$i] | Should -Be $expected[$i] -Because "step $($i + 1) must match exactly" }
        @(Get-ChildItem $killed -Directory -Filter 'checkpoint-*').Count | Should -Be 2
        @(Get-ChildItem $killed -Directory -Force -Filter '.checkpoint-*') | Should -HaveCount 0
    }

    It 'refuses a second job on an output path while the first one runs' {
        $busy = Join-Path $TestDrive 'busy'
        $first = Start-TrainingProcess $busy -Steps 1000000
        try {
            $metrics = Join-Path $busy 'metrics.jsonl'
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not ((Test-Path $metrics) -and (Get-Item $metrics).Length -gt 0) -and -not $first.HasExited -and [DateTime]::UtcNow -lt $deadline) {
                Start-Sleep -Milliseconds 50
            }
            $first.HasExited | Should -BeFalse -Because 'the first job must be training'
            $second = Wait-TrainingProcess (Start-TrainingProcess $busy)
            $second.ExitCode | Should -Not -Be 0
            $second.Output | Should -Match 'Another training job is using'
            $first.HasExited | Should -BeFalse -Because 'the refused job must not disturb the running one'
        }
        finally {
            if (-not $first.HasExited) { kill -KILL $first.Id }
            $first.WaitForExit()
        }
    }
}

# systemctl stop, timeout and docker stop send SIGTERM; Ctrl+C in a terminal sends SIGINT. Either
# one saves a checkpoint of the last finished step, then stops, and the same command resumes.
Describe 'Stopping a job with a signal' -Skip:(-not $IsLinux) {
    BeforeAll {
        # No $ErrorActionPreference here: the exit code must not depend on the script's own care.
        $script:signalJob = Join-Path $TestDrive 'signal-job.ps1'
        @"
param([string] `$Out, [int] `$Steps)
Import-Module '$manifest'
New-BertModel -Config '$config' -Vocabulary '$vocab' -Seed 1 |
    Invoke-MlmTraining -Corpus '$corpus' -MaxSteps `$Steps -BatchSize 4 -SequenceLength 32 -LearningRate 1e-3 ``
        -OutputPath `$Out -CacheDirectory '$(Join-Path $TestDrive 'cache')' | Out-Null
'finished'
"@ | Set-Content $signalJob

        function script:Start-SignalJob([string[]] $Arguments) {
            $launcher = Get-PwshLauncher
            $info = [Diagnostics.ProcessStartInfo]::new($launcher[0])
            foreach ($a in @($launcher | Select-Object -Skip 1) + '-NoProfile', '-NonInteractive' + $Arguments) { $info.ArgumentList.Add($a) }
            $info.Environment['OMP_NUM_THREADS'] = '1'
            $info.RedirectStandardOutput = $true
            $info.RedirectStandardError = $true
            [Diagnostics.Process]::Start($info)
        }

        # Waits until the run has written at least $Steps metrics lines, then sends the signal.
        function script:Send-SignalAfter([Diagnostics.Process] $Process, [string] $Out, [int] $Steps, [string] $Signal) {
            $metrics = Join-Path $Out 'metrics.jsonl'
            $deadline = [DateTime]::UtcNow.AddSeconds(120)
            while (-not $Process.HasExited -and [DateTime]::UtcNow -lt $deadline -and
                -not ((Test-Path $metrics) -and @(Get-Content $metrics).Count -ge $Steps)) { Start-Sleep -Milliseconds 50 }
            $Process.HasExited | Should -BeFalse -Because 'the job must still be training when the signal comes'
            kill "-$Signal" $Process.Id
            Wait-TrainingProcess $Process
        }

        $script:steps = 150
        $whole = Join-Path $TestDrive 'signal-whole'
        $reference = Wait-TrainingProcess (Start-SignalJob '-File', $signalJob, '-Out', $whole, '-Steps', $steps)
        $reference.ExitCode | Should -Be 0 -Because $reference.Output
        $script:expected = @(Get-Losses $whole)
    }

    It 'saves a checkpoint on SIGTERM, exits with 143, and a rerun finishes with the uninterrupted losses' {
        $out = Join-Path $TestDrive 'signal-term'
        $stopped = Send-SignalAfter (Start-SignalJob '-File', $signalJob, '-Out', $out, '-Steps', $steps) $out 20 'TERM'
        $stopped.ExitCode | Should -Be 143 -Because $stopped.Output
        $stopped.Output | Should -Match 'TrainingInterrupted: Training was stopped by SIGTERM after step \d+ of 150'
        $stopped.Output | Should -Not -Match 'finished'
        $done = @(Get-Losses $out).Count
        $done | Should -BeLessThan $steps
        Join-Path $out ('checkpoint-{0:D8}' -f $done) | Should -Exist -Because 'the last finished step is saved'

        $resumed = Wait-TrainingProcess (Start-SignalJob '-File', $signalJob, '-Out', $out, '-Steps', $steps)
        $resumed.ExitCode | Should -Be 0 -Because $resumed.Output
        $actual = @(Get-Losses $out)
        $actual | Should -HaveCount $steps
        for ($i = 0; $i -lt $steps; $i++) { $actual[$i] | Should -Be $expected[$i] -Because "step $($i + 1) must match exactly" }
        @(Get-Content (Join-Path $out 'metrics.jsonl') | ForEach-Object { ($_ | ConvertFrom-Json).run_id } | Select-Object -Unique) |
            Should -HaveCount 1 -Because 'a resumed run is the same run'
    }

    It 'saves a checkpoint on SIGINT and exits with 130 from pwsh -File' {
        $out = Join-Path $TestDrive 'signal-int'
        # Many more steps than the signal needs: with 150 a busy CI machine could let the run end
        # between the poll that saw step 10 and the kill, and the test would time the machine.
        $stopped = Send-SignalAfter (Start-SignalJob '-File', $signalJob, '-Out', $out, '-Steps', 3000) $out 10 'INT'
        $stopped.ExitCode | Should -Be 130 -Because $stopped.Output
        $stopped.Output | Should -Not -Match 'finished'
        $stopped.Output | Should -Match 'SIGINT'
        Join-Path $out ('checkpoint-{0:D8}' -f @(Get-Losses $out).Count) | Should -Exist
    }

    It 'stops Invoke-BertJob on SIGTERM before its export, with exit code 143' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'signal-bertjob')
        $job = Join-Path $folder 'job.yaml'
        "model:`n  config: '$config'`n  vocabulary: '$vocab'`ntraining:`n  corpus: '$corpus'`n  maxSteps: $steps`n  batchSize: 4`n  sequenceLength: 32`n  outputPath: out`nexport:`n  path: model`n" |
            Set-Content $job
        $stopped = Send-SignalAfter (Start-SignalJob '-Command', "Import-Module '$manifest'; Invoke-BertJob -Path '$job'") (Join-Path $folder 'out') 10 'TERM'
        $stopped.ExitCode | Should -Be 143 -Because $stopped.Output
        Join-Path $folder 'model' | Should -Not -Exist
        Join-Path $folder ('out/checkpoint-{0:D8}' -f @(Get-Losses (Join-Path $folder 'out')).Count) | Should -Exist
    }
}
