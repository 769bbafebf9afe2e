# PowerShell's rule for errors: a problem with one input item is a non-terminating error (so
# -ErrorAction and -ErrorVariable decide what happens, and the next item is still processed); a
# problem with the command's own arguments ends the command. Either way the error has a stable
# id and category, never a bare .NET exception.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 10 -Seed 1
    $script:cache = Join-Path $TestDrive 'cache'
    $script:good = Join-Path $TestDrive 'good'
    New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab | Export-Checkpoint $good
    $script:missing = Join-Path $TestDrive 'nope'

    function script:New-TinyModel { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 1 }
    function script:New-DisposedModel {
        $gone = New-TinyModel
        $gone.Dispose()
        $gone
    }
}

Describe 'A bad input item is a non-terminating error, and the next item goes on' {
    It 'Import-BertCheckpoint ./nope, ./good -ErrorAction SilentlyContinue imports the good one' {
        $models = @(Import-BertCheckpoint $missing, $good -ErrorAction SilentlyContinue -ErrorVariable problems)
        $models | Should -HaveCount 1
        $models[0].Source | Should -Be $good
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'CheckpointNotFound,BertAdapt.PowerShell.Commands.ImportBertCheckpointCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $models[0].Dispose()
    }

    It 'Import-BertCheckpoint goes on past a corrupt checkpoint piped from Get-ChildItem' {
        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'several')
        Copy-Item $good (Join-Path $folder 'a-good') -Recurse
        Copy-Item $good (Join-Path $folder 'b-corrupt') -Recurse
        # Without its manifest, so that the reader's own check (ConfigInvalid) is what fails.
        Remove-Item (Join-Path $folder 'b-corrupt/bertadapt_manifest.json')
        Set-Content (Join-Path $folder 'b-corrupt/config.json') '{ "hidden_size": '
        Copy-Item $good (Join-Path $folder 'c-good') -Recurse
        $models = @(Get-ChildItem $folder -Directory | Import-BertCheckpoint -ErrorAction SilentlyContinue -ErrorVariable problems)
        $models | Should -HaveCount 2
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ConfigInvalid,*'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $models.Dispose()
    }

    It 'Import-BertCheckpoint with -ErrorAction Stop still stops at the first bad one' {
        { Import-BertCheckpoint $missing, $good -ErrorAction Stop } | Should -Throw -ErrorId 'CheckpointNotFound,*'
    }

    It 'Measure-Perplexity measures the usable models of a pipeline that also holds a disposed one' {
        $model = New-TinyModel
        $results = @((New-DisposedModel), $model | Measure-Perplexity -Corpus $corpus -SequenceLength 32 -CacheDirectory $cache -ErrorAction SilentlyContinue -ErrorVariable problems)
        $results | Should -HaveCount 1
        $results[0].Perplexity | Should -BeGreaterThan 1
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ModelDisposed,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $model.Dispose()
    }

    It 'Export-Checkpoint writes the usable model after a disposed one' {
        $model = New-TinyModel
        $out = Join-Path $TestDrive 'export-after-disposed'
        $written = @((New-DisposedModel), $model | Export-Checkpoint $out -PassThru -ErrorAction SilentlyContinue -ErrorVariable problems)
        $written | Should -HaveCount 1
        Join-Path $out 'model.safetensors' | Should -Exist
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ModelDisposed,BertAdapt.PowerShell.Commands.ExportCheckpointCommand'
        $model.Dispose()
    }

    It 'Invoke-MlmTraining trains the usable model after a disposed one' {
        $model = New-TinyModel
        $trained = @((New-DisposedModel), $model | Invoke-MlmTraining -Corpus $corpus -MaxSteps 2 -BatchSize 4 -SequenceLength 32 -CacheDirectory $cache -ErrorAction SilentlyContinue -ErrorVariable problems)
        $trained | Should -HaveCount 1
        $trained[0].StepsTrained | Should -Be 2
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ModelDisposed,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
        $model.Dispose()
    }

    It 'Add-BertVocabulary extends the usable model after a disposed one' {
        $model = New-TinyModel
        $before = $model.Vocabulary.Count
        $extended = @((New-DisposedModel), $model | Add-BertVocabulary -Token 'kubelet' -ErrorAction SilentlyContinue -ErrorVariable problems)
        $extended | Should -HaveCount 1
        $extended[0].Vocabulary.Count | Should -Be ($before + 1)
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'ModelDisposed,BertAdapt.PowerShell.Commands.AddBertVocabularyCommand'
        $model.Dispose()
    }

    It 'a scheduled script goes on past a bad item and says so on the error stream' {
        $out = Join-Path $TestDrive 'scheduled-export'
        $script = Join-Path $TestDrive 'import-some.ps1'
        @"
Import-Module '$(Join-Path $PSScriptRoot '../../BertAdapt.psd1')'
Import-BertCheckpoint '$missing', '$good' | Export-Checkpoint '$out'
'next line ran'
"@ | Set-Content $script
        $run = Invoke-ChildPwsh "& '$script'"
        $run.Output | Should -Match "checkpoint directory '.*nope' does not exist"
        $run.Output | Should -Match 'next line ran'
        Join-Path $out 'model.safetensors' | Should -Exist
    }

    It 'the same script with $ErrorActionPreference = Stop ends at the bad item and exits non-zero' {
        $out = Join-Path $TestDrive 'scheduled-export-stop'
        $script = Join-Path $TestDrive 'import-stop.ps1'
        @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Join-Path $PSScriptRoot '../../BertAdapt.psd1')'
Import-BertCheckpoint '$missing', '$good' | Export-Checkpoint '$out'
'next line ran'
"@ | Set-Content $script
        $launcher = Get-PwshLauncher
        $rest = @($launcher | Select-Object -Skip 1)
        $output = & $launcher[0] @rest -NoProfile -NonInteractive -File $script 2>&1
        $LASTEXITCODE | Should -Be 1
        ($output -join "`n") | Should -Not -Match 'next line ran'
        Join-Path $out 'model.safetensors' | Should -Not -Exist
    }
}

Describe 'A bad argument ends the command, whatever -ErrorAction says' {
    It 'Measure-Perplexity with a missing -Corpus file' {
        $model = New-TinyModel
        { $model | Measure-Perplexity -Corpus (Join-Path $TestDrive 'no-such.txt') -ErrorAction SilentlyContinue } |
            Should -Throw -ErrorId 'CorpusFileNotFound,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand'
        $model.Dispose()
    }

    # Before, these three surfaced as a bare BertAdapt.BertAdaptException, category OperationStopped.
    It '<Command> with a disposed -Model gives ModelDisposed (InvalidOperation)' -ForEach @(
        @{ Command = 'Invoke-BertClassifier'; Run = { param($m) 'restart nginx' | Invoke-BertClassifier -Model $m } }
        @{ Command = 'Get-BertEmbedding'; Run = { param($m) 'restart nginx' | Get-BertEmbedding -Model $m } }
        @{ Command = 'Invoke-BertFillMask'; Run = { param($m) 'restart [MASK]' | Invoke-BertFillMask -Model $m } }
        @{ Command = 'Invoke-FineTune'; Run = { param($m) New-TinyLabelledRows | Invoke-FineTune -Model $m -Task SequenceClassification } }
    ) {
        $gone = New-DisposedModel
        $e = $null
        try { & $Run $gone } catch { $e = $_ }
        $e | Should -Not -BeNullOrEmpty -Because 'a disposed -Model argument must end the command'
        $e.FullyQualifiedErrorId | Should -BeLike 'ModelDisposed,BertAdapt.PowerShell.Commands.*'
        $e.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $e.Exception.Message | Should -Match 'disposed'
    }
}
