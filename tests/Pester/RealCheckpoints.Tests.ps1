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
            $models.Count | Should -Be 2
            $warnings.Count | Should -Be 1 # only the bare encoder lacks heads
            "$($warnings[0])" | Should -BeLike "*tiny-bare-tf-names*newly initialised: cls.*"
            ($models | Where-Object { $_.Source -like '*tiny-bare-tf-names' }).Vocabulary.LowerCase | Should -BeFalse
        } finally { $models | ForEach-Object Dispose }
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
