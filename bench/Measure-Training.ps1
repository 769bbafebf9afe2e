#requires -Version 7.0
<#
.SYNOPSIS
    MLM training and inference throughput, fine-tuning throughput, model-FLOPs utilisation, the
    checked matmul and instruction peaks, tokenizer speed and memory, side by side with PyTorch
    references of the same architecture and batch.

.DESCRIPTION
    Runs bench/reference_mlm.py (two heads: HF's eager one over every position and the tuned one
    over the masked positions only) and bench/reference_finetune.py (HF's
    BertForSequenceClassification step) on Debian's /usr/bin/python3 with python3-torch (installed
    with apt-get when missing and running as root on Debian, else the references are skipped), then
    bench/BertAdapt.Bench, which measures the CPU's clock and FLOPs per cycle (fp32 FMA, bf16 dot
    product), the matmul peak on several shapes with every product checked against float64, the engine's training step for the
    mini, small and base presets, fused against manual attention, padding and the background
    producer in the training loop, AdamW's per-parameter loop, the tokenizer on a generated
    corpus, a long MlmTrainer run for memory, the checkpoint fuzzer's long run (20,000 damaged
    checkpoint files), a 5,000-step soak of a tiny model (issue 17) and the fine-tuning step through
    FineTuneTrainer, and prints one table with the ratios against the references. Both sides use
    -Threads threads. The table goes to the console; the figures to artifacts/bench/training.json.

.EXAMPLE
    cd /work/main && dotnet pwsh -NoProfile -File bench/Measure-Training.ps1 -Quick

.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-Training.ps1 -Quick -Only 'mini:masked,base:masked,base:bf16,mini:finetune,peak'
    Only the named rows of the driver (see --only in bench/BertAdapt.Bench/Program.cs); the references still run all their rows.
#>
[CmdletBinding()]
param(
    [switch] $Quick,
    [int] $Threads = 2,
    [int] $Steps = 0,
    [int] $MemorySteps = 0,
    [string] $Only = '',
    # Run each reference row just before the module's row of the same shape (in the driver), instead of all references first: on a shared machine both then see the same minutes of load.
    [switch] $Interleave,
    [string] $OutDirectory = (Join-Path (Split-Path $PSScriptRoot) 'artifacts/bench')
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'

$root = Split-Path $PSScriptRoot
$vocabulary = Join-Path $root 'module/bin/vocab/bert-base-uncased-vocab.txt'
if (-not (Test-Path $vocabulary)) { throw "$vocabulary is missing; run ./build.ps1 -Task Build first." }
$null = New-Item -ItemType Directory -Force $OutDirectory
if ($Steps -le 0) { $Steps = if ($Quick) { 3 } else { 5 } }
$referenceRows = if ($Quick) { 'mini:128:32,small:128:32,base:128:8' } else { 'mini:128:32,small:128:32,small:512:8,base:128:8' }
$fineTuneRows = 'mini:128:32,small:128:32,base:128:8'

# ---- the PyTorch-eager reference ----
$python = '/usr/bin/python3'
function Test-Torch {
    if (-not (Test-Path $python)) { return $false }
    & $python -c 'import torch' 2>$null
    $LASTEXITCODE -eq 0
}
$referencePath = Join-Path $OutDirectory 'reference.jsonl'
Remove-Item -Force -ErrorAction Ignore $referencePath
# Debian's torch links whatever libblas.so.3 is installed: without OpenBLAS that is the single-threaded
# reference BLAS, many times slower, and every ratio against the references would flatter the module.
$openBlas = '/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3'
function Test-OpenBlas { -not (Test-Path /etc/debian_version) -or (Test-Path $openBlas) }
if (-not ((Test-Torch) -and (Test-OpenBlas)) -and $IsLinux -and (Test-Path /etc/debian_version) -and ((id -u) -eq '0')) {
    Write-Host 'Installing python3-torch and libopenblas0-pthread for the reference ...'
    apt-get update -qq | Out-Null
    apt-get install -y -qq python3-torch libopenblas0-pthread | Out-Null
}
$referencesRun = (Test-Torch) -and (Test-OpenBlas)
if ((Test-Torch) -and -not (Test-OpenBlas)) {
    Write-Host "PyTorch references skipped: $openBlas is missing, so torch would run on the reference BLAS (apt-get install libopenblas0-pthread, as root)."
}
elseif ((Test-Torch) -and $Interleave) {
    Write-Host 'The PyTorch references run in the driver, each just before the module''s row of the same shape (-Interleave).'
}
elseif (Test-Torch) {
    $env:OMP_NUM_THREADS = "$Threads"
    Write-Host "Running the PyTorch MLM references, eager and tuned heads ($referenceRows) ..."
    $mlm = & $python (Join-Path $PSScriptRoot 'reference_mlm.py') --threads $Threads --rows $referenceRows --warmup 2 --steps $Steps
    $mlmFailed = $LASTEXITCODE -ne 0
    Write-Host "Running the PyTorch fine-tuning reference ($fineTuneRows) ..."
    $fineTune = & $python (Join-Path $PSScriptRoot 'reference_finetune.py') --threads $Threads --rows $fineTuneRows --warmup 2 --steps $Steps
    if ($mlmFailed -or $LASTEXITCODE -ne 0) { Write-Warning 'A reference failed; its rows will show no ratios.' }
    @($mlm) + @($fineTune) | Where-Object { $_ } | Set-Content -Path $referencePath
}
else {
    Write-Host 'PyTorch references skipped: /usr/bin/python3 has no torch (apt-get install python3-torch libopenblas0-pthread, as root).'
}

# ---- the engine ----
$project = Join-Path $PSScriptRoot 'BertAdapt.Bench/BertAdapt.Bench.csproj'
Write-Host 'Building the bench driver ...'
dotnet build $project -c Release --nologo -v quiet | Out-Host
if ($LASTEXITCODE -ne 0) { throw "Building $project failed." }
$driver = Get-ChildItem -Recurse -File -Filter BertAdapt.Bench.dll (Join-Path $PSScriptRoot 'BertAdapt.Bench/bin/Release') |
    Sort-Object LastWriteTime | Select-Object -Last 1

$arguments = @('--vocab', $vocabulary, '--out', (Join-Path $OutDirectory 'training.json'), '--threads', $Threads, '--steps', $Steps, '--repo', $root)
if (Test-Path $referencePath) { $arguments += @('--reference', $referencePath) }
if ($Interleave -and $referencesRun) { $arguments += @('--python', $python, '--scripts', $PSScriptRoot) }
if ($Quick) { $arguments += '--quick' }
if ($MemorySteps -gt 0) { $arguments += @('--memory-steps', $MemorySteps) }
if ($Only) { $arguments += @('--only', $Only) }
# The inference rows against ONNX Runtime join the same table and goal list (issue 16 item 6: one
# run, every ratio); bench/Measure-Inference.ps1 runs that section alone. 3 alternating rounds.
$miniLm = Join-Path $root 'artifacts/minilm'
if (Test-Path (Join-Path $miniLm 'model.onnx')) { $arguments += @('--minilm', $miniLm, '--inference-rounds', 3) }
else { Write-Host "Inference rows skipped: $miniLm has no model.onnx (./build.ps1 -Task Build extracts it)." }
dotnet $driver.FullName @arguments
if ($LASTEXITCODE -ne 0) { throw "The bench driver failed with exit code $LASTEXITCODE." }
