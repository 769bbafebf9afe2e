BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    function script:New-TinyModel([long] $Seed = 5) { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed $Seed }

    $script:services = 'nginx', 'postgres', 'redis', 'spooler', 'sshd', 'cron'
    $script:verbs = 'restart', 'stop', 'start', 'check', 'reload'
    $script:hosts = 'web01', 'web02', 'db01', 'cache01', 'files01'
    # The verb decides the team: restart -> restart, stop/start -> power, check/reload -> inspect.
    function script:New-TicketRows([int] $Count, [int] $Seed) {
        $random = [Random]::new($Seed)
        for ($i = 0; $i -lt $Count; $i++) {
            $verb = $verbs[$random.Next(5)]
            $team = switch ($verb) { 'restart' { 'restart' } { $_ -in 'stop', 'start' } { 'power' } default { 'inspect' } }
            [pscustomobject]@{ summary = "$verb $($services[$random.Next(6)]) on $($hosts[$random.Next(5)]) then read logs"; team = $team }
        }
    }
    $script:trainCsv = Join-Path $TestDrive 'tickets-train.csv'
    $script:devCsv = Join-Path $TestDrive 'tickets-dev.csv'
    New-TicketRows 240 1 | Export-Csv $trainCsv -NoTypeInformation
    New-TicketRows 90 2 | Export-Csv $devCsv -NoTypeInformation

    function script:New-Conll([string] $Path, [int] $Count, [int] $Seed) {
        $random = [Random]::new($Seed)
        $lines = [Collections.Generic.List[string]]::new()
        $lines.Add('-DOCSTART- O'); $lines.Add('')
        for ($i = 0; $i -lt $Count; $i++) {
            $lines.Add("$($verbs[$random.Next(5)]) O"); $lines.Add("$($services[$random.Next(6)]) B-SVC")
            $lines.Add('on O'); $lines.Add("$($hosts[$random.Next(5)]) B-HOST")
            if ($random.Next(2) -eq 0) { $lines.Add('if O'); $lines.Add('disk B-ISSUE'); $lines.Add('full I-ISSUE') }
            $lines.Add('then O'); $lines.Add('page O'); $lines.Add('')
        }
        Set-Content -Path $Path -Value $lines
    }

    function script:Get-TerminatingError([scriptblock] $Action) {
        try { & $Action; throw 'expected a terminating error, but none was raised' }
        catch [System.Management.Automation.RuntimeException] {
            if ($_.Exception.Message -like 'expected a terminating error*') { throw }
            $_
        }
    }
}

Describe 'A fine-tuned model no better than a constant answer' {
    It 'warns when a regressor ends worse than always predicting the mean' {
        # Targets near 50: an all but untrained head predicts about 0, far worse than the mean.
        $random = [Random]::new(3)
        $rows = foreach ($i in 1..40) { [pscustomobject]@{ text = "$($verbs[$random.Next(5)]) $($services[$random.Next(6)])"; label = 50 + $random.NextDouble() } }
        $model = $rows | Invoke-FineTune -Model (New-TinyModel) -Task Regression -ValidationData (
            & { $csv = Join-Path $TestDrive 'regression-dev.csv'; $rows | Select-Object -First 20 | Export-Csv $csv -NoTypeInformation; $csv }) `
            -MaxSteps 1 -LearningRate 1e-7 -WarningVariable warnings 3>$null
        $model.Evaluations.Count | Should -BeGreaterThan 0
        $warning = @($warnings | Where-Object { "$_" -like '*constant*' })
        $warning.Count | Should -Be 1
        "$($warning[0])" | Should -BeLike '*validation MSE * is not below the constant baseline*always predicting the mean*'
    }

    It 'warns when a classifier is no better than the majority class, and names the metric' {
        # One class in nine: a classifier that learnt nothing predicts the majority class everywhere.
        $random = [Random]::new(4)
        $rows = foreach ($i in 1..45) { [pscustomobject]@{ text = "$($verbs[$random.Next(5)]) $($services[$random.Next(6)]) on $($hosts[$random.Next(5)])"; label = if ($i % 9) { 'routine' } else { 'urgent' } } }
        $dev = Join-Path $TestDrive 'imbalanced-dev.csv'
        $rows | Export-Csv $dev -NoTypeInformation
        $model = $rows | Invoke-FineTune -Model (New-TinyModel) -Task SequenceClassification -ValidationData $dev -Epochs 3 -LearningRate 1e-3 `
            -WarningVariable warnings 3>$null
        $last = $model.Evaluations[-1]
        $predictsOneClass = $last.Score -le $last.BaselineScore
        $warned = @($warnings | Where-Object { "$_" -like '*constant baseline*' }).Count -eq 1
        # The warning appears exactly when the score is not above the baseline's.
        $warned | Should -Be $predictsOneClass
        $predictsOneClass | Should -BeTrue -Because 'three epochs on label noise with one rare class collapse to the majority class'
        "$($warnings[0])" | Should -BeLike '*macro-F1*majority class*'
    }
}

Describe 'Invoke-FineTune' {
    It 'fine-tunes a fine-tuned classifier again for another task with a new head, which exports and imports as that task' {
        $classifier = New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $trainCsv -TextColumn summary -LabelColumn team -Epochs 1
        $scores = Join-Path $TestDrive 'scores.csv'
        Import-Csv $trainCsv | Select-Object -First 40 | ForEach-Object { [pscustomobject]@{ summary = $_.summary; score = $_.summary.Length / 60 } } |
            Export-Csv $scores -NoTypeInformation
        # The classifier's three-output head was registered once already; a second head used to fail with libtorch's 'Sub-module classifier is already registered'.
        $regressor = $classifier | Invoke-FineTune -Task Regression -TrainingData $scores -TextColumn summary -LabelColumn score -Epochs 1
        $regressor.Task | Should -Be 'Regression'
        $regressor.ParameterCount | Should -Be ((New-TinyModel).ParameterCount + (Get-TinyConfig $vocabSize).hidden_size + 1) -Because 'the old head is gone, the new one has one output'
        $out = Join-Path $TestDrive 'regressor'
        $regressor | Export-Checkpoint $out
        $back = Import-BertCheckpoint $out
        $back.Task | Should -Be 'Regression'
        (Get-Content (Join-Path $out 'config.json') -Raw | ConvertFrom-Json).problem_type | Should -Be 'regression'
    }

    It 'fine-tunes a sequence classifier from CSV files, far above the majority class, with evaluations ready for Export-Csv' {
        $model = New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $trainCsv -ValidationData $devCsv `
            -TextColumn summary -LabelColumn team -Epochs 8 -LearningRate 1e-3 -WarningVariable warnings
        $warnings | Where-Object { "$_" -like '*constant baseline*' } | Should -BeNullOrEmpty
        $model.Task | Should -Be 'SequenceClassification'
        $model.Labels | Should -Be @('inspect', 'power', 'restart')
        $model.Evaluations.Count | Should -Be 8
        $last = $model.Evaluations[-1]
        $majority = (Import-Csv $devCsv | Group-Object team | Measure-Object Count -Maximum).Maximum / 90
        Write-Host ("    accuracy {0:P1}, macro-F1 {1:F3} (majority class: accuracy {2:P1}, macro-F1 {3:F3})" -f $last.Accuracy, $last.MacroF1, $majority, $last.BaselineScore)
        $last.Accuracy | Should -BeGreaterOrEqual 0.9
        $last.Accuracy | Should -BeGreaterOrEqual ($majority + 0.4)
        $csv = Join-Path $TestDrive 'evaluations.csv'
        $model.Evaluations | Export-Csv $csv -NoTypeInformation
        $rows = Import-Csv $csv
        $rows.Count | Should -Be 8
        [double]$rows[-1].Accuracy | Should -Be $last.Accuracy
        $rows[0].Metric | Should -Be 'macro-F1'
        $model.Dispose()
    }

    It 'takes rows from the pipeline (Import-Csv) with the model named' {
        $model = New-TinyModel
        $out = Import-Csv $trainCsv | Invoke-FineTune -Model $model -Task SequenceClassification -TextColumn summary -LabelColumn team -Epochs 1 -LearningRate 1e-3
        $out | Should -Be $model
        $model.Labels | Should -Be @('inspect', 'power', 'restart')
        $model.StepsTrained | Should -Be 15
        $model.Dispose()
    }

    It 'reports the padding share and cuts it with -GroupByLength' {
        # Rows of one to six ticket sentences, so batches padded to their longest carry a lot of padding.
        $random = [Random]::new(3)
        $rows = New-TicketRows 96 5 | ForEach-Object { [pscustomobject]@{ summary = (@($_.summary) * $random.Next(1, 7)) -join ' . '; team = $_.team } }
        $padding = foreach ($group in $false, $true) {
            $model = New-TinyModel
            $verbose = $rows | Invoke-FineTune -Model $model -Task SequenceClassification -TextColumn summary -LabelColumn team -Epochs 1 `
                -GroupByLength:$group -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            $line = $verbose.Message | Where-Object { $_ -match '([\d.]+)\s?% of batch positions were padding' }
            $line | Should -Not -BeNullOrEmpty
            [double]$Matches[1]
            $model.History | ForEach-Object { $_.PaddingFraction | Should -BeGreaterOrEqual 0 }
            $model.Dispose()
        }
        Write-Host ("    padding: shuffled batches {0}%, grouped by length {1}%" -f $padding[0], $padding[1])
        $padding[0] | Should -BeGreaterThan 20
        $padding[1] | Should -BeLessThan ($padding[0] / 2)
    }

    It 'fine-tunes a tagger from CoNLL files and reaches high entity F1' {
        $train = Join-Path $TestDrive 'train.conll'; $dev = Join-Path $TestDrive 'dev.conll'
        New-Conll $train 200 7; New-Conll $dev 80 8
        $model = New-TinyModel | Invoke-FineTune -Task TokenClassification -TrainingData $train -ValidationData $dev -Epochs 8 -LearningRate 1e-3
        $last = $model.Evaluations[-1]
        Write-Host ("    entity F1 {0:F3} (tagging everything O: {1:F3})" -f $last.F1, $last.BaselineScore)
        $model.Architecture | Should -Be 'BertForTokenClassification'
        $model.Labels | Should -Contain 'I-ISSUE'
        $last.F1 | Should -BeGreaterOrEqual 0.95
        $last.BaselineScore | Should -Be 0
        $model.Dispose()
    }

    It 'exports a classifier that imports back with its task, labels and identical predictions; -WhatIf trains nothing' {
        $job = Join-Path $TestDrive 'job'
        $model = New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $trainCsv -ValidationData $devCsv `
            -TextColumn summary -LabelColumn team -Epochs 5 -LearningRate 1e-3 -OutputPath $job
        Join-Path $job 'best/config.json' | Should -Exist
        $out = Join-Path $TestDrive 'tickets-classifier'
        $model | Export-Checkpoint $out
        $config = Get-Content -Raw (Join-Path $out 'config.json') | ConvertFrom-Json
        $config.architectures | Should -Be 'BertForSequenceClassification'
        $config.problem_type | Should -Be 'single_label_classification'
        $config.id2label.'2' | Should -Be 'restart'
        $config.label2id.power | Should -Be 1
        $imported = Import-BertCheckpoint $out -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        $imported.Task | Should -Be 'SequenceClassification'
        $imported.Labels | Should -Be $model.Labels
        # The round trip gives identical predictions, scores included.
        $texts = (Import-Csv $devCsv).summary
        $before = $texts | Invoke-BertClassifier -Model $model
        $after = $texts | Invoke-BertClassifier -Model $imported
        $after.Label | Should -Be $before.Label
        $after.Score | Should -Be $before.Score
        ($before.Label | Sort-Object -Unique).Count | Should -BeGreaterThan 1
        $again = $imported | Invoke-FineTune -Task SequenceClassification -TrainingData $trainCsv -ValidationData $devCsv `
            -TextColumn summary -LabelColumn team -MaxSteps 1 -WhatIf
        $imported.StepsTrained | Should -Be 0 # -WhatIf trains nothing
        $model.Dispose(); $imported.Dispose()
    }
}

Describe 'Invoke-FineTune with bad rows' {
    It 'stops at a row without a label, naming the file and line' {
        $bad = Join-Path $TestDrive 'bad.csv'
        Set-Content $bad "summary,team`nrestart nginx on web01,restart`nstop cron on db01,`n"
        $e = Get-TerminatingError { New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $bad -TextColumn summary -LabelColumn team -Epochs 1 }
        $e.FullyQualifiedErrorId | Should -Be 'FineTuneRowInvalid,BertAdapt.PowerShell.Commands.InvokeFineTuneCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -BeLike '*bad.csv:3*'
    }

    It 'skips invalid rows with -SkipInvalidRows and says how many' {
        $bad = Join-Path $TestDrive 'bad2.csv'
        Set-Content $bad "summary,team`nrestart nginx on web01,restart`nstop cron on db01,`n,power`ncheck redis on db01,inspect`n"
        $model = New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $bad -TextColumn summary -LabelColumn team -Epochs 1 -SkipInvalidRows -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -BeLike '*skipped 2 rows*bad2.csv:3*'
        $model.StepsTrained | Should -Be 1
    }

    It 'stops at a validation label the training data does not have' {
        $dev = Join-Path $TestDrive 'dev-unknown.csv'
        Set-Content $dev "summary,team`nrestart nginx on web01,restart`nreload sshd on web02,networking`n"
        $e = Get-TerminatingError { New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $trainCsv -ValidationData $dev -TextColumn summary -LabelColumn team -Epochs 1 }
        $e.FullyQualifiedErrorId | Should -BeLike 'FineTuneLabelUnknown,*'
        $e.Exception.Message | Should -BeLike '*dev-unknown.csv:3*networking*'
    }

    It 'names a missing column and lists the ones there are' {
        $e = Get-TerminatingError { New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $trainCsv -TextColumn body -LabelColumn team -Epochs 1 }
        $e.FullyQualifiedErrorId | Should -BeLike 'FineTuneColumnNotFound,*'
        $e.Exception.Message | Should -BeLike '*body*summary*'
    }
}
