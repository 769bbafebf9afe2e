<#
.SYNOPSIS
Exports BertAdapt checkpoints with the outputs BertAdapt computed for them, for
check_hf_load.py to compare against Hugging Face transformers.

.DESCRIPTION
Writes, under -OutputPath, one folder per model: a Hugging Face checkpoint made by
Export-Checkpoint and, beside it, bertadapt_reference.safetensors with a padded batch of
inputs (single texts and pairs, ASCII and not) and BertAdapt's last_hidden_state,
prediction_logits and seq_relationship_logits for it. The models are a BERT-tiny with the
default uncased vocabulary after a few MLM steps, and an odd-shaped model (3 heads of 32,
intermediate 200, layer_norm_eps 1e-7) so that nothing depends on preset defaults. The
bundle stays far below the 64 MiB that may travel to the GPU machine.

Run on the GPU machine (or anywhere with transformers):
    python3 tests/interop/check_hf_load.py out/interop --json out/interop/results.json
#>
param(
    [string] $OutputPath = (Join-Path $PSScriptRoot '../../out/interop')
)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force

$corpus = Join-Path $PSScriptRoot '../../examples/data/runbooks.txt'
$inputs = [System.Collections.Generic.List[string[]]]::new()
foreach ($text in @(
        @('Restart the nginx service on web01, then read the logs.'),
        @('If the disk is full, clean /tmp before the nightly backup runs.'),
        @('Café naïve Ångström — über straße!'),
        @('Перезапустите сервис и проверьте журналы.'),
        @('数据库备份失败时请通知值班工程师。'),
        @('Short.'),
        @('The page goes to the on-call team.', 'They restart the service within ten minutes.'),
        @('Check the certificate expiry date.', 'Bananas are rich in potassium.')
    )) { $inputs.Add([string[]]$text) }

New-Item -ItemType Directory -Force $OutputPath | Out-Null

function Save-Bundle([object] $Model, [string] $Name) {
    $folder = Join-Path $OutputPath $Name
    $Model | Export-Checkpoint -Path $folder -Force
    [BertAdapt.Engine.Checkpoints.ReferenceOutputs]::Write($Model, (Join-Path $folder 'bertadapt_reference.safetensors'), $inputs, 64)
    Get-Item $folder
}

$tiny = New-BertModel -Preset tiny -Seed 7
$tiny | Invoke-MlmTraining -Corpus $corpus -MaxSteps 20 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 -WarmupSteps 2 | Out-Null
Save-Bundle $tiny 'bert-tiny-trained'
$tiny.Dispose()

$odd = New-BertModel -Seed 11 -Config @{
    hidden_size = 96; num_hidden_layers = 2; num_attention_heads = 3; intermediate_size = 200
    max_position_embeddings = 128; layer_norm_eps = 1e-7
}
$odd | Invoke-MlmTraining -Corpus $corpus -MaxSteps 10 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 -WarmupSteps 2 -Objective MlmNsp | Out-Null
Save-Bundle $odd 'bert-odd-shape'
$odd.Dispose()
