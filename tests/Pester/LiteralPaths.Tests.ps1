# File names are data, not patterns: a file piped from Get-ChildItem, or named with a -Literal*
# parameter, is the file read, whatever characters its name has. Each test uses names with
# brackets and spaces beside a decoy that the same name, read as a wildcard, would match.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    function script:New-TinyModel([long] $Seed = 1) { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed $Seed }

    # 'run[1].txt' read as a wildcard matches 'run1.txt', the decoy, which holds other text.
    $script:bracketed = Join-Path $TestDrive 'run[1].txt'
    $script:decoy = Join-Path $TestDrive 'run1.txt'
    $script:spaced = Join-Path $TestDrive 'night run [a].txt'
    $script:plain = Join-Path $TestDrive 'plain.txt'
    New-TinyCorpus $plain -Documents 12 -Seed 4
    Copy-Item -LiteralPath $plain $bracketed
    Copy-Item -LiteralPath $plain $spaced
    New-TinyCorpus $decoy -Documents 40 -Seed 9
    New-TinyCorpus (Join-Path $TestDrive 'night run a.txt') -Documents 40 -Seed 9

    $script:cache = Join-Path $TestDrive 'cache'
    function script:Measure-Plain { New-TinyModel | Measure-Perplexity -Corpus $plain -SequenceLength 32 -CacheDirectory $cache }
}

Describe 'Corpus files taken literally' {
    It 'trains on a piped FileInfo named run[1].txt, not on run1.txt' {
        $model = New-TinyModel
        Get-Item -LiteralPath $bracketed | Invoke-MlmTraining -Model $model -MaxSteps 1 -SequenceLength 32 -CacheDirectory $cache | Out-Null
        $model.TrainedOn | Should -Be @($bracketed)
    }

    It 'measures a piped FileInfo named run[1].txt, not run1.txt' {
        $result = Get-Item -LiteralPath $bracketed | Measure-Perplexity -Model (New-TinyModel) -SequenceLength 32 -CacheDirectory $cache
        $result.Tokens | Should -Be (Measure-Plain).Tokens
        $result.Perplexity | Should -Be (Measure-Plain).Perplexity
    }

    It 'takes -LiteralCorpus and its aliases -LiteralPath and -PSPath literally, spaces and brackets included' {
        $expected = (Measure-Plain).Perplexity
        (New-TinyModel | Measure-Perplexity -LiteralCorpus $spaced -SequenceLength 32 -CacheDirectory $cache).Perplexity | Should -Be $expected
        (New-TinyModel | Measure-Perplexity -LiteralPath $bracketed -SequenceLength 32 -CacheDirectory $cache).Perplexity | Should -Be $expected
        (New-TinyModel | Measure-Perplexity -PSPath $bracketed -SequenceLength 32 -CacheDirectory $cache).Perplexity | Should -Be $expected
    }

    It 'binds objects with only a FullName property literally' {
        $model = New-TinyModel
        [pscustomobject]@{ FullName = $spaced } | Invoke-MlmTraining -Model $model -MaxSteps 1 -SequenceLength 32 -CacheDirectory $cache | Out-Null
        $model.TrainedOn | Should -Be @($spaced)
    }

    It 'reads an escaped wildcard in -Corpus as the literal name' {
        $model = New-TinyModel
        $model | Invoke-MlmTraining -Corpus ([WildcardPattern]::Escape($bracketed)) -MaxSteps 1 -SequenceLength 32 -CacheDirectory $cache | Out-Null
        $model.TrainedOn | Should -Be @($bracketed)
    }

    It 'still expands wildcards in -Corpus' {
        $model = New-TinyModel
        $model | Invoke-MlmTraining -Corpus (Join-Path $TestDrive 'run?.txt') -MaxSteps 1 -SequenceLength 32 -CacheDirectory $cache | Out-Null
        $model.TrainedOn | Should -Be @($decoy)
    }

    It 'refuses -Corpus and -LiteralCorpus together' {
        { New-TinyModel | Invoke-MlmTraining -Corpus $plain -LiteralCorpus $bracketed -MaxSteps 1 } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
    }

    It 'validates on -LiteralValidationCorpus literally' {
        $model = New-TinyModel
        $verbose = $model | Invoke-MlmTraining -Corpus $plain -LiteralValidationCorpus $bracketed -MaxSteps 2 -EvalEvery 1 `
            -SequenceLength 32 -CacheDirectory $cache -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $summary = $verbose.Message | Where-Object { $_ -match 'training and (\d+) validation example' }
        $summary | Should -Not -BeNullOrEmpty
        [int]$Matches[1] | Should -Be (Measure-Plain).Sequences
        $model.History[-1].ValidationPerplexity | Should -Not -BeNullOrEmpty
    }

    It 'finds the fragmented words of -LiteralFromCorpus' {
        $words = New-TinyModel | Add-BertVocabulary -LiteralFromCorpus $bracketed -MinCount 1 -ReportOnly
        $expected = New-TinyModel | Add-BertVocabulary -FromCorpus $plain -MinCount 1 -ReportOnly
        $words.Word | Should -Be $expected.Word
        $words.Count | Should -Be $expected.Count
    }
}

Describe 'Labelled data files taken literally' {
    BeforeAll {
        $rows = New-TinyLabelledRows
        $script:trainCsv = Join-Path $TestDrive 'tickets [train].csv'
        $rows | Export-Csv -LiteralPath $trainCsv -NoTypeInformation
        # What 'tickets [train].csv' matches as a wildcard: one character of 't r a i n'.
        @([pscustomobject]@{ text = 'decoy'; label = 'other' }) | Export-Csv -LiteralPath (Join-Path $TestDrive 'tickets t.csv') -NoTypeInformation
    }

    It 'trains on FileInfo piped from Get-ChildItem *.csv, not on its string form as a data row' {
        New-Item -ItemType Directory (Join-Path $TestDrive 'labelled') | Out-Null
        Copy-Item -LiteralPath $trainCsv (Join-Path $TestDrive 'labelled')
        $model = New-TinyModel
        Get-ChildItem (Join-Path $TestDrive 'labelled') -Filter *.csv |
            Invoke-FineTune -Model $model -Task SequenceClassification -Epochs 1 | Out-Null
        $model.Labels | Should -Be @('team0', 'team1')
        $model.TrainedOn | Should -Be @(Join-Path $TestDrive 'labelled' 'tickets [train].csv')
    }

    It 'takes -LiteralTrainingData and -LiteralValidationData literally' {
        $model = New-TinyModel | Invoke-FineTune -Task SequenceClassification -LiteralTrainingData $trainCsv -LiteralValidationData $trainCsv -Epochs 1
        $model.Labels | Should -Be @('team0', 'team1')
        $model.TrainedOn | Should -Be @($trainCsv)
        $model.Evaluations | Should -HaveCount 1
    }

    It 'refuses a pipeline that mixes data files and data rows' {
        { @((Get-Item -LiteralPath $trainCsv), [pscustomobject]@{ text = 'a'; label = 'team0' }) |
                Invoke-FineTune -Model (New-TinyModel) -Task SequenceClassification -Epochs 1 } |
            Should -Throw -ErrorId 'FineTuneInputMixed,BertAdapt.PowerShell.Commands.InvokeFineTuneCommand'
    }
}

Describe 'Metrics files, checkpoints and job files taken literally' {
    BeforeAll {
        $script:metrics = Join-Path $TestDrive 'metrics [1].jsonl'
        New-TinyModel | Invoke-MlmTraining -Corpus $plain -MaxSteps 3 -SequenceLength 32 -MetricsPath $metrics -CacheDirectory $cache | Out-Null
        $script:checkpoint = Join-Path $TestDrive 'ckpt[1]'
        New-TinyModel | Export-Checkpoint -LiteralPath $checkpoint
        New-TinyModel -Seed 7 | Export-Checkpoint -LiteralPath (Join-Path $TestDrive 'ckpt1')
    }

    It 'draws a report from -LiteralMetricsPath' {
        $report = Export-BertTrainingReport (Join-Path $TestDrive 'literal.html') -LiteralMetricsPath $metrics -PassThru
        $report | Should -Exist
    }

    It 'draws a report from a metrics FileInfo piped in' {
        $report = Get-Item -LiteralPath $metrics | Export-BertTrainingReport (Join-Path $TestDrive 'piped.html') -PassThru
        Get-Content -LiteralPath $report -Raw | Should -Match 'Training report'
    }

    It 'imports a piped checkpoint folder named ckpt[1], and an escaped -Path' {
        $piped = Get-Item -LiteralPath $checkpoint | Import-BertCheckpoint
        $piped.Source | Should -BeLike '*ckpt`[1`]*'
        $escaped = Import-BertCheckpoint -Path ([WildcardPattern]::Escape($checkpoint))
        $escaped.Source | Should -Be $piped.Source
    }

    It 'runs a job whose corpus is named with literalCorpus' {
        $job = Join-Path $TestDrive 'nightly [1].job.yaml'
        $config = (Get-TinyConfig $vocabSize).GetEnumerator() | ForEach-Object { "$($_.Key): $($_.Value)" }
        Set-Content -LiteralPath $job -Value "model:`n  config: { $($config -join ', ') }`n  vocabulary: vocab.txt`ntraining:`n  literalCorpus: 'run[1].txt'`n  maxSteps: 1`n  sequenceLength: 32`n"
        $model = Get-Item -LiteralPath $job | Invoke-BertJob
        $model.TrainedOn | Should -Be @($bracketed)
    }
}

Describe 'A checkpoint path given to -Model' {
    BeforeAll {
        $script:saved = Join-Path $TestDrive 'saved model'
        New-TinyModel | Export-Checkpoint -LiteralPath $saved
    }

    It 'is imported by Invoke-MlmTraining, which outputs the trained model' {
        $model = Invoke-MlmTraining -Model $saved -Corpus $plain -MaxSteps 2 -SequenceLength 32 -CacheDirectory $cache
        $model | Should -BeOfType BertAdapt.BertModel
        $model.StepsTrained | Should -Be 2
        $model.Source | Should -BeLike '*saved model*'
    }

    It 'is imported by Measure-Perplexity, and scores as the imported model does' {
        $expected = Import-BertCheckpoint -LiteralPath $saved | Measure-Perplexity -Corpus $plain -SequenceLength 32 -CacheDirectory $cache
        (Measure-Perplexity -Model $saved -Corpus $plain -SequenceLength 32 -CacheDirectory $cache).Perplexity | Should -Be $expected.Perplexity
    }

    It 'fails with the import error for a path that is no checkpoint' {
        $missing = Join-Path $TestDrive 'no such model'
        $e = { Measure-Perplexity -Model $missing -Corpus $plain } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand' -PassThru
        $e.Exception.InnerException.ErrorId | Should -Be 'CheckpointNotFound'
        $e.Exception.Message | Should -BeLike "*$missing*"
    }
}
