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

    It 'Compare-Adaptation.ps1 runs its study on unseen held-out runbooks and writes the table from study.json' {
        $out = Join-Path $TestDrive 'adaptation'
        $results = Join-Path $TestDrive 'adaptation-results'
        & (Join-Path $PSScriptRoot '../../examples/Compare-Adaptation.ps1') -OutputPath $out -ResultsPath $results `
            -PretrainSteps 2 -Seeds 1, 2 -TrainingRows 40 -HeldOutDocuments 10 -WarningAction SilentlyContinue 6>$null | Out-Null
        Test-BertCorpusOverlap (Join-Path $PSScriptRoot '../../examples/data/runbooks.txt') -HeldOut (Join-Path $out 'inputs/runbooks-novel.txt') -Quiet |
            Should -BeTrue
        $study = Get-Content -Raw (Join-Path $results 'study.json') | ConvertFrom-Json
        $study.Strategies.Strategy | Should -Be 'FineTuneOnly', 'DomainMlm', 'DomainMlmNsp', 'TaskMlm', 'DomainThenTaskMlm'
        $table = @(Get-Content (Join-Path $results 'table.md'))
        $table | Should -HaveCount 7
        $table[3] | Should -BeLike "| DomainMlm | $($study.Strategies[1].MetricMean.ToString('F3', [Globalization.CultureInfo]::InvariantCulture)) ± *"
        (Get-Content -Raw (Join-Path $results 'machine.json') | ConvertFrom-Json).TrainingRows | Should -Be 40
        @(Import-Csv (Join-Path $results 'runs.csv') | Where-Object Kind -EQ 'FineTune') | Should -HaveCount 10
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
