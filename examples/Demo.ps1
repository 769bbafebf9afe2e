<#
.SYNOPSIS
The main job on the embedded default: a new BERT-mini with BERT's uncased vocabulary,
perplexity on held-out runbook text, masked-LM training on the runbook corpus, perplexity
again, and an export as a Hugging Face checkpoint.
Run it with: dotnet tool restore && dotnet pwsh ./build.ps1 -Task Demo
#>
param(
    [int] $MaxSteps = 300,
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/bert-mini-runbooks')
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BertAdapt.psd1') -Force

$train = Join-Path $PSScriptRoot 'data/runbooks.txt'
$heldOut = Join-Path $PSScriptRoot 'data/runbooks-heldout.txt'
$metrics = Join-Path $PSScriptRoot '../out/demo-metrics.jsonl'
New-Item -ItemType Directory -Force (Split-Path $metrics) | Out-Null
Remove-Item $metrics -ErrorAction Ignore

$clock = [Diagnostics.Stopwatch]::StartNew()
$model = New-BertModel -Preset mini -Seed 42
Write-Host "Model: $model"

$before = $model | Measure-Perplexity -Corpus $heldOut -SequenceLength 128
$model | Invoke-MlmTraining -Corpus $train -MaxSteps $MaxSteps -BatchSize 8 -SequenceLength 128 `
    -LearningRate 1e-3 -WarmupSteps 30 -MetricsPath $metrics | Out-Null
$after = $model | Measure-Perplexity -Corpus $heldOut -SequenceLength 128
$model | Export-Checkpoint -Path $OutputPath -Force

[pscustomobject]@{ Stage = 'Untrained'; Perplexity = [math]::Round($before.Perplexity, 2); Loss = [math]::Round($before.Loss, 4); MaskedTokens = $before.MaskedTokens },
[pscustomobject]@{ Stage = "After $($model.StepsTrained) MLM steps"; Perplexity = [math]::Round($after.Perplexity, 2); Loss = [math]::Round($after.Loss, 4); MaskedTokens = $after.MaskedTokens } |
    Format-Table -AutoSize | Out-Host
Write-Host ("Perplexity fell {0:N1}x in {1:N0} s. Checkpoint: {2}; metrics: {3}" -f ($before.Perplexity / $after.Perplexity), $clock.Elapsed.TotalSeconds, (Resolve-Path $OutputPath), $metrics)
$model.Dispose()
