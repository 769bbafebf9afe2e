<#
.SYNOPSIS
Registers a Windows Task Scheduler task that runs a study's jobs (Compare-BertAdaptation
-AsJobFiles) with Start-StudyJobs.ps1 on this machine, once, at a given time.

.DESCRIPTION
The task runs pwsh.exe -NoProfile -NonInteractive -File Start-StudyJobs.ps1 -JobFolder ... : each
wave's runs as parallel processes, at most -ThrottleLimit at a time. Task Scheduler's
restart-on-failure settings (3 times, 10 minutes apart) and -StartWhenAvailable (a start missed while
the machine was off happens when it is back) are set; each start skips the finished runs and an interrupted run resumes from its last checkpoint
(give the study -CheckpointEvery). A failed run makes pwsh exit with 1, the task's Last Run Result.
The task runs as the current user whether or not that user is logged on (S4U: no password is
stored, and the task cannot reach network shares, so keep the study on a local disk).

.EXAMPLE
./examples/study/Register-StudyTask.ps1 -JobFolder C:\studies\tickets\jobs -At '2026-12-24 22:00' -ThrottleLimit 4 -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [Parameter(Mandatory)] [string] $JobFolder,
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../BertAdapt.psd1'),
    [ValidateRange(1, 1024)] [int] $ThrottleLimit = 2,
    [string] $TaskName = 'BertAdapt study',
    [datetime] $At = (Get-Date).AddMinutes(1)
)
$ErrorActionPreference = 'Stop'
$JobFolder = (Resolve-Path -LiteralPath $JobFolder).ProviderPath
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$runner = Join-Path $PSScriptRoot 'Start-StudyJobs.ps1'

$arguments = "-NoProfile -NonInteractive -File `"$runner`" -JobFolder `"$JobFolder`" -ModulePath `"$ModulePath`" -ThrottleLimit $ThrottleLimit"
$action = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument $arguments -WorkingDirectory $JobFolder
$trigger = New-ScheduledTaskTrigger -Once -At $At
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew -RestartCount 3 -RestartInterval (New-TimeSpan -Minutes 10) `
    -ExecutionTimeLimit (New-TimeSpan -Days 3)
$principal = New-ScheduledTaskPrincipal -UserId ([Security.Principal.WindowsIdentity]::GetCurrent().Name) -LogonType S4U -RunLevel Limited

if ($PSCmdlet.ShouldProcess($TaskName, "Register a task at $At running the study jobs in $JobFolder")) {
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings -Principal $principal `
        -Description "Runs the BertAdapt study jobs in $JobFolder (Start-StudyJobs.ps1). A non-zero Last Run Result means a run failed." -Force
}
