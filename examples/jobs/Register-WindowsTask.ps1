<#
.SYNOPSIS
Registers a BertAdapt job file with Windows Task Scheduler, to run every day.

.DESCRIPTION
The task runs pwsh.exe -NoProfile -NonInteractive -Command "Import-Module ...; Invoke-BertJob -Path ...".
A failed job makes pwsh exit with a non-zero code (1), which Task Scheduler shows as the task's
Last Run Result, so a failure is visible without reading logs. The task runs as the current user
whether or not that user is logged on (S4U: no password is stored, and the job has no access to
network shares, so keep the job's files on a local disk).

.EXAMPLE
./Register-WindowsTask.ps1 -JobPath C:\jobs\runbooks.job.yaml -At 03:00 -WhatIf
#>
[CmdletBinding(SupportsShouldProcess)]
param(
    [string] $JobPath = (Join-Path $PSScriptRoot 'runbooks.job.yaml'),
    [string] $ModulePath = (Join-Path $PSScriptRoot '../../BertAdapt.psd1'),
    [string] $TaskName = 'BertAdapt runbooks job',
    [datetime] $At = '03:00'
)
$ErrorActionPreference = 'Stop'
$JobPath = (Resolve-Path -LiteralPath $JobPath).ProviderPath
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath

# Single quotes inside the -Command string survive Task Scheduler's argument parsing; double them to escape.
$command = "Import-Module '{0}'; Invoke-BertJob -LiteralPath '{1}'" -f ($ModulePath -replace "'", "''"), ($JobPath -replace "'", "''")
$action = New-ScheduledTaskAction -Execute 'pwsh.exe' -Argument "-NoProfile -NonInteractive -Command `"$command`"" -WorkingDirectory (Split-Path $JobPath)
$trigger = New-ScheduledTaskTrigger -Daily -At $At
# StartWhenAvailable: a run missed while the machine was off starts when it is back, and the job
# resumes from its last checkpoint. IgnoreNew: a run still going when the next is due is left alone.
$settings = New-ScheduledTaskSettingsSet -StartWhenAvailable -MultipleInstances IgnoreNew -ExecutionTimeLimit (New-TimeSpan -Hours 12)
$principal = New-ScheduledTaskPrincipal -UserId ([Security.Principal.WindowsIdentity]::GetCurrent().Name) -LogonType S4U -RunLevel Limited

if ($PSCmdlet.ShouldProcess($TaskName, "Register a daily task at $($At.ToShortTimeString()) running $JobPath")) {
    Register-ScheduledTask -TaskName $TaskName -Action $action -Trigger $trigger -Settings $settings -Principal $principal `
        -Description "Runs the BertAdapt job $JobPath. A non-zero Last Run Result means the job failed." -Force
}
