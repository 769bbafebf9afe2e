#Requires -Version 7.4
# Every exported checkpoint carries bertadapt_manifest.json: the hashes of its files, what it was
# trained on and where it came from. Import checks the hashes, and the model shows its lineage.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    function script:New-TinyModel([long] $Seed = 1) { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed $Seed }

    # 'run[1].txt' read as a wildcard would match 'run1.txt', the decoy.
    $script:corpus = Join-Path $TestDrive 'run[1].txt'
    New-TinyCorpus $corpus -Documents 12 -Seed 4
    New-TinyCorpus (Join-Path $TestDrive 'run1.txt') -Documents 12 -Seed 9
    $script:second = Join-Path $TestDrive 'second.txt'
    New-TinyCorpus $second -Documents 12 -Seed 5

    $script:first = Join-Path $TestDrive 'first'
    New-TinyModel | Invoke-MlmTraining -LiteralCorpus $corpus -MaxSteps 2 -BatchSize 4 -SequenceLength 32 -Seed 7 |
        Export-Checkpoint -LiteralPath $first
    $script:manifest = Get-Content -LiteralPath (Join-Path $first 'bertadapt_manifest.json') -Raw | ConvertFrom-Json -AsHashtable

    function script:Copy-Checkpoint([string] $Name) {
        $copy = Join-Path $TestDrive $Name
        Copy-Item -LiteralPath $first $copy -Recurse
        $copy
    }
}

Describe 'Export-Checkpoint writes a manifest' {
    It 'lists every other file with the hash Get-FileHash gives it' {
        $files = @(Get-ChildItem -LiteralPath $first -File | Where-Object Name -ne 'bertadapt_manifest.json')
        $files.Name | Should -Contain 'model.safetensors'
        @($manifest.files.Keys | Sort-Object) | Should -Be @($files.Name | Sort-Object)
        foreach ($file in $files) {
            $manifest.files[$file.Name].sha256 | Should -BeExactly (Get-FileHash -LiteralPath $file.FullName -Algorithm SHA256).Hash.ToLowerInvariant()
            $manifest.files[$file.Name].size | Should -Be $file.Length
        }
        $manifest.module_version | Should -Not -BeNullOrEmpty
    }

    It 'names the corpus literally, with its size and hash, and the run''s seed and steps' {
        $entry = @($manifest.trained_on)
        $entry.Count | Should -Be 1
        $entry[0].path | Should -BeExactly $corpus
        $entry[0].size | Should -Be (Get-Item -LiteralPath $corpus).Length
        $entry[0].sha256 | Should -BeExactly (Get-FileHash -LiteralPath $corpus -Algorithm SHA256).Hash.ToLowerInvariant()
        $manifest.training_runs[0].Seed | Should -Be '7'
        $manifest.steps_trained | Should -Be 2
        $manifest.total_steps | Should -Be 2
        $manifest.base_checkpoint | Should -BeNullOrEmpty
    }
}

Describe 'Import-BertCheckpoint checks the manifest' {
    It 'shows the lineage: the checkpoint as base, the corpus and the steps' {
        $model = Import-BertCheckpoint -LiteralPath $first -WarningVariable warnings
        try {
            $warnings | Should -BeNullOrEmpty
            $weightsHash = (Get-FileHash -LiteralPath (Join-Path $first 'model.safetensors') -Algorithm SHA256).Hash.ToLowerInvariant()
            ($model.Lineage -join "`n") | Should -Match ([regex]::Escape("base: $first (model.safetensors sha256 $weightsHash)"))
            ($model.Lineage -join "`n") | Should -Match ([regex]::Escape("trained on: $corpus"))
            $model.Lineage | Should -Contain 'steps: 2'
            ($model | Format-List | Out-String) | Should -Match 'Lineage\s*:'
        }
        finally { $model.Dispose() }
    }

    It 'refuses a checkpoint whose model.safetensors has one byte flipped, naming the file' {
        $copy = Copy-Checkpoint 'flipped'
        $weights = Join-Path $copy 'model.safetensors'
        $bytes = [IO.File]::ReadAllBytes($weights)
        $bytes[$bytes.Length - 3] = $bytes[$bytes.Length - 3] -bxor 1
        [IO.File]::WriteAllBytes($weights, $bytes)
        $err = { Import-BertCheckpoint -LiteralPath $copy -ErrorAction Stop } | Should -Throw -ErrorId 'CheckpointHashMismatch*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -Match 'model\.safetensors'
    }

    It 'loads it with -SkipHashCheck, with a warning' {
        $copy = Copy-Checkpoint 'skipped'
        $weights = Join-Path $copy 'model.safetensors'
        $bytes = [IO.File]::ReadAllBytes($weights)
        $bytes[$bytes.Length - 3] = $bytes[$bytes.Length - 3] -bxor 1
        [IO.File]::WriteAllBytes($weights, $bytes)
        $model = Import-BertCheckpoint -LiteralPath $copy -SkipHashCheck -WarningVariable warnings -WarningAction SilentlyContinue
        try {
            $model | Should -Not -BeNullOrEmpty
            ($warnings -join "`n") | Should -Match 'not checked'
        }
        finally { $model.Dispose() }
    }

    It 'loads a checkpoint whose manifest was deleted, and one with an added file' {
        $copy = Copy-Checkpoint 'no-manifest'
        Set-Content -LiteralPath (Join-Path $copy 'README.md') -Value 'added later'
        $model = Import-BertCheckpoint -LiteralPath $copy -ErrorAction Stop
        $model.Dispose()
        Remove-Item -LiteralPath (Join-Path $copy 'bertadapt_manifest.json')
        $model = Import-BertCheckpoint -LiteralPath $copy -ErrorAction Stop -WarningVariable warnings
        try {
            $warnings | Should -BeNullOrEmpty
            $model.Lineage | Should -Contain 'steps: 0'
        }
        finally { $model.Dispose() }
    }
}

Describe 'Lineage accumulates' {
    It 'names the immediate base, the earlier checkpoint and both corpora after import, train, export twice' {
        $next = Join-Path $TestDrive 'next'
        Import-BertCheckpoint -LiteralPath $first | Invoke-MlmTraining -Corpus $second -MaxSteps 2 -BatchSize 4 -SequenceLength 32 -Seed 8 |
            Export-Checkpoint -LiteralPath $next
        $m = Get-Content -LiteralPath (Join-Path $next 'bertadapt_manifest.json') -Raw | ConvertFrom-Json -AsHashtable
        $m.base_checkpoint.path | Should -BeExactly $first
        $m.base_checkpoint.sha256 | Should -BeExactly $manifest.files['model.safetensors'].sha256
        @($m.trained_on.path) | Should -Be @($corpus, $second)
        @($m.training_runs.Seed) | Should -Be @('7', '8')
        $m.total_steps | Should -Be 4

        $last = Join-Path $TestDrive 'last'
        Import-BertCheckpoint -LiteralPath $next | Export-Checkpoint -LiteralPath $last
        $l = Get-Content -LiteralPath (Join-Path $last 'bertadapt_manifest.json') -Raw | ConvertFrom-Json -AsHashtable
        $l.base_checkpoint.path | Should -BeExactly $next
        @($l.earlier_checkpoints.path) | Should -Be @($first)
        $l.total_steps | Should -Be 4
    }
}
