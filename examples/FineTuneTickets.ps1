<#
.SYNOPSIS
Fine-tunes a pretrained BERT to route help-desk tickets, evaluates it, and classifies new tickets.

.DESCRIPTION
End to end, from a real pretrained model:
1. imports all-MiniLM-L6-v2 (ONNX, extracted by the build into artifacts/minilm), or any
   checkpoint given with -Checkpoint, such as the output of examples/ContinualPretraining.ps1;
2. fine-tunes it for sequence classification on examples/data/tickets-train.csv (summary ->
   team), evaluating on tickets-dev.csv after every epoch and keeping the best epoch in a job
   directory;
3. prints the evaluations next to the majority-class baseline, and per-class scores;
4. exports the classifier as a Hugging Face BertForSequenceClassification checkpoint;
5. classifies the unlabelled tickets in tickets-new.txt from the pipeline.

Run it after a build:
    dotnet tool restore
    dotnet pwsh ./build.ps1 -Task Build
    dotnet pwsh ./examples/FineTuneTickets.ps1
#>
param(
    [string] $Checkpoint = (Join-Path $PSScriptRoot '../artifacts/minilm'),
    [int] $Epochs = 3,
    [double] $LearningRate = 1e-4,
    [string] $OutputPath = (Join-Path $PSScriptRoot '../out/tickets-classifier')
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../BertAdapt.psd1') -Force

$data = Join-Path $PSScriptRoot 'data'
$job = Join-Path (Split-Path $OutputPath) 'tickets-job'
$clock = [Diagnostics.Stopwatch]::StartNew()

$model = Import-BertCheckpoint $Checkpoint -WarningAction SilentlyContinue |
    Invoke-FineTune -Task SequenceClassification `
        -TrainingData (Join-Path $data 'tickets-train.csv') -ValidationData (Join-Path $data 'tickets-dev.csv') `
        -TextColumn summary -LabelColumn team -MaxLength 64 -Epochs $Epochs -LearningRate $LearningRate -OutputPath $job -Restart
Write-Host "Fine-tuned $model in $([int]$clock.Elapsed.TotalSeconds) s. Labels: $($model.Labels -join ', ')"

$model.Evaluations | Format-Table Epoch, Step, TrainLoss, ValidationLoss, Accuracy, MacroF1, @{ n = 'MajorityMacroF1'; e = { $_.BaselineScore } } | Out-Host
$dev = Import-Csv (Join-Path $data 'tickets-dev.csv')
$majority = ($dev | Group-Object team | Sort-Object Count -Descending | Select-Object -First 1)
Write-Host ("Majority class '{0}' alone would be right {1:P1} of the time." -f $majority.Name, ($majority.Count / $dev.Count))
$model.Evaluations[-1].Report.PerClass | Format-Table Label, Precision, Recall, F1, Support | Out-Host

$model | Export-Checkpoint -Path $OutputPath -Force
Write-Host "Exported to $OutputPath; the best epoch is in $(Join-Path $job 'best')."

Get-Content (Join-Path $data 'tickets-new.txt') |
    Invoke-BertClassifier -Model $model |
    Format-Table @{ n = 'Ticket'; e = { $_.Text } }, Label, @{ n = 'Score'; e = { '{0:P0}' -f $_.Score } } -AutoSize | Out-Host
$model.Dispose()
