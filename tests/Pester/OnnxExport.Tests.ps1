# Export-Checkpoint -Format Onnx: the folder it writes, -WhatIf, and its errors. That ONNX Runtime
# computes what the module computes on the file is checked in xunit (Checkpoints/OnnxExportTests).
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    # The tiny preset over the module's own vocabulary, as the help example exports it.
    function script:New-TinyModel { New-BertModel -Preset tiny -Seed 1 }
    $script:trainCsv = Join-Path $TestDrive 'train.csv'
    New-TinyLabelledRows | Export-Csv -LiteralPath $trainCsv -NoTypeInformation
}

Describe 'Export-Checkpoint -Format Onnx' {
    It 'writes model.onnx beside the config and tokenizer files, and imports back as the same classifier' {
        $model = New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $trainCsv -Epochs 1 -LearningRate 1e-3
        $target = Join-Path $TestDrive 'classifier-onnx'
        $model | Export-Checkpoint $target -Format Onnx
        (Get-ChildItem $target -File).Name | Sort-Object |
            Should -Be @('bertadapt_manifest.json', 'config.json', 'model.onnx', 'special_tokens_map.json', 'tokenizer_config.json', 'vocab.txt')
        Join-Path $target 'model.safetensors' | Should -Not -Exist
        # A protobuf ModelProto starts with field 1 (ir_version, a varint): key byte 0x08, then 8.
        $bytes = [IO.File]::ReadAllBytes((Join-Path $target 'model.onnx'))
        $bytes[0..1] | Should -Be @(0x08, 0x08)
        (Get-Content -Raw (Join-Path $target 'config.json') | ConvertFrom-Json).architectures | Should -Be 'BertForSequenceClassification'

        $back = Import-BertCheckpoint $target
        try {
            $back.Task | Should -Be 'SequenceClassification'
            "$($back.Labels)" | Should -Be "$($model.Labels)"
            $texts = 'restart the nginx service on web01', 'check the redis logs'
            ($texts | Invoke-BertClassifier -Model $back).Label | Should -Be ($texts | Invoke-BertClassifier -Model $model).Label
        } finally { $back.Dispose(); $model.Dispose() }
    }

    It 'writes nothing with -WhatIf, and passes the model on with -PassThru' {
        $target = Join-Path $TestDrive 'whatif-onnx'
        $model = New-TinyModel
        $passed = $model | Export-Checkpoint $target -Format Onnx -WhatIf -PassThru
        $passed | Should -Be $model
        $target | Should -Not -Exist
        Get-ChildItem $TestDrive -Force -Filter '.whatif-onnx*' | Should -BeNullOrEmpty
        $model.Dispose()
    }

    It 'needs -Force to replace an existing folder, and keeps it without' {
        $target = Join-Path $TestDrive 'existing'
        New-Item -ItemType Directory $target | Out-Null
        Set-Content (Join-Path $target 'keep.txt') 'mine'
        $model = New-TinyModel
        { $model | Export-Checkpoint $target -Format Onnx } | Should -Throw -ErrorId 'CheckpointExists*'
        (Get-ChildItem $target).Name | Should -Be 'keep.txt'
        $model | Export-Checkpoint $target -Format Onnx -Force
        Join-Path $target 'model.onnx' | Should -Exist
        Join-Path $target 'keep.txt' | Should -Not -Exist
        $model.Dispose()
    }

    It 'refuses a format it does not write' {
        $model = New-TinyModel
        { $model | Export-Checkpoint (Join-Path $TestDrive 'bin') -Format PyTorch } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage*'
        Join-Path $TestDrive 'bin' | Should -Not -Exist
        $model.Dispose()
    }
}
