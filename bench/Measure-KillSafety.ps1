#requires -Version 7.4
<#
.SYNOPSIS
    Kills training jobs and exports with SIGKILL at seeded random moments and counts what was
    lost: checkpoints, exported models, resumed runs whose losses differ, staging folders left.

.DESCRIPTION
    Training: a reference job (tiny model, 120 steps, a checkpoint every 10) runs once without a
    kill. Each trial starts the same job in its own folder as a separate pwsh, kills it with
    SIGKILL at a random moment after its first step, checks that every checkpoint folder the kill
    left imports with its manifest verified, runs the same command again, and compares its 120
    losses with the reference.

    Export: a trained model is exported once to a folder ("old"). Each trial starts a process that
    exports a differently trained model ("new") over it with -Force and kills it at a random
    moment while it writes. The folder must then hold the old model or the new one, each
    byte-identical to its reference export; anything else is a lost checkpoint. A second export
    of the same name must then succeed and leave no staging folder beside it.

    Linux only (SIGKILL through kill -9). Output: the figures line per part, and
    artifacts/bench/kill-safety.json.

.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-KillSafety.ps1 -Quick
#>
[CmdletBinding()]
param(
    [switch] $Quick,
    [int] $Trials = 0,
    [int] $Seed = 17,
    [string] $OutDirectory = (Join-Path (Split-Path $PSScriptRoot) 'artifacts/bench')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
if (-not $IsLinux) { Write-Host 'kill: skipped (SIGKILL is sent with kill -9, Linux only)'; return }
if ($Trials -le 0) { $Trials = if ($Quick) { 4 } else { 12 } }

$repository = Split-Path $PSScriptRoot
. (Join-Path $repository 'tests/Pester/TestFixtures.ps1')
$manifest = Join-Path $repository 'BertAdapt.psd1'
Import-Module $manifest -Force
$work = Join-Path ([IO.Path]::GetTempPath()) "bertadapt-kill-$PID"
New-Item -ItemType Directory $work -Force | Out-Null
$random = [Random]::new($Seed)

try {
    $vocab = Join-Path $work 'vocab.txt'
    $size = New-TinyVocabulary $vocab
    $corpus = Join-Path $work 'corpus.txt'
    New-TinyCorpus $corpus -Documents 120 -Seed 11
    $config = Join-Path $work 'config.json'
    Get-TinyConfig $size | ConvertTo-Json | Set-Content $config
    $cache = Join-Path $work 'cache'

    $trainJob = Join-Path $work 'train.ps1'
    @"
param([string] `$Out)
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
New-BertModel -Config '$config' -Vocabulary '$vocab' -Seed 1 |
    Invoke-MlmTraining -Corpus '$corpus' -MaxSteps 120 -BatchSize 4 -SequenceLength 32 -LearningRate 1e-3 ``
        -OutputPath `$Out -CheckpointEvery 10 -CacheDirectory '$cache' | Out-Null
'finished'
"@ | Set-Content $trainJob

    # The export job trains a larger model (so writing it takes a while) and says when it starts writing.
    $exportJob = Join-Path $work 'export.ps1'
    @"
param([string] `$Target, [int] `$ModelSeed)
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
`$model = New-BertModel -Preset small -Vocabulary '$vocab' -Seed `$ModelSeed
'exporting'
[Console]::Out.Flush()
`$model | Export-Checkpoint -Path `$Target -Force
'exported'
"@ | Set-Content $exportJob

    function Start-Child([string] $Script, [string[]] $Arguments) {
        $launcher = Get-PwshLauncher
        $info = [Diagnostics.ProcessStartInfo]::new($launcher[0])
        foreach ($a in @($launcher | Select-Object -Skip 1) + '-NoProfile', '-NonInteractive', '-File', $Script + $Arguments) { $info.ArgumentList.Add($a) }
        $info.Environment['OMP_NUM_THREADS'] = '1'
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        [Diagnostics.Process]::Start($info)
    }

    function Wait-Child([Diagnostics.Process] $Process) {
        $out = $Process.StandardOutput.ReadToEndAsync(); $err = $Process.StandardError.ReadToEndAsync()
        $Process.WaitForExit()
        [pscustomobject]@{ ExitCode = $Process.ExitCode; Output = $out.Result + $err.Result }
    }

    # The losses of the folder's last run. A job killed before its first checkpoint has nothing to
    # resume, so the same command starts a new run (a new run_id) and the killed one's lines stay.
    function Get-Losses([string] $Out) {
        $records = @(Get-Content (Join-Path $Out 'metrics.jsonl') | ForEach-Object { $_ | ConvertFrom-Json })
        if ($records.Count -eq 0) { return @() }
        @($records | Where-Object run_id -EQ $records[-1].run_id | ForEach-Object loss)
    }

    function Get-FolderHashes([string] $Path) {
        if (-not (Test-Path -LiteralPath $Path)) { return '' }
        (Get-ChildItem -LiteralPath $Path -File -Recurse | Sort-Object FullName | ForEach-Object { "$($_.Name)=$((Get-FileHash -LiteralPath $_.FullName).Hash)" }) -join ';'
    }

    function Test-Checkpoint([string] $Path) {
        try { $m = Import-BertCheckpoint -LiteralPath $Path -ErrorAction Stop; $m.Dispose(); $true } catch { $false }
    }

    # --- training ---------------------------------------------------------------------------
    $reference = Join-Path $work 'train-reference'
    # How long the job trains after its first step, from the reference run: the kills land inside that window.
    $process = Start-Child $trainJob @('-Out', $reference)
    $referenceMetrics = Join-Path $reference 'metrics.jsonl'
    while (-not ((Test-Path $referenceMetrics) -and (Get-Item $referenceMetrics).Length -gt 0) -and -not $process.HasExited) { Start-Sleep -Milliseconds 20 }
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $run = Wait-Child $process
    $trainWindow = [int]($clock.Elapsed.TotalMilliseconds * 0.9)
    if ($run.ExitCode -ne 0) { throw "The reference training job failed: $($run.Output)" }
    $expected = Get-Losses $reference
    $trainingKilled = 0; $trainingEqual = 0; $trainingLeftovers = 0; $checkpointsChecked = 0; $checkpointsLost = 0; $killedAfter = [Collections.Generic.List[int]]::new()
    foreach ($trial in 1..$Trials) {
        $out = Join-Path $work "train-$trial"
        $process = Start-Child $trainJob @('-Out', $out)
        $metrics = Join-Path $out 'metrics.jsonl'
        $deadline = [DateTime]::UtcNow.AddSeconds(180)
        while (-not ((Test-Path $metrics) -and (Get-Item $metrics).Length -gt 0) -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        Start-Sleep -Milliseconds ($random.Next(0, [Math]::Max(1, $trainWindow)))
        if ($process.HasExited) { Wait-Child $process | Out-Null; Write-Warning "training trial $trial ended before its kill"; continue }
        kill -KILL $process.Id
        $process.WaitForExit()
        $trainingKilled++
        $killedAfter.Add(@(Get-Losses $out).Count)
        foreach ($checkpoint in Get-ChildItem -LiteralPath $out -Directory -Filter 'checkpoint-*') {
            $checkpointsChecked++
            if (-not (Test-Checkpoint (Join-Path $checkpoint.FullName 'model'))) {
                if (-not (Test-Checkpoint $checkpoint.FullName)) { $checkpointsLost++ }
            }
        }
        $rerun = Wait-Child (Start-Child $trainJob @('-Out', $out))
        $trainingLeftovers += @(Get-ChildItem -LiteralPath $out -Force -Directory -Filter '.checkpoint-*').Count
        if ($rerun.ExitCode -eq 0 -and ((Get-Losses $out) -join ',') -eq ($expected -join ',')) { $trainingEqual++ }
        else {
            $actual = Get-Losses $out
            $first = 0; while ($first -lt [Math]::Min($actual.Count, $expected.Count) -and $actual[$first] -eq $expected[$first]) { $first++ }
            $keep = Join-Path $OutDirectory "kill-safety-trial-$trial"
            Copy-Item -LiteralPath $out -Destination $keep -Recurse -Force
            Write-Warning "training trial ${trial}: killed after $($killedAfter[-1]) steps; the rerun (exit $($rerun.ExitCode)) has $($actual.Count) losses, the first difference at step $($first + 1); its folder is kept in $keep. Output: $($rerun.Output)"
        }
    }

    # --- export -----------------------------------------------------------------------------
    $target = Join-Path $work 'export/model'
    $newReference = Join-Path $work 'export-new-reference'
    # How long writing takes, from the reference exports: the kills land inside that window.
    $writeTimes = foreach ($pair in @(@($target, 1), @($newReference, 2), @($newReference, 2))) {
        $process = Start-Child $exportJob @('-Target', $pair[0], '-ModelSeed', $pair[1])
        if ($process.StandardOutput.ReadLine() -ne 'exporting') { throw 'A reference export did not start.' }
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $last = $process.StandardOutput.ReadLine()
        $clock.Stop()
        $done = Wait-Child $process
        if ($done.ExitCode -ne 0 -or $last -ne 'exported') { throw "A reference export failed: $($done.Output)" }
        $clock.Elapsed.TotalMilliseconds
    }
    $window = [int]($writeTimes | Sort-Object)[1]
    $oldHashes = Get-FolderHashes $target
    $newHashes = (Get-FolderHashes $newReference)
    $exportsKilled = 0; $midSwap = 0; $heldOld = 0; $heldNew = 0; $exportsLost = 0; $leftovers = 0; $rerunsFailed = 0
    foreach ($trial in 1..$Trials) {
        $process = Start-Child $exportJob @('-Target', $target, '-ModelSeed', 2)
        $line = $process.StandardOutput.ReadLineAsync()
        if (-not $line.Wait(180000) -or $line.Result -ne 'exporting') { kill -KILL $process.Id; throw "export trial $trial did not start: $($line.Result)" }
        Start-Sleep -Milliseconds ($random.Next(0, [Math]::Max(1, $window)))
        if (-not $process.HasExited) { kill -KILL $process.Id; $exportsKilled++ }
        $process.WaitForExit()
        $now = Get-FolderHashes $target
        if ($now -eq $oldHashes) { $heldOld++ }
        elseif ($now -eq $newHashes) { $heldNew++ }
        else {
            # Killed between moving the old folder aside and moving the new one in: the old one
            # must be whole beside it, for the next export to put back.
            $aside = @(Get-ChildItem -LiteralPath (Split-Path $target) -Force -Directory | Where-Object Name -Like '.model.*' |
                Where-Object { (Get-FolderHashes $_.FullName) -in $oldHashes, $newHashes })
            if ($now -eq '' -and $aside.Count) { $midSwap++ } else { $exportsLost++; Write-Warning "export trial ${trial}: neither model is whole" }
        }
        # Put the old model back with a clean export, which also clears what the kill left.
        $again = Wait-Child (Start-Child $exportJob @('-Target', $target, '-ModelSeed', 1))
        if ($again.ExitCode -ne 0 -or (Get-FolderHashes $target) -ne $oldHashes) { $rerunsFailed++; Write-Warning "export trial ${trial}: the next export failed: $($again.Output)" }
        $leftovers += @(Get-ChildItem -LiteralPath (Split-Path $target) -Force -Directory | Where-Object Name -Like '.model.*').Count
    }

    $median = if ($killedAfter.Count) { ($killedAfter | Sort-Object)[[int][Math]::Floor($killedAfter.Count / 2)] } else { 0 }
    Write-Host ("kill: training jobs killed {0} (median at step {1} of 120), checkpoints checked {2}, checkpoints lost {3}, resumed runs with the uninterrupted losses {4} of {0}, staging folders left after them {5}" -f $trainingKilled, $median, $checkpointsChecked, $checkpointsLost, $trainingEqual, $trainingLeftovers)
    Write-Host ("kill: exports killed {0} within the {7} ms an export takes (the folder then held the old model {1}, the new model {2}; mid-swap with the old model whole beside it {3}), checkpoints lost {4}, next exports failed {5}, staging folders left after them {6}" -f $exportsKilled, $heldOld, $heldNew, $midSwap, $exportsLost, $rerunsFailed, $leftovers, $window)
    New-Item -ItemType Directory $OutDirectory -Force | Out-Null
    [ordered]@{
        date = (Get-Date).ToUniversalTime().ToString('o'); trials = $Trials; seed = $Seed
        training = [ordered]@{ killed = $trainingKilled; medianStepAtKill = $median; checkpointsChecked = $checkpointsChecked; checkpointsLost = $checkpointsLost; resumedEqual = $trainingEqual; stagingLeft = $trainingLeftovers }
        export = [ordered]@{ writeMilliseconds = $window; killed = $exportsKilled; heldOld = $heldOld; heldNew = $heldNew; midSwap = $midSwap; lost = $exportsLost; nextExportFailed = $rerunsFailed; stagingLeft = $leftovers }
    } | ConvertTo-Json -Depth 4 | Set-Content (Join-Path $OutDirectory 'kill-safety.json')
    if ($checkpointsLost + $exportsLost + $rerunsFailed + $leftovers + $trainingLeftovers -gt 0 -or $trainingEqual -ne $trainingKilled) { exit 1 }
}
finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}
