BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    $script:miniLm = Join-Path $PSScriptRoot '../../artifacts/minilm'
    $script:fixtures = Join-Path $PSScriptRoot '../fixtures/pytorch'
    $script:train = Join-Path $PSScriptRoot '../../examples/data/runbooks.txt'
    $script:heldOut = Join-Path $PSScriptRoot '../../examples/data/runbooks-heldout.txt'
}

Describe 'Importing real checkpoints with Import-BertCheckpoint' {
    It 'imports all-MiniLM-L6-v2 from ONNX, inferring its shape, and reports the missing MLM head' {
        $model = Import-BertCheckpoint $miniLm -WarningVariable warnings -WarningAction SilentlyContinue
        try {
            $model.Shape | Should -Be 'L6 H384 A12 I1536 V30522'
            $model.Config.LayerNormEps | Should -Be 1e-12
            $model.Vocabulary.LowerCase | Should -BeTrue
            $warnings.Count | Should -Be 1
            "$($warnings[0])" | Should -BeLike '*newly initialised: cls.predictions.bias,*cls.seq_relationship.weight'
            $model.LoadReport | Should -Be "$($warnings[0])"
        } finally { $model.Dispose() }
    }

    It 'imports the same model from the .onnx file path and from a piped FileInfo' {
        $a = Import-BertCheckpoint (Join-Path $miniLm 'model.onnx') -WarningAction SilentlyContinue
        $b = Get-Item (Join-Path $miniLm 'model.onnx') | Import-BertCheckpoint -WarningAction SilentlyContinue
        try {
            $a.Source | Should -Be (Resolve-Path $miniLm).Path
            $a.ParameterCount | Should -Be $b.ParameterCount
        } finally { $a.Dispose(); $b.Dispose() }
    }

    It 'warns what the import reported when -Model is given as a path, as Import-BertCheckpoint does' {
        $bare = Join-Path $fixtures 'tiny-bare-tf-names'
        Measure-Perplexity -Model $bare -Corpus $heldOut -SequenceLength 32 -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        @($warnings | Where-Object { "$_" -like '*tiny-bare-tf-names*newly initialised: cls.*' }) | Should -HaveCount 1
        'restart the [MASK] service' | Invoke-BertFillMask -Model $bare -WarningVariable fillWarnings -WarningAction SilentlyContinue | Out-Null
        @($fillWarnings | Where-Object { "$_" -like '*newly initialised: cls.*' }) | Should -HaveCount 1
    }

    It 'imports PyTorch .bin checkpoints made by torch, TF-era and bare ones included' {
        $models = Get-ChildItem $fixtures -Directory -Filter 'tiny-*' | Import-BertCheckpoint -WarningVariable warnings -WarningAction SilentlyContinue
        try {
            $models.Count | Should -Be 3 # tiny-pretraining, its legacy-format copy, tiny-bare-tf-names
            $warnings.Count | Should -Be 1 # only the bare encoder lacks heads
            "$($warnings[0])" | Should -BeLike "*tiny-bare-tf-names*newly initialised: cls.*"
            ($models | Where-Object { $_.Source -like '*tiny-bare-tf-names' }).Vocabulary.LowerCase | Should -BeFalse
        } finally { $models | ForEach-Object Dispose }
    }

    It 'imports a legacy-format (pre-1.6, non-zip) .bin as the same model as its zip-format original: identical embeddings' {
        $zip = Import-BertCheckpoint (Join-Path $fixtures 'tiny-pretraining')
        $legacy = Import-BertCheckpoint (Join-Path $fixtures 'tiny-pretraining-legacy') -WarningVariable warnings
        try {
            $warnings.Count | Should -Be 0
            $legacy.Shape | Should -Be $zip.Shape
            $legacy.ParameterCount | Should -Be $zip.ParameterCount
            $texts = 'the model reads a torch file', 'bert adapt token pickle zip'
            $a = $texts | Get-BertEmbedding -Model $zip -Threads 1 -Device Cpu | ForEach-Object { "$($_.Vector)" }
            $b = $texts | Get-BertEmbedding -Model $legacy -Threads 1 -Device Cpu | ForEach-Object { "$($_.Vector)" }
            $a.Count | Should -Be 2
            $a[0].Length | Should -BeGreaterThan 100
            $b | Should -Be $a
        } finally { $zip.Dispose(); $legacy.Dispose() }
    }
}

Describe 'Continual pre-training from a real checkpoint' {
    It 'trains the new MLM head of MiniLM on the runbook corpus and cuts held-out perplexity tenfold or more' {
        $model = Import-BertCheckpoint $miniLm -WarningAction SilentlyContinue
        try {
            $before = $model | Measure-Perplexity -Corpus $heldOut -SequenceLength 64
            $model | Invoke-MlmTraining -Corpus $train -MaxSteps 20 -BatchSize 8 -SequenceLength 64 -LearningRate 3e-4 -WarmupSteps 2 | Out-Null
            $after = $model | Measure-Perplexity -Corpus $heldOut -SequenceLength 64
            Write-Host ("    MiniLM held-out perplexity: {0:N0} with the untrained head, {1:N1} after 20 MLM steps" -f $before.Perplexity, $after.Perplexity)
            $before.Perplexity | Should -BeGreaterThan 1000
            $after.Perplexity | Should -BeLessOrEqual ($before.Perplexity / 10)

            $out = Join-Path $TestDrive 'minilm-runbooks'
            $model | Export-Checkpoint $out
            $again = Import-BertCheckpoint $out -WarningVariable warnings
            try {
                $warnings | Should -BeNullOrEmpty
                ($again | Measure-Perplexity -Corpus $heldOut -SequenceLength 64).Perplexity | Should -Be $after.Perplexity
            } finally { $again.Dispose() }
        } finally { $model.Dispose() }
    }
}

# Google's original release format. No TensorFlow is at hand, so the checkpoint is written by the
# xunit project's TfCheckpointWriter (built before Pester runs) from a model's own parameters.
Describe 'Importing a TensorFlow checkpoint as Google released BERT' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
        $tests = Get-ChildItem (Join-Path $PSScriptRoot '../BertAdapt.Engine.Tests/bin') -Recurse -Filter 'BertAdapt.Engine.Tests.dll' | Select-Object -First 1
        if (-not $tests) { throw 'Build tests/BertAdapt.Engine.Tests first (build.ps1 -Task Test does): its TfCheckpointWriter writes the checkpoint.' }
        Add-Type -Path $tests.FullName
        $vocab = Join-Path $TestDrive 'vocab.txt'
        $size = New-TinyVocabulary $vocab
        $script:original = New-BertModel -Config (Get-TinyConfig $size) -Vocabulary $vocab -Seed 3
        $script:google = Join-Path $TestDrive 'uncased_L-2_H-64_A-2'
        New-Item -ItemType Directory $google | Out-Null
        Copy-Item -LiteralPath $vocab -Destination $google
        $original | Export-Checkpoint (Join-Path $TestDrive 'hf')
        Copy-Item (Join-Path $TestDrive 'hf/config.json') (Join-Path $google 'bert_config.json')
        $variables = foreach ($p in $original.GetModule().named_parameters()) {
            $tf = [BertAdapt.Engine.Tests.Checkpoints.TfCheckpointWriter]::GoogleName($p.Item1)
            $t = if ($tf.Item2) { $p.Item2.transpose(0, 1).contiguous() } else { $p.Item2.contiguous() }
            [BertAdapt.Engine.Tests.Checkpoints.TfCheckpointWriter]::Float32($tf.Item1, [long[]]$t.shape, [float[]]$t.data[float]().ToArray())
        }
        [BertAdapt.Engine.Tests.Checkpoints.TfCheckpointWriter]::Write((Join-Path $google 'bert_model.ckpt'), [BertAdapt.Engine.Tests.Checkpoints.TfVariable[]]$variables)
        $script:texts = 'restart nginx then check journalctl', 'page oncall'
    }

    It 'imports the folder with the same embeddings as the model it was written from, and re-exports it' {
        $model = Import-BertCheckpoint $google -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -BeLike '*do_lower_case is taken as true*uncased*'
        $model.Vocabulary.LowerCase | Should -BeTrue
        $expected = $texts | Get-BertEmbedding -Model $original | ForEach-Object { "$($_.Vector)" }
        $texts | Get-BertEmbedding -Model $model | ForEach-Object { "$($_.Vector)" } | Should -Be $expected
        $out = Join-Path $TestDrive 'from-google'
        $model | Export-Checkpoint $out
        $texts | Get-BertEmbedding -Model (Import-BertCheckpoint $out) | ForEach-Object { "$($_.Vector)" } | Should -Be $expected
    }

    It 'refuses a truncated data file as TfCheckpointCorrupt' {
        $broken = Join-Path $TestDrive 'broken-google'
        Copy-Item -LiteralPath $google -Destination $broken -Recurse
        $data = Join-Path $broken 'bert_model.ckpt.data-00000-of-00001'
        $bytes = [IO.File]::ReadAllBytes($data)
        [IO.File]::WriteAllBytes($data, $bytes[0..($bytes.Length - 101)])
        { Import-BertCheckpoint $broken -ErrorAction Stop } | Should -Throw -ErrorId 'TfCheckpointCorrupt,*'
    }
}
