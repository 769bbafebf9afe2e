<#
.SYNOPSIS
Runs one job of Compare-BertAdaptation -AsJobFiles, picked from index.csv by wave and task index:
what each task of a Slurm job array, a Kubernetes Indexed Job or Start-StudyJobs.ps1 runs.

.DESCRIPTION
The task index defaults to SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX (Kubernetes), and the
wave to STUDY_WAVE. A failed run fails the script (exit code 1 under pwsh -File); a run whose
prerequisite has not finished fails with AdaptationRunNotReady, and a finished one is skipped.

.EXAMPLE
pwsh -NoProfile -File ./examples/study/Invoke-StudyJob.ps1 -JobFolder /shared/study/jobs -Wave 2 -TaskIndex 0
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $JobFolder,
    [int] $Wave = $(if ($env:STUDY_WAVE) { [int]$env:STUDY_WAVE } else { throw 'Give -Wave, or set STUDY_WAVE.' }),
    [int] $TaskIndex = $(if ($env:SLURM_ARRAY_TASK_ID) { [int]$env:SLURM_ARRAY_TASK_ID } elseif ($env:JOB_COMPLETION_INDEX) { [int]$env:JOB_COMPLETION_INDEX }
        else { throw 'Give -TaskIndex, or run this as a task of a Slurm job array (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX).' }),
    # The module to import: BertAdapt by name (from PSModulePath), or a path to BertAdapt.psd1.
    [string] $ModulePath = $(if ($env:BERTADAPT_MODULE) { $env:BERTADAPT_MODULE } else { 'BertAdapt' })
)
$ErrorActionPreference = 'Stop'
$entry = @(Import-Csv -LiteralPath (Join-Path $JobFolder 'index.csv') | Where-Object { [int]$_.Wave -eq $Wave -and [int]$_.TaskIndex -eq $TaskIndex })
if ($entry.Count -ne 1) { throw "index.csv in '$JobFolder' has no run $TaskIndex in wave $Wave." }
Write-Verbose "Wave $Wave, task $TaskIndex`: $($entry[0].Run)."
Import-Module $ModulePath
Invoke-BertJob -LiteralPath (Join-Path $JobFolder $entry[0].JobFile) -WarningAction SilentlyContinue
