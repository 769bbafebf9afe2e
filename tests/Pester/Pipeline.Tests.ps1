BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    New-Item -ItemType Directory (Join-Path $TestDrive 'corpus') | Out-Null
    New-TinyCorpus (Join-Path $TestDrive 'corpus/part1.txt') -Documents 100 -Seed 1
    New-TinyCorpus (Join-Path $TestDrive 'corpus/part2.txt') -Documents 100 -Seed 2
    $script:heldOut = Join-Path $TestDrive 'heldout.txt'
    New-TinyCorpus $heldOut -Documents 30 -Seed 3
    function script:New-TinyModel([long] $Seed = 1) { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed $Seed }
}

Describe 'The MLM pipeline' {
    It 'trains a new model from the pipeline, exports it, and cuts held-out perplexity to a third or less' {
        $before = New-TinyModel | Measure-Perplexity -Corpus $heldOut -SequenceLength 32
        $out = Join-Path $TestDrive 'out/adapted'
        New-Item -ItemType Directory (Split-Path $out) -Force | Out-Null
        $model = New-TinyModel |
            Invoke-MlmTraining -Corpus (Join-Path $TestDrive 'corpus/*.txt') -MaxSteps 150 -BatchSize 16 -SequenceLength 32 -LearningRate 1e-3 -WarmupSteps 10 |
            Export-Checkpoint $out -PassThru
        $after = $model | Measure-Perplexity -Corpus $heldOut -SequenceLength 32
        Write-Host ("    perplexity before {0:N1}, after {1:N1}" -f $before.Perplexity, $after.Perplexity)
        $model.StepsTrained | Should -Be 150
        $model.TrainedOn.Count | Should -Be 2
        $after.Perplexity | Should -BeLessOrEqual ($before.Perplexity / 3)
        foreach ($file in 'config.json', 'model.safetensors', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json') {
            Join-Path $out $file | Should -Exist
        }
        (Get-Content -Raw (Join-Path $out 'config.json') | ConvertFrom-Json).architectures | Should -Be 'BertForPreTraining'
    }

    It 'binds FileInfo objects from the pipeline to -Corpus' {
        $model = New-TinyModel
        $trained = Get-ChildItem (Join-Path $TestDrive 'corpus') -Filter *.txt | Invoke-MlmTraining -Model $model -MaxSteps 3 -SequenceLength 32
        $trained | Should -Be $model
        $model.StepsTrained | Should -Be 3
        $model.TrainedOn | Should -HaveCount 2
    }

    It 'writes one JSON line per step to -MetricsPath and keeps the same metrics on the model' {
        $metrics = Join-Path $TestDrive 'metrics.jsonl'
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $heldOut -MaxSteps 4 -SequenceLength 32 -MetricsPath $metrics
        $lines = Get-Content $metrics | ForEach-Object { $_ | ConvertFrom-Json }
        $lines | Should -HaveCount 4
        $lines.step | Should -Be 1, 2, 3, 4
        $lines[-1].loss | Should -Be $model.LastLoss
        $lines[0].PSObject.Properties.Name | Should -Contain 'tokens_per_second'
        $model.History | Should -HaveCount 4
    }

    It 'is deterministic for a seed: same losses twice, different losses for another seed' {
        $a = New-TinyModel | Invoke-MlmTraining -Corpus $heldOut -MaxSteps 3 -SequenceLength 32 -Seed 7
        $b = New-TinyModel | Invoke-MlmTraining -Corpus $heldOut -MaxSteps 3 -SequenceLength 32 -Seed 7
        $c = New-TinyModel | Invoke-MlmTraining -Corpus $heldOut -MaxSteps 3 -SequenceLength 32 -Seed 8
        $a.History.Loss | Should -Be $b.History.Loss
        $a.History.Loss | Should -Not -Be $c.History.Loss
    }

    It 'changes nothing with -WhatIf' {
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $heldOut -MaxSteps 3 -SequenceLength 32 -WhatIf
        $model | Should -BeNullOrEmpty
    }

    It 'builds every preset shape' -ForEach @(
        @{ Preset = 'tiny'; Layers = 2; Hidden = 128 }
        @{ Preset = 'mini'; Layers = 4; Hidden = 256 }
        @{ Preset = 'small'; Layers = 4; Hidden = 512 }
    ) {
        $model = New-BertModel -Preset $Preset -Vocabulary $vocab
        $model.Config.NumHiddenLayers | Should -Be $Layers
        $model.Config.HiddenSize | Should -Be $Hidden
        $model.Config.NumAttentionHeads | Should -Be ($Hidden / 64)
        $model.Preset | Should -Be $Preset
        $model.Dispose()
        $model.IsDisposed | Should -BeTrue
    }

    It 'uses the embedded BERT uncased vocabulary by default' {
        $model = New-BertModel -Preset tiny
        $model.Vocabulary.Count | Should -Be 30522
        $model.Config.VocabSize | Should -Be 30522
        $model.Dispose()
    }

    It 'reads -Config from a config.json path' {
        $path = Join-Path $TestDrive 'config.json'
        Get-TinyConfig $vocabSize | ConvertTo-Json | Set-Content $path
        $model = New-BertModel -Config $path -Vocabulary $vocab
        $model.Config.HiddenSize | Should -Be 64
    }
}

Describe 'Checkpoint round trip' {
    BeforeAll {
        $script:trained = New-TinyModel | Invoke-MlmTraining -Corpus $heldOut -MaxSteps 5 -SequenceLength 32 -LearningRate 1e-3
        $script:first = Join-Path $TestDrive 'rt/first'
        $script:second = Join-Path $TestDrive 'rt/second'
        New-Item -ItemType Directory (Join-Path $TestDrive 'rt') | Out-Null
        $trained | Export-Checkpoint -Path $first
        $script:imported = Import-BertCheckpoint -Path $first
        $imported | Export-Checkpoint -LiteralPath $second
    }

    It 'gives byte-identical files on export, import, export' {
        foreach ($file in 'model.safetensors', 'config.json', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json') {
            (Get-FileHash (Join-Path $first $file)).Hash | Should -Be (Get-FileHash (Join-Path $second $file)).Hash
        }
    }

    It 'gives the imported model the same loss as the exported one' {
        $a = $trained | Measure-Perplexity -Corpus $heldOut -SequenceLength 32 -Seed 5
        $b = $imported | Measure-Perplexity -Corpus $heldOut -SequenceLength 32 -Seed 5
        $b.Loss | Should -Be $a.Loss
        $b.Perplexity | Should -Be $a.Perplexity
    }

    It 'imports from the pipeline by path and by wildcard' {
        $models = Get-Item $first, $second | Import-BertCheckpoint
        $models | Should -HaveCount 2
        (Import-BertCheckpoint -Path (Join-Path $TestDrive 'rt/fir*')).Config.HiddenSize | Should -Be 64
    }

    It 'replaces an existing checkpoint only with -Force' {
        $target = Join-Path $TestDrive 'rt/forced'
        $trained | Export-Checkpoint $target
        $stamp = (Get-Item (Join-Path $target 'model.safetensors')).LastWriteTimeUtc
        Start-Sleep -Milliseconds 20
        $trained | Export-Checkpoint $target -Force
        (Get-Item (Join-Path $target 'model.safetensors')).LastWriteTimeUtc | Should -BeGreaterThan $stamp
        Get-ChildItem -Force (Join-Path $TestDrive 'rt') -Filter '.*' | Should -BeNullOrEmpty
    }

    It 'writes nothing with -WhatIf' {
        $target = Join-Path $TestDrive 'rt/whatif'
        $trained | Export-Checkpoint $target -WhatIf
        $target | Should -Not -Exist
        Get-ChildItem -Force (Join-Path $TestDrive 'rt') -Filter '.*' | Should -BeNullOrEmpty
    }
}
