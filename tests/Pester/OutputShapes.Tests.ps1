#Requires -Version 7.4
# Every object the cmdlets write survives Export-Csv / Import-Csv and ConvertTo-Json / ConvertFrom-Json:
# no column holds a type name or a record dump, the values come back, JSON stays small and enums are
# written as names. Also the format views and the config.json that Export-Checkpoint writes.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 40 -Seed 1

    function script:New-TinyModel([string] $Task, [string[]] $Labels, [int] $Seed = 1) { New-TinyHeadModel $vocab $vocabSize $Task $Labels $Seed }

    $script:classifier = New-TinyModel SequenceClassification 'neg', 'pos'
    $script:multi = New-TinyModel MultiLabelClassification 'disk', 'network', 'auth' 2
    $script:regressor = New-TinyModel Regression @() 3
    $script:tagger = New-TinyModel TokenClassification 'O', 'B-SVC', 'I-SVC', 'B-HOST', 'I-HOST' 4
    $script:bare = New-TinyModel $null @() 5

    # A model with a training history (validation on some steps) and one with fine-tuning evaluations.
    $script:trained = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -MaxSteps 6 -BatchSize 4 -SequenceLength 32 `
        -LearningRate 1e-3 -ValidationSplit 0.2 -EvalEvery 3
    $script:trainCsv, $script:devCsv = New-TinyTeamCsv $TestDrive
    $script:fineTuned = New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $trainCsv -ValidationData $devCsv `
        -TextColumn summary -LabelColumn team -Epochs 2 -LearningRate 1e-3
    $script:regressionCsv = Join-Path $TestDrive 'scores.csv'
    Import-Csv $trainCsv, $devCsv | ForEach-Object -Begin { $n = 0 } -Process { [pscustomobject]@{ text = $_.summary; score = ($n++ % 5) / 4 } } |
        Export-Csv $regressionCsv -NoTypeInformation
    $script:fineTunedRegressor = New-TinyModel | Invoke-FineTune -Task Regression -TrainingData $regressionCsv -ValidationData $regressionCsv `
        -LabelColumn score -Epochs 1 -LearningRate 1e-3

    # A value as Export-Csv writes it (its invariant string form), '' for null.
    function script:ConvertTo-CsvText($Value) {
        if ($null -eq $Value) { return '' }
        [string]::Format([cultureinfo]::InvariantCulture, '{0}', $Value)
    }

    # Writes $Objects with Export-Csv and reads them back; every column must be text a person can
    # read (no type name, no @{...} or record dump) and equal to the value's own string form.
    function script:Test-CsvRoundTrip([object[]] $Objects, [string] $Name) {
        $path = Join-Path $TestDrive "$Name.csv"
        $Objects | Export-Csv -LiteralPath $path -NoTypeInformation
        $back = @(Import-Csv -LiteralPath $path)
        $back.Count | Should -Be $Objects.Count
        for ($i = 0; $i -lt $Objects.Count; $i++) {
            foreach ($property in $Objects[$i].psobject.Properties) {
                $cell = $back[$i].($property.Name)
                $where = "$Name[$i].$($property.Name) is '$cell'"
                $cell | Should -Not -Match '^(System|BertAdapt|Microsoft|TorchSharp)\.[\w.`\[\]]+$' -Because "$where, a type name"
                $cell | Should -Not -Match '^@\{' -Because "$where, an object dump"
                $cell | Should -Not -Match '^\w+ \{ \w+ = ' -Because "$where, a record dump"
                $cell | Should -BeExactly (ConvertTo-CsvText $property.Value) -Because $where
            }
        }
        , $back
    }

    # ConvertTo-Json -Depth 5, as a user pipes the objects to it, must be complete (nothing cut
    # to a type name at the depth limit, no @{...} dump), short, free of enum numbers, and parse back.
    function script:Test-JsonRoundTrip([object[]] $Objects, [int] $MaxLength) {
        foreach ($o in $Objects) {
            $enums = @($o.psobject.Properties | Where-Object { $_.Value -is [enum] } | ForEach-Object Name)
            $enums | Should -BeNullOrEmpty -Because 'ConvertTo-Json writes an enum as a number'
        }
        $json = $Objects | ConvertTo-Json -Depth 5 -WarningAction SilentlyContinue
        $json | Should -Not -Match '"(System|BertAdapt|Microsoft|TorchSharp)\.[\w.`\[\]]+"' -Because 'an object cut at the depth limit is written as its type name'
        $json | Should -Not -Match '"@\{'
        $json.Length | Should -BeLessThan $MaxLength
        , @($json | ConvertFrom-Json)
    }
}

AfterAll {
    foreach ($model in $classifier, $multi, $regressor, $tagger, $bare, $trained, $fineTuned, $fineTunedRegressor) { if ($model) { $model.Dispose() } }
}

Describe 'Invoke-BertClassifier output in CSV and JSON' {
    It 'writes one Score_ column per class and Labels joined by -LabelSeparator' {
        $results = @('check the disk on db01', 'restart nginx' | Invoke-BertClassifier -Model $multi -Threshold 0.3)
        $back = Test-CsvRoundTrip $results 'multi'
        $columns = $back[0].psobject.Properties.Name
        $columns | Should -Contain 'Score_disk'
        $columns | Should -Contain 'Score_network'
        $columns | Should -Contain 'Score_auth'
        $columns | Should -Not -Contain 'Scores'
        for ($i = 0; $i -lt 2; $i++) {
            foreach ($label in 'disk', 'network', 'auth') { [double]$back[$i]."Score_$label" | Should -Be $results[$i]."Score_$label" }
            @($back[$i].Labels -split '\|' | Where-Object { $_ }) | Should -Be @($results[$i].Labels)
        }
        $semicolon = 'check the disk on db01' | Invoke-BertClassifier -Model $multi -Threshold 0 -LabelSeparator ';'
        $semicolon.Labels.ToString() | Should -BeExactly (@($semicolon.Labels) -join ';')
    }

    It 'round-trips single-label and regression results, with the task as a name' {
        $single = @('restart nginx', '' | Invoke-BertClassifier -Model $classifier)
        $back = Test-CsvRoundTrip $single 'single'
        [double]$back[0].Score_pos | Should -Be $single[0].Score_pos
        $back[0].Label | Should -Be $single[0].Label
        $json = Test-JsonRoundTrip $single 4000
        $json[0].Task | Should -BeExactly 'SequenceClassification'
        $json[0].Score_neg | Should -Be $single[0].Score_neg
        $json[0].Labels | Should -Be @($single[0].Label)

        $values = @('restart nginx', 'check the disk' | Invoke-BertClassifier -Model $regressor)
        $back = Test-CsvRoundTrip $values 'regression'
        [double]$back[1].Value | Should -Be $values[1].Value
        (Test-JsonRoundTrip $values 4000)[0].Task | Should -BeExactly 'Regression'
    }
}

Describe 'Invoke-BertTokenClassifier output in CSV and JSON' {
    It 'writes the entities and tagged words as flat text, and as rows with -Expand' {
        $texts = 'restart nginx on web01 then page oncall', 'check the redis logs'
        $results = @($texts | Invoke-BertTokenClassifier -Model $tagger)
        $back = Test-CsvRoundTrip $results 'tagged'
        $back[0].Entities | Should -BeExactly (($results[0].Entities | ForEach-Object { "$($_.Type): $($_.Text)" }) -join '; ')
        $back[0].Words | Should -BeExactly (($results[0].Words | ForEach-Object { "$($_.Word)/$($_.Tag)" }) -join ' ')
        $json = Test-JsonRoundTrip $results 20000
        @($json[0].Words).Count | Should -Be 7
        $json[0].Words[1].Tag | Should -Be $results[0].Words[1].Tag

        $words = @($texts | Invoke-BertTokenClassifier -Model $tagger -Expand Words)
        $words.Count | Should -Be 11
        $back = Test-CsvRoundTrip $words 'words'
        $back.Index | Should -Be (@('0') * 7 + @('1') * 4)
        $back.Word | Should -Be (($texts -join ' ') -split ' ')
        [int]$back[3].Start | Should -Be $results[0].Words[3].Start

        $entities = @($texts | Invoke-BertTokenClassifier -Model $tagger -Expand Entities)
        $entities.Count | Should -Be (@($results[0].Entities).Count + @($results[1].Entities).Count)
        if ($entities.Count) { $null = Test-CsvRoundTrip $entities 'entities' }
    }
}

Describe 'Invoke-BertFillMask output in CSV and JSON' {
    It 'writes the candidates as flat text, and as rows with -Expand Candidates' {
        $results = @('restart the [MASK] service', 'check [MASK] then read the [MASK] logs' | Invoke-BertFillMask -Model $bare -Top 3)
        $back = Test-CsvRoundTrip $results 'filled'
        $back[0].Candidates | Should -BeExactly (($results[0].Candidates | ForEach-Object { '{0} ({1})' -f $_.Token, $_.Score.ToString('F3', [cultureinfo]::InvariantCulture) }) -join ', ')
        $null = Test-JsonRoundTrip $results 20000

        $rows = @('restart the [MASK] service', 'check [MASK] then read the [MASK] logs' | Invoke-BertFillMask -Model $bare -Top 3 -Expand Candidates)
        $rows.Count | Should -Be 9
        $back = Test-CsvRoundTrip $rows 'candidates'
        $back.Index | Should -Be (@('0') * 3 + @('1') * 6)
        [double]$back[4].Score | Should -Be $rows[4].Score
    }
}

Describe 'Get-BertEmbedding output in CSV and JSON' {
    It 'writes the vector as invariant numbers separated by spaces, which parse back exactly' {
        $results = @('restart nginx', 'check the disk' | Get-BertEmbedding -Model $bare)
        $back = Test-CsvRoundTrip $results 'embeddings'
        $vector = [float[]]($back[1].Vector -split ' ')
        $vector.Count | Should -Be 64
        for ($d = 0; $d -lt 64; $d++) { $vector[$d] | Should -Be $results[1].Vector[$d] }
        $json = Test-JsonRoundTrip $results 20000
        $json[0].Pooling | Should -BeExactly 'Mean'
        @($json[0].Vector).Count | Should -Be 64
        [float]$json[0].Vector[5] | Should -Be $results[0].Vector[5]
    }

    It 'writes the vector the same way under a culture with a decimal comma' {
        $culture = [cultureinfo]::CurrentCulture
        try {
            [cultureinfo]::CurrentCulture = 'de-DE'
            $r = 'restart nginx' | Get-BertEmbedding -Model $bare
            "$($r.Vector.ToString())" | Should -Not -Match ','
        } finally { [cultureinfo]::CurrentCulture = $culture }
    }
}

Describe 'Models in CSV and JSON' {
    It 'writes a model as one flat row: <Name>' -ForEach @(
        @{ Name = 'pre-training'; Key = 'bare' }
        @{ Name = 'trained'; Key = 'trained' }
        @{ Name = 'classifier'; Key = 'fineTuned' }
    ) {
        $model = Get-Variable -Scope Script -Name $Key -ValueOnly
        $back = Test-CsvRoundTrip @($model) "model-$Key"
        [long]$back[0].ParameterCount | Should -Be $model.ParameterCount
        [int]$back[0].StepsTrained | Should -Be $model.StepsTrained
        $back[0].Shape | Should -Be $model.Shape
    }

    It 'joins the labels of a classifier with | and the files it was trained on with the path separator' {
        $back = Test-CsvRoundTrip @($fineTuned) 'model-labels'
        $back[0].Labels -split '\|' | Should -Be @('check', 'restart', 'stop')
        $back[0].Task | Should -BeExactly 'SequenceClassification'
        $back = Test-CsvRoundTrip @($trained) 'model-trained-on'
        $back[0].TrainedOn -split [regex]::Escape([IO.Path]::PathSeparator) | Should -Be @($trained.TrainedOn)
    }

    It 'gives small JSON without the vocabulary or the weights, with the task as a name' {
        $big = New-BertModel -Config @{ hidden_size = 32; num_hidden_layers = 1; num_attention_heads = 2; intermediate_size = 64; max_position_embeddings = 64 }
        try {
            $big.Vocabulary.Count | Should -Be 30522
            $json = Test-JsonRoundTrip @($big) 8000
            $json[0].Shape | Should -Be $big.Shape
            $json[0].Vocabulary.Count | Should -Be 30522
            $json[0].Config.VocabSize | Should -Be 30522
        } finally { $big.Dispose() }
        $json = Test-JsonRoundTrip @($fineTuned) 60000
        $json[0].Task | Should -BeExactly 'SequenceClassification'
        $json[0].Labels | Should -Be @('check', 'restart', 'stop')
        @($json[0].Evaluations).Count | Should -Be 2
    }

    It 'shows a fine-tuned classifier''s task in the list view (the first task value is not pre-training)' {
        $text = $fineTuned | Format-List | Out-String
        $text | Should -Match 'Task\s+:\s+SequenceClassification \(check, restart, stop\)'
        ($bare | Format-List | Out-String) | Should -Match 'Task\s+:\s+pre-training'
        ($fineTunedRegressor | Format-List | Out-String) | Should -Match 'Task\s+:\s+Regression \(one value\)'
    }
}

Describe 'Training records in CSV and JSON' {
    It 'round-trips the History rows' {
        $trained.History.Count | Should -Be 6
        $back = Test-CsvRoundTrip @($trained.History) 'history'
        [double]$back[2].Loss | Should -Be $trained.History[2].Loss
        [double]$back[2].ValidationPerplexity | Should -Be $trained.History[2].ValidationPerplexity
        $json = Test-JsonRoundTrip @($trained.History) 20000
        $json[5].Loss | Should -Be $trained.History[5].Loss
    }

    It 'shows the History as a table' {
        $text = $trained.History | Out-String
        $text | Should -Match 'Step\s+Epoch\s+Loss\s+LearningRate\s+GradNorm'
        $text | Should -Not -Match 'MaskedTokens\s*:'
    }

    It 'round-trips the evaluations of a <Task> run, with the report as readable text' -ForEach @(
        @{ Task = 'classification'; Key = 'fineTuned'; Count = 12; Pattern = '^check: P \d\.\d{3} R \d\.\d{3} F1 \d\.\d{3} n \d+; restart: ' }
        @{ Task = 'regression'; Key = 'fineTunedRegressor'; Count = 48; Pattern = '^Pearson (-?\d\.\d{3}|NaN), Spearman ' }
    ) {
        $model = Get-Variable -Scope Script -Name $Key -ValueOnly
        $back = Test-CsvRoundTrip @($model.Evaluations) "evaluations-$Key"
        $back[-1].Report | Should -Match $Pattern
        [double]$back[-1].Score | Should -Be $model.Evaluations[-1].Score
        $json = Test-JsonRoundTrip @($model.Evaluations) 20000
        $json[-1].Score | Should -Be $model.Evaluations[-1].Score
        $json[-1].Report.Count | Should -Be $Count
    }

    It 'round-trips Measure-Perplexity results' {
        $result = Measure-Perplexity -Model $bare -Corpus $corpus -SequenceLength 32
        $back = Test-CsvRoundTrip @($result) 'perplexity'
        [double]$back[0].Perplexity | Should -Be $result.Perplexity
        (Test-JsonRoundTrip @($result) 1000)[0].Tokens | Should -Be $result.Tokens
    }

    It 'round-trips the fragmented-word report of Add-BertVocabulary -ReportOnly' {
        $runbook = Join-Path $TestDrive 'runbook.txt'
        Set-Content -LiteralPath $runbook -Value (@('journalctl shows the kubectl logs') * 6)
        $report = @($bare | Add-BertVocabulary -FromCorpus $runbook -MinCount 2 -ReportOnly)
        $report.Count | Should -BeGreaterThan 0
        $back = Test-CsvRoundTrip $report 'fragments'
        $back[0].Pieces -split ' ' | Should -Be @($report[0].Pieces)
        $null = Test-JsonRoundTrip $report 4000
    }
}

Describe 'config.json as Hugging Face writes it' {
    It 'has only Hugging Face BertConfig keys, sorted as save_pretrained sorts them, and no HeadSize' {
        $out = Join-Path $TestDrive 'exported-classifier'
        $fineTuned | Export-Checkpoint $out
        $text = Get-Content -Raw (Join-Path $out 'config.json')
        $config = $text | ConvertFrom-Json
        $keys = @($config.psobject.Properties.Name)
        $known = 'architectures', 'attention_probs_dropout_prob', 'classifier_dropout', 'hidden_act', 'hidden_dropout_prob', 'hidden_size',
            'id2label', 'initializer_range', 'intermediate_size', 'label2id', 'layer_norm_eps', 'max_position_embeddings', 'model_type',
            'num_attention_heads', 'num_hidden_layers', 'pad_token_id', 'position_embedding_type', 'problem_type', 'type_vocab_size', 'vocab_size'
        $keys | Should -Not -Contain 'HeadSize'
        foreach ($key in $keys) { $key | Should -BeIn $known }
        $keys | Should -Be @($keys | Sort-Object -CaseSensitive)
        $config.id2label.'0' | Should -Be 'check'
        $config.label2id.stop | Should -Be 2
    }
}
