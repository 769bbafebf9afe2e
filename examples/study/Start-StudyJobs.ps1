<#
.SYNOPSIS
Runs the job files of Compare-BertAdaptation -AsJobFiles on this machine: each wave's jobs as
parallel Start-Jobs (at most -ThrottleLimit at a time), the next wave once they all succeeded.

.DESCRIPTION
Each job is its own pwsh process (Start-Job), so runs never share libtorch's threads or memory;
give the study -Threads so that ThrottleLimit x Threads fits the machine's cores. A finished run is
skipped by its job, so after a failure or a kill this script run again goes on where it stopped.
Writes one object per job, in the index's order: Wave, TaskIndex, Run, State (Completed or Failed), Error and JobFile. Stops after
a wave in which a job failed, as the runs of later waves would start from runs that did not finish.

.EXAMPLE
./examples/study/Start-StudyJobs.ps1 -JobFolder ./out/study/jobs -ThrottleLimit 4
#>
[CmdletBinding()]
param(
    # The -AsJobFiles folder: index.csv and the job files.
    [Parameter(Mandatory)] [string] $JobFolder,
    [ValidateRange(1, 1024)] [int] $ThrottleLimit = [Math]::Max(1, [Environment]::ProcessorCount / 2),
    # The module each job imports: by default the BertAdapt loaded here (its manifest), else BertAdapt by name.
    [string] $ModulePath = $(if ($loaded = Get-Module BertAdapt | Select-Object -First 1) { Join-Path $loaded.ModuleBase 'BertAdapt.psd1' } else { 'BertAdapt' })
)
$ErrorActionPreference = 'Stop'
$folder = (Resolve-Path -LiteralPath $JobFolder).ProviderPath
$index = @(Import-Csv -LiteralPath (Join-Path $folder 'index.csv'))

$worker = Join-Path $PSScriptRoot 'Invoke-StudyJob.ps1'
$run = {
    param([string] $Worker, [string] $Module, [string] $Folder, [int] $Wave, [int] $TaskIndex)
    & $Worker -JobFolder $Folder -Wave $Wave -TaskIndex $TaskIndex -ModulePath $Module | Out-Null
}

function Complete-Job($Job) {
    $entry = $Job.Entry
    $message = $null
    try { Receive-Job $Job.Job -ErrorAction Stop | Out-Null } catch { $message = "$_" }
    $state = if ($Job.Job.State -eq 'Completed' -and -not $message) { 'Completed' } else { 'Failed' }
    Remove-Job $Job.Job -Force
    [pscustomobject]@{ Wave = [int]$entry.Wave; TaskIndex = [int]$entry.TaskIndex; Run = $entry.Run; State = $state; Error = $message; JobFile = Join-Path $folder $entry.JobFile }
}

foreach ($wave in $index | Group-Object { [int]$_.Wave } | Sort-Object { [int]$_.Name }) {
    $running = [Collections.Generic.List[object]]::new()
    $results = foreach ($entry in $wave.Group) {
        while ($running.Count -ge $ThrottleLimit) {
            $done = Wait-Job -Job $running.Job -Any
            $finished = @($running | Where-Object Job -EQ $done)[0]
            [void]$running.Remove($finished)
            Complete-Job $finished
        }
        Write-Verbose "Wave $($wave.Name): starting $($entry.Run)."
        $running.Add([pscustomobject]@{ Entry = $entry; Job = Start-Job -ScriptBlock $run -ArgumentList $worker, $ModulePath, $folder, $entry.Wave, $entry.TaskIndex })
    }
    $results = @($results) + @(foreach ($job in $running) { $null = Wait-Job $job.Job; Complete-Job $job }) | Sort-Object TaskIndex
    $results
    $failed = @($results | Where-Object State -EQ 'Failed')
    if ($failed) {
        Write-Error "Wave $($wave.Name): $($failed.Count) job(s) failed ($($failed.Run -join ', ')); the later waves were not started. Fix the cause and run this script again: finished runs are skipped."
        return
    }
}
