#requires -Version 7.4
<#
.SYNOPSIS
    Shows that the inference cmdlets stream: peak memory after 1,000,000 lines through
    Get-BertEmbedding is about what it was after 100,000.

.DESCRIPTION
    Generates -Lines runbook-like lines in the pipeline (nothing is written to disk) and streams
    them through Get-BertEmbedding with a tiny random model (2 layers, hidden size 64). The
    generator notes, every -Every lines, the process's peak and current working set and the
    managed heap, while the vectors keep flowing to Measure-Object. A cmdlet that gathered its
    input before answering would grow with the line count; one that streams stays flat after
    the first batches. The table and the ratio of the peaks at -Checkpoint and at the end are
    printed. Not a test: a measurement to run by hand.

.EXAMPLE
    cd /work/main && dotnet pwsh -NoProfile -File bench/Measure-InferenceMemory.ps1
#>
[CmdletBinding()]
param(
    [int] $Lines = 1000000,
    [int] $Checkpoint = 100000,
    [int] $Every = 100000,
    [int] $BatchSize = 64
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'

$root = Split-Path -Parent $PSScriptRoot
Import-Module (Join-Path $root 'BertAdapt.psd1') -Force
. (Join-Path $root 'tests/Pester/TestFixtures.ps1')

$work = Join-Path ([IO.Path]::GetTempPath()) "bertadapt-inference-bench-$PID"
New-Item -ItemType Directory -Path $work -Force | Out-Null
try {
    $vocabulary = Join-Path $work 'vocab.txt'
    $size = New-TinyVocabulary $vocabulary
    $model = New-BertModel -Config (Get-TinyConfig $size) -Vocabulary $vocabulary -Seed 1

    $services = 'nginx', 'postgres', 'redis', 'spooler', 'sshd', 'cron'
    $verbs = 'restart', 'stop', 'start', 'check', 'reload'
    $hosts = 'web01', 'web02', 'db01', 'cache01', 'files01'
    $process = [Diagnostics.Process]::GetCurrentProcess()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $marks = [Collections.Generic.List[object]]::new()
    function Add-Mark([int] $At) {
        $process.Refresh()
        $marks.Add([pscustomobject]@{
                Lines          = $At
                PeakWorkingSet = [math]::Round($process.PeakWorkingSet64 / 1MB, 1)
                WorkingSet     = [math]::Round($process.WorkingSet64 / 1MB, 1)
                ManagedHeap    = [math]::Round([GC]::GetTotalMemory($false) / 1MB, 1)
                Seconds        = [math]::Round($clock.Elapsed.TotalSeconds, 1)
            })
    }
    Add-Mark 0

    $count = (& {
            for ($i = 1; $i -le $Lines; $i++) {
                $s = $i % $services.Count
                "$($verbs[$i % $verbs.Count]) the $($services[$s]) service on $($hosts[$i % $hosts.Count]) then read the $($services[$s]) logs $i"
                if ($i % $Every -eq 0 -or $i -eq $Checkpoint) { Add-Mark $i }
            }
        } | Get-BertEmbedding -Model $model -BatchSize $BatchSize | Measure-Object).Count
    Add-Mark $Lines

    $marks | Sort-Object Lines -Unique | Format-Table Lines,
        @{ Label = 'PeakWS MB'; Expression = { $_.PeakWorkingSet } },
        @{ Label = 'WS MB'; Expression = { $_.WorkingSet } },
        @{ Label = 'Managed MB'; Expression = { $_.ManagedHeap } },
        Seconds -AutoSize | Out-String | Write-Host

    $atCheckpoint = ($marks | Where-Object Lines -EQ $Checkpoint | Select-Object -First 1).PeakWorkingSet
    $atEnd = $marks[-1].PeakWorkingSet
    Write-Host ("{0:N0} embeddings of {1} dimensions in {2:F1} s ({3:N0} lines/s), batch size {4}" -f
        $count, $model.Config.HiddenSize, $clock.Elapsed.TotalSeconds, ($count / $clock.Elapsed.TotalSeconds), $BatchSize)
    Write-Host ("Peak working set: {0} MB at {1:N0} lines, {2} MB at {3:N0} lines (ratio {4:F3})" -f
        $atCheckpoint, $Checkpoint, $atEnd, $Lines, ($atEnd / $atCheckpoint))
    if ($count -ne $Lines) { throw "Expected $Lines embeddings, got $count." }
} finally {
    if (Get-Variable model -ErrorAction Ignore) { if ($model) { $model.Dispose() } }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}
