# The example scripts, end to end on the real MiniLM. Slow (minutes on two cores), so excluded by
# default: ./build.ps1 -Task Test -IncludeTag Slow runs them.
Describe 'The example scripts' -Tag Slow {
    It 'ContinualPretraining.ps1 cuts MiniLM''s held-out perplexity with a trained MLM head' {
        $out = Join-Path $TestDrive 'minilm-runbooks'
        $result = & (Join-Path $PSScriptRoot '../../examples/ContinualPretraining.ps1') -MaxSteps 20 -SequenceLength 64 -OutputPath $out 6>$null |
            Where-Object { $_.PSObject.Properties['Before'] }
        $result.Steps | Should -Be 20
        $result.After.Perplexity | Should -BeLessThan ($result.Before.Perplexity / 10)
        Join-Path $out 'model.safetensors' | Should -Exist
    }

    It 'FineTuneTickets.ps1 fine-tunes, evaluates, exports and classifies' {
        $out = Join-Path $TestDrive 'tickets-classifier'
        & (Join-Path $PSScriptRoot '../../examples/FineTuneTickets.ps1') -Epochs 1 -OutputPath $out 6>$null | Out-Null
        $config = Get-Content -Raw (Join-Path $out 'config.json') | ConvertFrom-Json
        $config.architectures | Should -Be 'BertForSequenceClassification'
        @($config.id2label.PSObject.Properties).Count | Should -Be 5
        Join-Path (Split-Path $out) 'tickets-job/best/model.safetensors' | Should -Exist
    }
}
