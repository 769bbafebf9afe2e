#requires -Version 7.4
<#
.SYNOPSIS
    Training step time with OpenMP's PASSIVE and ACTIVE wait policies (and, on Linux, libgomp's
    default, which the module used before it chose PASSIVE) and 1 or all threads, alone and
    beside competing CPU-bound processes, side by side in one run. "Alone" means no competitor
    started by the bench; whatever else the machine runs shows in the load average column.

.DESCRIPTION
    Each cell is a fresh pwsh that imports the built module with OMP_WAIT_POLICY set as the cell
    says (the module's loader keeps a policy the environment already has) and runs
    Invoke-MlmTraining on BERT-mini, batch 8 x 128 tokens, on examples/data/runbooks.txt. The
    first two steps are warm-up; a cell's step time is the median of the rest, with the training
    process's CPU seconds per step (what it takes from others) and, under contention, how much CPU
    the competitors got per second (what it leaves them). The competitors are one busy-looping
    process per logical processor, started before the cell and stopped after it. Every cell runs
    once per round (3 rounds, or 1 with -Quick), the policies in a different order each round; the
    table gives the median over the rounds, their range and the 1-minute load average, so that a
    machine other work shares shows in the numbers. Output: a table, the ratios to PASSIVE, and
    artifacts/bench/wait-policy.json.

    The module now sets PASSIVE whenever the policy is unset, so the "unset" cells recreate
    libgomp's own default instead: PASSIVE with GOMP_SPINCOUNT=300000, the spin count libgomp
    takes when OMP_WAIT_POLICY is absent (libgomp's OMP_DISPLAY_ENV shows the same 300000).

.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-WaitPolicy.ps1 -Quick
#>
[CmdletBinding()]
param(
    [switch] $Quick,
    [int] $Steps = 0,
    # Each round runs every cell once; the table gives the median over rounds and the range.
    [int] $Rounds = 0,
    [string] $OutDirectory = (Join-Path (Split-Path $PSScriptRoot) 'artifacts/bench'),
    # Internal: run one cell in this process and print its JSON.
    [string] $Cell
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
$root = Split-Path $PSScriptRoot

if ($Cell) {
    $ProgressPreference = 'SilentlyContinue'
    $spec = $Cell | ConvertFrom-Json
    Import-Module (Join-Path $root 'BertAdapt.psd1')
    $metrics = Join-Path ([IO.Path]::GetTempPath()) "bertadapt-wait-policy-$PID.jsonl"
    $model = New-BertModel -Preset mini -Seed 1
    $self = [Diagnostics.Process]::GetCurrentProcess()
    $cpuBefore = $self.TotalProcessorTime
    $model | Invoke-MlmTraining -Corpus (Join-Path $root 'examples/data/runbooks.txt') -MaxSteps $spec.steps -BatchSize 8 -SequenceLength 128 `
        -Threads $spec.threads -Device Cpu -Seed 1 -MetricsPath $metrics | Out-Null
    $self.Refresh()
    $lines = @(Get-Content $metrics | ConvertFrom-Json)
    Remove-Item $metrics
    $times = for ($i = 1; $i -lt $lines.Count; $i++) { $lines[$i].elapsed_seconds - $lines[$i - 1].elapsed_seconds }
    $timed = @($times | Select-Object -Skip 1 | Sort-Object) # steps 3.. (step 1 has no start time here, step 2 is warm-up)
    [ordered]@{
        medianStep = $timed[[int][math]::Floor($timed.Count / 2)]
        tokensPerStep = ($lines | Measure-Object tokens -Average).Average
        cpuPerStep = ($self.TotalProcessorTime - $cpuBefore).TotalSeconds / $lines.Count
        waitPolicy = $env:OMP_WAIT_POLICY
        threads = @($lines.threads | Select-Object -Unique)[0]
    } | ConvertTo-Json -Compress
    return
}

if (-not (Test-Path (Join-Path $root 'module/bin/BertAdapt.PowerShell.dll'))) { throw 'The module is not built; run ./build.ps1 -Task Build first.' }
$null = New-Item -ItemType Directory -Force $OutDirectory
if ($Steps -le 0) { $Steps = if ($Quick) { 6 } else { 10 } }
if ($Rounds -le 0) { $Rounds = if ($Quick) { 1 } else { 3 } }
$cores = [Environment]::ProcessorCount
$threadCounts = if ($Quick) { @($cores) } else { @(1, $cores) | Select-Object -Unique }
$policies = if ($IsLinux -and -not $Quick) { 'PASSIVE', 'ACTIVE', 'unset' } else { 'PASSIVE', 'ACTIVE' }
$launcher = @([Environment]::ProcessPath)
if ([IO.Path]::GetFileNameWithoutExtension($launcher[0]) -eq 'dotnet') { $launcher += Join-Path $PSHOME 'pwsh.dll' }

function Get-LoadAverage { if (Test-Path /proc/loadavg) { [double]((Get-Content /proc/loadavg) -split ' ')[0] } else { $null } }

function Start-Competitor {
    foreach ($i in 1..$cores) {
        $info = [Diagnostics.ProcessStartInfo]::new($launcher[0])
        foreach ($argument in @($launcher | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', '$i = 0; while ($true) { $i++ }')) { $info.ArgumentList.Add($argument) }
        $info.UseShellExecute = $false
        [Diagnostics.Process]::Start($info)
    }
}

function Invoke-Cell([string] $Policy, [int] $Threads, [string] $Load) {
    $saved = $env:OMP_WAIT_POLICY, $env:BERTADAPT_THREADS, $env:OMP_NUM_THREADS, $env:GOMP_SPINCOUNT
    $competitors = @()
    try {
        $env:OMP_WAIT_POLICY = if ($Policy -eq 'unset') { 'PASSIVE' } else { $Policy }
        $env:GOMP_SPINCOUNT = if ($Policy -eq 'unset') { '300000' } else { $null }
        $env:BERTADAPT_THREADS = $null
        $env:OMP_NUM_THREADS = $null
        if ($Load -eq 'contended') {
            $competitors = @(Start-Competitor)
            Start-Sleep -Seconds 2 # let them start and spin
            $competitorCpu = ($competitors | ForEach-Object { $_.Refresh(); $_.TotalProcessorTime.TotalSeconds } | Measure-Object -Sum).Sum
        }
        $loadAverage = Get-LoadAverage
        $wall = [Diagnostics.Stopwatch]::StartNew()
        $spec = @{ steps = $Steps; threads = $Threads } | ConvertTo-Json -Compress
        $output = & $launcher[0] @($launcher | Select-Object -Skip 1) -NoProfile -NonInteractive -File $PSCommandPath -Cell $spec 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The $Load $Policy $Threads-thread cell failed: $($output -join "`n")" }
        $seconds = $wall.Elapsed.TotalSeconds
        $result = ($output | Where-Object { "$_".StartsWith('{') } | Select-Object -Last 1) | ConvertFrom-Json
        $othersPerSecond = $null
        if ($competitors) {
            $after = ($competitors | ForEach-Object { $_.Refresh(); $_.TotalProcessorTime.TotalSeconds } | Measure-Object -Sum).Sum
            $othersPerSecond = ($after - $competitorCpu) / $seconds
        }
        [pscustomobject]@{
            Load = $Load; Threads = $Threads; Policy = $Policy
            StepSeconds = $result.medianStep; TokensPerSecond = $result.tokensPerStep / $result.medianStep
            CpuSecondsPerStep = $result.cpuPerStep; CompetitorCpuPerSecond = $othersPerSecond; LoadAverage = $loadAverage
            Reported = "$($result.waitPolicy)/$($result.threads)"
        }
    } finally {
        foreach ($process in $competitors) { Stop-Process -Id $process.Id -Force -ErrorAction Ignore }
        $env:OMP_WAIT_POLICY, $env:BERTADAPT_THREADS, $env:OMP_NUM_THREADS, $env:GOMP_SPINCOUNT = $saved
    }
}

$started = Get-Date
Write-Host "Wait-policy bench $($started.ToUniversalTime().ToString('yyyy-MM-dd HH:mm'))Z: BERT-mini, batch 8 x 128, $Steps steps per cell (median of steps 3-$Steps), $Rounds round(s), $cores logical processors, load average before: $(Get-LoadAverage)"
$runs = [Collections.Generic.List[psobject]]::new()
for ($round = 1; $round -le $Rounds; $round++) {
    # The policies rotate from round to round, so a drift in the machine's load hits them alike.
    $shift = ($round - 1) % $policies.Count
    $order = @($policies | Select-Object -Skip $shift) + @($policies | Select-Object -First $shift)
    foreach ($load in 'alone', 'contended') {
        foreach ($threads in $threadCounts) {
            foreach ($policy in $order) {
                $run = Invoke-Cell $policy $threads $load
                $run | Add-Member Round $round
                $runs.Add($run)
                Write-Host ("  round {0}: {1,-9} {2} thread(s) {3,-7} step {4:N3} s  (load average {5})" -f $round, $run.Load, $run.Threads, $run.Policy, $run.StepSeconds, $run.LoadAverage)
            }
        }
    }
}

function Get-Median([double[]] $Values) {
    $sorted = @($Values | Sort-Object)
    if ($sorted.Count % 2) { $sorted[[int][math]::Floor($sorted.Count / 2)] } else { ($sorted[$sorted.Count / 2 - 1] + $sorted[$sorted.Count / 2]) / 2 }
}
$rows = foreach ($load in 'alone', 'contended') {
    foreach ($threads in $threadCounts) {
        foreach ($policy in $policies) {
            $cellRuns = @($runs | Where-Object { $_.Load -eq $load -and $_.Threads -eq $threads -and $_.Policy -eq $policy })
            $others = @(foreach ($run in $cellRuns) { if ($null -ne $run.CompetitorCpuPerSecond) { $run.CompetitorCpuPerSecond } })
            [pscustomobject]@{
                Load = $load; Threads = $threads; Policy = $policy
                StepSeconds = Get-Median $cellRuns.StepSeconds
                Fastest = ($cellRuns.StepSeconds | Measure-Object -Minimum).Minimum
                Slowest = ($cellRuns.StepSeconds | Measure-Object -Maximum).Maximum
                TokensPerSecond = Get-Median $cellRuns.TokensPerSecond
                CpuSecondsPerStep = Get-Median $cellRuns.CpuSecondsPerStep
                CompetitorCpuPerSecond = if ($others) { Get-Median $others } else { $null }
                LoadAverage = Get-Median $cellRuns.LoadAverage
            }
        }
    }
}

Write-Host ''
Write-Host ('{0,-9} {1,7} {2,-7} {3,8} {4,13} {5,9} {6,10} {7,12} {8,8}' -f 'load', 'threads', 'policy', 'step s', 'range', 'tokens/s', 'CPU s/step', 'others CPU/s', 'load avg')
foreach ($row in $rows) {
    $others = if ($null -eq $row.CompetitorCpuPerSecond) { '-' } else { $row.CompetitorCpuPerSecond.ToString('N2') }
    $range = '{0:N2}-{1:N2}' -f $row.Fastest, $row.Slowest
    Write-Host ('{0,-9} {1,7} {2,-7} {3,8:N3} {4,13} {5,9:N0} {6,10:N3} {7,12} {8,8:N2}' -f $row.Load, $row.Threads, $row.Policy, $row.StepSeconds, $range, $row.TokensPerSecond, $row.CpuSecondsPerStep, $others, $row.LoadAverage)
}
Write-Host ''
foreach ($load in 'alone', 'contended') {
    foreach ($threads in $threadCounts) {
        $group = @($rows | Where-Object { $_.Load -eq $load -and $_.Threads -eq $threads })
        $passive = $group | Where-Object Policy -EQ 'PASSIVE'
        $ratios = foreach ($other in $group | Where-Object Policy -NE 'PASSIVE') { '{0} {1:N2}x' -f $other.Policy, ($other.StepSeconds / $passive.StepSeconds) }
        Write-Host ("{0,-9} {1} thread(s): median step time relative to PASSIVE: {2}" -f $load, $threads, ($ratios -join ', '))
    }
}
Write-Host "Load average after: $(Get-LoadAverage)"
[ordered]@{ started = $started.ToUniversalTime().ToString('o'); steps = $Steps; rounds = $Rounds; cores = $cores; rows = $rows; runs = $runs } |
    ConvertTo-Json -Depth 4 | Set-Content (Join-Path $OutDirectory 'wait-policy.json')
