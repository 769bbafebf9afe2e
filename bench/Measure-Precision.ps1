#requires -Version 7.4
<#
.SYNOPSIS
    Float32 against BFloat16 mixed precision, measured side by side in one run: MLM training
    throughput and the loss reached, on the same model, data and seed.

.DESCRIPTION
    Trains the same freshly initialised model twice on the runbook corpus (examples/data), once
    per precision, and prints tokens/s (median of the steps after warm-up), the mean loss of
    the last steps, and the ratios. TorchSharp has no autocast: BFloat16 here means bfloat16
    matmuls over float32 master weights (see src/BertAdapt.Engine/Modeling/BertLinear.cs).

.EXAMPLE
    dotnet pwsh -NoProfile -File bench/Measure-Precision.ps1 -Preset mini -Steps 40
#>
[CmdletBinding()]
param(
    [ValidateSet('tiny', 'mini', 'small', 'medium', 'base')] [string] $Preset = 'mini',
    [int] $Steps = 40,
    [int] $BatchSize = 16,
    [int] $SequenceLength = 128,
    [int] $WarmupSteps = 5
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module (Join-Path $PSScriptRoot '../BertAdapt.psd1') -Force
$corpus = Join-Path $PSScriptRoot '../examples/data/runbooks.txt'

$rows = foreach ($precision in 'Float32', 'BFloat16') {
    $model = New-BertModel -Preset $Preset -Seed 7
    $model | Invoke-MlmTraining -Corpus $corpus -MaxSteps $Steps -BatchSize $BatchSize -SequenceLength $SequenceLength `
        -LearningRate 5e-4 -WarmupSteps 5 -Precision $precision -Device Cpu -Seed 7 | Out-Null
    $speeds = $model.History | Select-Object -Skip $WarmupSteps | ForEach-Object TokensPerSecond | Sort-Object
    [pscustomobject]@{
        Precision       = $precision
        TokensPerSecond = [math]::Round($speeds[[int]($speeds.Count / 2)], 0)
        LastLoss        = [math]::Round(($model.History | Select-Object -Last 10 | Measure-Object Loss -Average).Average, 4)
        FirstLoss       = [math]::Round($model.History[0].Loss, 4)
    }
    $model.Dispose()
}
$rows | Format-Table -AutoSize | Out-String | Write-Host
$speedup = $rows[1].TokensPerSecond / $rows[0].TokensPerSecond
Write-Host ("preset {0}, batch {1} x {2}, {3} steps: BFloat16/Float32 throughput {4:N2}x; mean loss of the last 10 steps {5} vs {6} (difference {7:N4})" -f `
    $Preset, $BatchSize, $SequenceLength, $Steps, $speedup, $rows[1].LastLoss, $rows[0].LastLoss, ($rows[1].LastLoss - $rows[0].LastLoss))
