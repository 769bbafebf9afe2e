BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    $script:runbook = Join-Path $TestDrive 'runbook.txt'
    $lines = foreach ($i in 1..8) { 'restart nginx , then check journalctl for the nginx service .'; 'Journalctl fails : page oncall' }
    Set-Content -LiteralPath $runbook -Value $lines
    function script:New-TinyModel { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 1 }
    function script:Get-Row($Model, [string] $Name, [int] $Row) {
        $p = $Model.GetModule().named_parameters() | Where-Object { $_.Item1 -eq $Name }
        [float[]] $p.Item2[$Row].data[float]().ToArray()
    }
}

Describe 'Add-BertVocabulary -Token' {
    It 'adds the tokens, grows the config, and returns the same model' {
        $model = New-TinyModel
        $result = $model | Add-BertVocabulary -Token systemctl, Journalctl
        $result | Should -Be $model
        $model.Vocabulary.Count | Should -Be ($vocabSize + 2)
        $model.Config.VocabSize | Should -Be ($vocabSize + 2)
        $model.Vocabulary.IdOf('journalctl') | Should -Be ($vocabSize + 1)
        $model.Vocabulary.Encode('systemctl') | Should -Be @($vocabSize)
    }

    It 'keeps the vocabulary and the new embedding row through Export-Checkpoint and Import-BertCheckpoint' {
        $model = New-TinyModel | Add-BertVocabulary -Token systemctl
        $out = Join-Path $TestDrive 'extended'
        $model | Export-Checkpoint $out
        (Get-Content (Join-Path $out 'vocab.txt'))[-1] | Should -Be 'systemctl'
        (Get-Content -Raw (Join-Path $out 'config.json') | ConvertFrom-Json).vocab_size | Should -Be ($vocabSize + 1)
        $imported = Import-BertCheckpoint $out
        $imported.Vocabulary.Count | Should -Be ($vocabSize + 1)
        $imported.Vocabulary.IdOf('systemctl') | Should -Be $vocabSize
        $row = Get-Row $imported 'bert.embeddings.word_embeddings.weight' $vocabSize
        $row | Should -Be (Get-Row $model 'bert.embeddings.word_embeddings.weight' $vocabSize)
        $row | Where-Object { $_ -ne 0 } | Should -Not -BeNullOrEmpty
    }

    It 'keeps the classification head of a fine-tuned model, and its scores on text without the new token' {
        $rows = foreach ($i in 1..4) {
            [pscustomobject]@{ text = "restart nginx $i"; label = 'ops' }
            [pscustomobject]@{ text = "page oncall $i"; label = 'people' }
        }
        $model = $rows | Invoke-FineTune -Model (New-TinyModel) -Task SequenceClassification -Epochs 1 -BatchSize 4 -WarningAction SilentlyContinue
        $texts = 'restart nginx', 'page oncall now'
        $before = $texts | Invoke-BertClassifier -Model $model
        $labels = "$($model.Labels)"
        $model | Add-BertVocabulary -Token systemctl | Out-Null
        $model.Task | Should -Be 'SequenceClassification'
        "$($model.Labels)" | Should -Be $labels
        $after = $texts | Invoke-BertClassifier -Model $model
        foreach ($i in 0..1) {
            $after[$i].Label | Should -Be $before[$i].Label
            $after[$i].ScoreOf('ops') | Should -Be $before[$i].ScoreOf('ops')
        }
    }

    It 'warns about tokens already in the vocabulary and adds the rest' {
        $model = New-TinyModel
        $model | Add-BertVocabulary -Token nginx, kubectl -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        $warnings | Should -HaveCount 1
        "$warnings" | Should -BeLike "*'nginx'*"
        $model.Vocabulary.Count | Should -Be ($vocabSize + 1)
    }

    It 'rejects a token the tokenizer could never produce with VocabularyTokenInvalid' -ForEach @(
        @{ Token = 'sys-ctl' }, @{ Token = 'two words' }, @{ Token = '[NEW]' }
    ) {
        $model = New-TinyModel
        { $model | Add-BertVocabulary -Token kubectl, $Token } |
            Should -Throw -ErrorId 'VocabularyTokenInvalid,BertAdapt.PowerShell.Commands.AddBertVocabularyCommand'
        $model.Vocabulary.Count | Should -Be $vocabSize
    }

    # Words are built from code points so the file's own encoding cannot change them.
    It 'adds a word with a decomposed accent composed, as Encode reads text, to a cased vocabulary' {
        $model = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 1 -Cased
        $model | Add-BertVocabulary -Token "Cafe$([char]0x301)" | Out-Null
        $model.Vocabulary.Count | Should -Be ($vocabSize + 1)
        $model.Vocabulary[$vocabSize] | Should -BeExactly "Caf$([char]0xE9)"
        $model.Vocabulary.Encode("Cafe$([char]0x301)") | Should -Be @($vocabSize)
        $model.Vocabulary.Encode("Caf$([char]0xE9)") | Should -Be @($vocabSize)
    }

    It 'lower-cases a dotted capital I as Encode does, so a word already added is reported as skipped' {
        $model = New-TinyModel | Add-BertVocabulary -Token izmir
        $model | Add-BertVocabulary -Token "$([char]0x130)ZM$([char]0x130)R" -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        "$warnings" | Should -BeLike "*'izmir' is already in the vocabulary*"
        $model.Vocabulary.Count | Should -Be ($vocabSize + 1)
        $model.Vocabulary.Encode("$([char]0x130)zmir") | Should -Be @($vocabSize)
    }

    It 'changes nothing with -WhatIf' {
        $model = New-TinyModel
        $model | Add-BertVocabulary -Token systemctl -WhatIf | Should -BeNullOrEmpty
        $model.Vocabulary.Count | Should -Be $vocabSize
    }
}

Describe 'Add-BertVocabulary -FromCorpus' {
    It 'lists the most fragmented words with -ReportOnly and leaves the model alone' {
        $model = New-TinyModel
        $report = $model | Add-BertVocabulary -FromCorpus (Join-Path $TestDrive '*.txt') -ReportOnly
        $report[0].Word | Should -Be 'journalctl'
        $report[0].Count | Should -Be 16
        $report[0].Pieces | Should -Be 'j', '##o', '##u', '##r', '##n', '##a', '##l', '##c', '##t', '##l'
        $report[0].TokensSaved | Should -Be (16 * 9)
        $report.Word | Should -Not -Contain 'nginx'
        $model.Vocabulary.Count | Should -Be $vocabSize
    }

    It 'honours -MinCount and -Top' {
        $model = New-TinyModel
        $model | Add-BertVocabulary -FromCorpus $runbook -ReportOnly -MinCount 100 | Should -BeNullOrEmpty
        $model | Add-BertVocabulary -FromCorpus $runbook -ReportOnly -Top 1 | Should -HaveCount 1
    }

    It 'adds the top words without -ReportOnly' {
        $model = New-TinyModel | Add-BertVocabulary -FromCorpus $runbook -Top 1
        $model.Vocabulary.Count | Should -Be ($vocabSize + 1)
        $model.Vocabulary.Encode('journalctl') | Should -Be @($vocabSize)
    }

    It 'fails with CorpusNoMatch for a pattern that matches nothing' {
        { New-TinyModel | Add-BertVocabulary -FromCorpus (Join-Path $TestDrive 'none/*.txt') -ReportOnly } |
            Should -Throw -ErrorId 'CorpusNoMatch,BertAdapt.PowerShell.Commands.AddBertVocabularyCommand'
    }
}
