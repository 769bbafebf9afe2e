BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    $script:bundle = Join-Path $TestDrive 'interop'
    & (Join-Path $PSScriptRoot '../interop/New-InteropBundle.ps1') -OutputPath $bundle | Out-Null

    function script:Read-Tensors([string] $Path) {
        $reader = [BertAdapt.Engine.Checkpoints.SafeTensorsReader]::Open($Path)
        try {
            $tensors = @{}
            foreach ($entry in $reader.Entries.Values) { $tensors[$entry.Name] = @{ Shape = $entry.Shape; Bytes = $reader.ReadBytes($entry) } }
            $tensors
        } finally { $reader.Dispose() }
    }
}

Describe 'The Hugging Face interop bundle' {
    It 'exports each model with the outputs BertAdapt computed beside it, small enough to travel' {
        $folders = Get-ChildItem $bundle -Directory
        $folders.Name | Should -Be @('bert-odd-shape', 'bert-tiny-trained')
        foreach ($folder in $folders) {
            foreach ($file in 'config.json', 'model.safetensors', 'vocab.txt', 'bertadapt_reference.safetensors') { Join-Path $folder $file | Should -Exist }
            $reference = Read-Tensors (Join-Path $folder 'bertadapt_reference.safetensors')
            $reference.Keys | Sort-Object | Should -Be @('attention_mask', 'input_ids', 'last_hidden_state', 'prediction_logits', 'prediction_positions', 'seq_relationship_logits', 'token_type_ids')
            $batch, $length = $reference['input_ids'].Shape
            $batch | Should -Be 8
            $reference['last_hidden_state'].Shape[0..1] | Should -Be @($batch, $length)
            $reference['prediction_logits'].Shape[1] | Should -Be 30522
            $reference['prediction_positions'].Shape[0] | Should -BeLessOrEqual 48
            # Pairs (rows 6 and 7) carry segment B as token type 1; single texts have none.
            $types = [long[]]::new($batch * $length)
            [Buffer]::BlockCopy($reference['token_type_ids'].Bytes, 0, $types, 0, 8 * $types.Length)
            ($types[0..(6 * $length - 1)] | Measure-Object -Sum).Sum | Should -Be 0
            ($types[(6 * $length)..(7 * $length - 1)] | Measure-Object -Sum).Sum | Should -BeGreaterThan 0
        }
        (Get-ChildItem $bundle -Recurse -File | Measure-Object Length -Sum).Sum | Should -BeLessThan 64MB
        $config = Get-Content -Raw (Join-Path $bundle 'bert-odd-shape/config.json') | ConvertFrom-Json
        $config.num_attention_heads | Should -Be 3
        $config.layer_norm_eps | Should -Be 1e-7
    }

    It 'reimports each exported checkpoint and computes bit-identical outputs' {
        foreach ($folder in Get-ChildItem $bundle -Directory) {
            $model = Import-BertCheckpoint $folder.FullName -WarningVariable warnings
            $warnings | Should -BeNullOrEmpty
            $again = Join-Path $TestDrive "again-$($folder.Name).safetensors"
            $inputs = [System.Collections.Generic.List[string[]]]::new()
            $first = [BertAdapt.Engine.Checkpoints.SafeTensorsReader]::Open((Join-Path $folder 'bertadapt_reference.safetensors'))
            try { foreach ($i in ($first.Metadata['inputs'] | ConvertFrom-Json -NoEnumerate)) { $inputs.Add([string[]]$i) } } finally { $first.Dispose() }
            [BertAdapt.Engine.Checkpoints.ReferenceOutputs]::Write($model, $again, $inputs, 64)
            $model.Dispose()
            $expected = Read-Tensors (Join-Path $folder 'bertadapt_reference.safetensors')
            $actual = Read-Tensors $again
            foreach ($name in $expected.Keys) {
                [Linq.Enumerable]::SequenceEqual([byte[]]$expected[$name].Bytes, [byte[]]$actual[$name].Bytes) | Should -BeTrue -Because $name
            }
        }
    }

    It 'ships a check script that Python can compile' -Skip:(-not (Test-Path /usr/bin/python3)) {
        & /usr/bin/python3 -c 'import ast, sys; ast.parse(open(sys.argv[1]).read())' (Join-Path $PSScriptRoot '../interop/check_hf_load.py')
        $LASTEXITCODE | Should -Be 0
    }
}
