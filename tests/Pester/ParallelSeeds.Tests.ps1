# A model's random streams (weight initialisation, dropout) are its own, not libtorch's
# process-wide generator: the same -Seed gives the same model and the same training losses
# whether the command runs alone or beside others in parallel thread jobs of one session
# (issue 17 item 8).
BeforeAll {
    $script:manifest = Join-Path $PSScriptRoot '../../BertAdapt.psd1'
    Import-Module $manifest -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:config = Get-TinyConfig (New-TinyVocabulary $vocab)
    # Larger than the tiny model, so that building it takes long enough for the jobs to overlap.
    $script:largerConfig = (Get-TinyConfig $config.vocab_size) + @{}
    $largerConfig.hidden_size = 256; $largerConfig.num_attention_heads = 4; $largerConfig.intermediate_size = 1024; $largerConfig.num_hidden_layers = 4
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 12 -Seed 2

    # The weights' checksum: the SHA-256 of the exported safetensors file.
    $script:newModelHash = {
        param($Manifest, $Config, $Vocabulary, $Out)
        Import-Module $Manifest
        $model = New-BertModel -Config $Config -Vocabulary $Vocabulary -Seed 1
        try {
            $model | Export-Checkpoint $Out | Out-Null
            (Get-FileHash -LiteralPath (Join-Path $Out 'model.safetensors') -Algorithm SHA256).Hash
        } finally { $model.Dispose() }
    }
    # The per-step losses of a short MLM run with dropout on (the config's default 0.1).
    $script:trainLosses = {
        param($Manifest, $Config, $Vocabulary, $Corpus, $Cache)
        Import-Module $Manifest
        $model = New-BertModel -Config $Config -Vocabulary $Vocabulary -Seed 1 |
            Invoke-MlmTraining -Corpus $Corpus -MaxSteps 6 -BatchSize 4 -SequenceLength 32 -LearningRate 1e-3 -Seed 3 -Threads 1 -CacheDirectory $Cache
        try { , [double[]]@($model.History.Loss) } finally { $model.Dispose() }
    }

    function script:Invoke-InParallel([scriptblock] $Script, [object[][]] $ArgumentLists) {
        $jobs = foreach ($arguments in $ArgumentLists) { Start-ThreadJob -ScriptBlock $Script -ArgumentList $arguments }
        try { $jobs | Receive-Job -Wait -ErrorAction Stop } finally { $jobs | Remove-Job -Force }
    }
}

Describe 'The same -Seed in parallel thread jobs' {
    It 'New-BertModel -Seed 1 in three parallel thread jobs makes the model it makes alone' {
        $alone = & $newModelHash $manifest $largerConfig $vocab (Join-Path $TestDrive 'alone')
        foreach ($round in 1..2) {
            $parallel = @(Invoke-InParallel $newModelHash @(
                    , @($manifest, $largerConfig, $vocab, (Join-Path $TestDrive "parallel-$round-a"))
                    , @($manifest, $largerConfig, $vocab, (Join-Path $TestDrive "parallel-$round-b"))
                    , @($manifest, $largerConfig, $vocab, (Join-Path $TestDrive "parallel-$round-c"))))
            $parallel.Count | Should -Be 3
            $parallel | Should -Be @($alone, $alone, $alone)
        }
    }

    It 'Invoke-MlmTraining with dropout and one -Seed gives the same losses in parallel thread jobs as alone' {
        $alone = & $trainLosses $manifest $config $vocab $corpus (Join-Path $TestDrive 'cache-alone')
        $alone.Count | Should -Be 6
        $parallel = @(Invoke-InParallel $trainLosses @(
                , @($manifest, $config, $vocab, $corpus, (Join-Path $TestDrive 'cache-a'))
                , @($manifest, $config, $vocab, $corpus, (Join-Path $TestDrive 'cache-b'))))
        $parallel.Count | Should -Be 2
        foreach ($losses in $parallel) { ($losses -join ', ') | Should -Be ($alone -join ', ') }
    }
}
