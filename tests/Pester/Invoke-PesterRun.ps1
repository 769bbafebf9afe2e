# Runs the Pester suite in this (child) process and writes a JSON summary for build.ps1.
# Tests tagged Slow or GPU are excluded unless named in -IncludeTag.
param(
    [Parameter(Mandatory)][string] $PesterPath,
    [Parameter(Mandatory)][string] $TestPath,
    [Parameter(Mandatory)][string] $SummaryPath,
    [string] $IncludeTag = ''
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$included = @($IncludeTag -split ',' | Where-Object { $_ })
$config = New-PesterConfiguration
$config.Run.Path = $TestPath
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.Filter.ExcludeTag = @('Slow', 'GPU') | Where-Object { $_ -notin $included }
$result = Invoke-Pester -Configuration $config
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
Write-Host "Pester: $($result.NotRunCount) test(s) not run (excluded by tag: $($config.Filter.ExcludeTag.Value -join ', '))"
[ordered]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount } |
    ConvertTo-Json | Set-Content -Path $SummaryPath
