#requires -Version 7.4
<#
.SYNOPSIS
    The four inference tasks on the real all-MiniLM-L6-v2 against ONNX Runtime, side by side in one run.

.DESCRIPTION
    Runs the inference section of bench/BertAdapt.Bench (--only inference): Get-BertEmbedding's,
    Invoke-BertClassifier's, Invoke-BertTokenClassifier's and Invoke-BertFillMask's engine calls on
    MiniLM (extracted by the build into artifacts/minilm) and ONNX Runtime 1.32.0 on the same
    token ids, at batch 1 and 32, -Threads threads each, in alternating rounds. ONNX Runtime runs
    the package's model.onnx for embeddings and the module's own ONNX export (with the head) for
    the classifiers; fill-mask runs the encoder export and then the model's MLM head. BertAdapt runs
    with a sort window of 8 batches (-SortWindow). Prints tokens/s, the ratios (against ONNX Runtime
    in input-order batches and in the same length-sorted batches), the max |diff| of the outputs,
    where the embedding time goes, and a goal line per row (>= 1.0x with max |diff| <= 1e-4).

.EXAMPLE
    cd /work/main && dotnet pwsh -NoProfile -File bench/Measure-Inference.ps1 -Quick
#>
[CmdletBinding()]
param(
    [switch] $Quick,
    [int] $Threads = 2,
    [int] $Rounds = 0,
    [string] $OutDirectory = (Join-Path (Split-Path $PSScriptRoot) 'artifacts/bench')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'

$root = Split-Path $PSScriptRoot
$vocabulary = Join-Path $root 'module/bin/vocab/bert-base-uncased-vocab.txt'
$miniLm = Join-Path $root 'artifacts/minilm'
if (-not (Test-Path (Join-Path $miniLm 'model.onnx'))) { throw "$miniLm has no model.onnx; run ./build.ps1 -Task Build first." }
$null = New-Item -ItemType Directory -Force $OutDirectory
if ($Rounds -le 0) { $Rounds = if ($Quick) { 3 } else { 5 } }

$project = Join-Path $PSScriptRoot 'BertAdapt.Bench/BertAdapt.Bench.csproj'
Write-Host 'Building the bench driver ...'
dotnet build $project -c Release --nologo -v quiet | Out-Host
if ($LASTEXITCODE -ne 0) { throw "Building $project failed." }
$driver = Get-ChildItem -Recurse -File -Filter BertAdapt.Bench.dll (Join-Path $PSScriptRoot 'BertAdapt.Bench/bin/Release') |
    Sort-Object LastWriteTime | Select-Object -Last 1

$arguments = @('--vocab', $vocabulary, '--out', (Join-Path $OutDirectory 'inference.json'), '--threads', $Threads, '--repo', $root,
    '--only', 'inference', '--minilm', $miniLm, '--inference-rounds', $Rounds)
if ($Quick) { $arguments += '--quick' }
dotnet $driver.FullName @arguments
if ($LASTEXITCODE -ne 0) { throw "The bench driver failed with exit code $LASTEXITCODE." }
