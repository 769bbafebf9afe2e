# Compare-BertAdaptation end to end on a tiny model: the report's numbers against each run's own
# metrics.jsonl and an independent Measure-Perplexity, and a study killed midway that, run again,
# finishes without redoing the runs that had finished.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $vocabSize = New-TinyVocabulary $vocab
    $script:config = Join-Path $TestDrive 'config.json'
    Get-TinyConfig $vocabSize | ConvertTo-Json | Set-Content $config
    $script:domain = Join-Path $TestDrive 'domain.txt'
    New-TinyCorpus $domain -Documents 30 -Seed 11
    $script:heldOut = Join-Path $TestDrive 'domain-heldout.txt'
    New-TinyCorpus $heldOut -Documents 8 -Seed 12
    # A regression task, so that every seed gets a score of its own (Pearson r) rather than the
    # few values a 12-row classification can take: the verb decides the score, plus a little noise.
    $rows = foreach ($i in 1..48) {
        $verb = $i % 3
        [pscustomobject]@{ summary = "$('restart', 'stop', 'check' | Select-Object -Index $verb) the nginx service on web0$($i % 2)"; score = $verb + ($i % 5) / 10 }
    }
    $script:train = Join-Path $TestDrive 'score-train.csv'
    $script:dev = Join-Path $TestDrive 'score-dev.csv'
    $rows | Select-Object -First 36 | Export-Csv $train -NoTypeInformation
    $rows | Select-Object -Last 12 | Export-Csv $dev -NoTypeInformation
    $script:cache = Join-Path $TestDrive 'cache'
    $script:manifest = Join-Path $PSScriptRoot '../../BertAdapt.psd1'

    # One study, the same in this process and in the child processes. One thread everywhere, so
    # that every run of it computes exactly the same numbers.
    $script:studyArguments = @{
        DomainCorpus = $domain; DomainValidationCorpus = $heldOut; ReferenceCorpus = $heldOut
        TrainingData = $train; ValidationData = $dev; TextColumn = 'summary'; LabelColumn = 'score'; Task = 'Regression'
        Strategy = 'FineTuneOnly', 'DomainMlm'; Seeds = 1, 2; PretrainSteps = 3; PretrainBatchSize = 4; SequenceLength = 32
        PretrainLearningRate = 1e-3; Epochs = 2; BatchSize = 8; MaxLength = 32; LearningRate = 1e-3; CacheDirectory = $cache; Threads = 1
        # The tiny fixtures are made from a few templates, so every validation text is in the
        # domain corpus: the leakage check would stop the study (its own test is below).
        AllowOverlap = $true
    }
    function script:New-BaseModel { New-BertModel -Config $config -Vocabulary $vocab -Seed 1 }

    # The last validation score of each fine-tuning run, read straight from its metrics.jsonl.
    function script:Get-RunScore([string] $Folder) {
        $lines = @(Get-Content (Join-Path $Folder 'metrics.jsonl') | ForEach-Object { $_ | ConvertFrom-Json })
        $run = (Get-Content (Join-Path $Folder 'run.json') | ConvertFrom-Json).RunId
        @($lines | Where-Object { $_.run_id -eq $run -and $null -ne $_.validation_score })[-1].validation_score
    }

    function script:Get-RunTokens([string] $Folder) {
        $run = (Get-Content (Join-Path $Folder 'run.json') | ConvertFrom-Json).RunId
        (Get-Content (Join-Path $Folder 'metrics.jsonl') | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object run_id -EQ $run | Measure-Object tokens -Sum).Sum
    }

    # report.html of a study folder against its runs.csv, each run's metrics.jsonl and the reports:
    # each seed's cell names its run and holds its exact score, each strategy's row its mean and verdict.
    function script:Test-StudyPage([string] $Study, [object[]] $Expected) {
        $page = Join-Path $Study 'report.html'
        $page | Should -Exist
        $html = Get-Content $page -Raw
        $html | Should -Not -Match '<script'
        $html | Should -Not -Match 'https?://'
        $rows = @(Import-Csv (Join-Path $Study 'runs.csv') | Where-Object Kind -EQ 'FineTune')
        $rows | Should -HaveCount 4
        foreach ($row in $rows) {
            $cell = [regex]::Match($html, "<li data-run=""$([regex]::Escape($row.Folder))"">seed $($row.Seed): <data value=""([^""]+)"">")
            $cell.Success | Should -BeTrue -Because "$($row.Folder) has a seed cell in report.html"
            $cell.Groups[1].Value | Should -Be $row.Score
            [double]$cell.Groups[1].Value | Should -Be (Get-RunScore (Join-Path $Study "runs/$($row.Folder)"))
        }
        foreach ($report in $Expected) {
            $label = if ($null -eq $report.MaskProbability) { "$($report.Strategy)" } else { "$($report.Strategy) masking $($report.MaskProbability)" }
            $row = [regex]::Match($html, "<tr data-strategy=""$label"">.*?</tr>", 'Singleline').Value
            $row | Should -Not -BeNullOrEmpty -Because "$label has a row"
            [double]([regex]::Match($row, '<td class="mean"><data value="([^"]+)"').Groups[1].Value) | Should -Be $report.MetricMean
            $row | Should -Match ([regex]::Escape("<td class=""verdict verdict-$($report.Verdict)"">$($report.Verdict)</td>"))
        }
        $html
    }

    $script:studyScript = Join-Path $TestDrive 'study.ps1'
    $script:argumentText = ($studyArguments.GetEnumerator() | ForEach-Object {
            $value = @($_.Value | ForEach-Object { if ($_ -is [string]) { "'$_'" } elseif ($_ -is [bool]) { "`$$_" } else { [string]$_ } }) -join ', '
            "$($_.Key) = $value"
        }) -join '; '
    @"
param([string] `$Out)
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
`$study = @{ $argumentText }
New-BertModel -Config '$config' -Vocabulary '$vocab' -Seed 1 | Compare-BertAdaptation @study -OutputPath `$Out -WarningAction SilentlyContinue | Out-Null
'finished'
"@ | Set-Content $studyScript

    function script:Start-Study([string] $Out) {
        $launcher = Get-PwshLauncher
        $info = [Diagnostics.ProcessStartInfo]::new($launcher[0])
        foreach ($a in @($launcher | Select-Object -Skip 1) + '-NoProfile', '-NonInteractive', '-File', $studyScript, '-Out', $Out) { $info.ArgumentList.Add($a) }
        $info.Environment['OMP_NUM_THREADS'] = '1'
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardError = $true
        [Diagnostics.Process]::Start($info)
    }

    function script:Wait-Study([Diagnostics.Process] $Process) {
        $stdout = $Process.StandardOutput.ReadToEndAsync()
        $stderr = $Process.StandardError.ReadToEndAsync()
        $Process.WaitForExit()
        [pscustomobject]@{ ExitCode = $Process.ExitCode; Output = $stdout.Result + $stderr.Result }
    }

    # The uninterrupted study, run in this process.
    $script:whole = Join-Path $TestDrive 'whole'
    $script:reports = @(New-BaseModel | Compare-BertAdaptation @studyArguments -OutputPath $whole -WarningVariable studyWarnings -WarningAction SilentlyContinue)
    $script:warnings = $studyWarnings
}

Describe 'A miniature comparison: two strategies, two seeds' {
    It 'writes one report per strategy, FineTuneOnly first, and warns about too few seeds' {
        $reports | Should -HaveCount 2
        $reports[0].Strategy | Should -Be 'FineTuneOnly'
        $reports[0].Verdict | Should -Be 'Baseline'
        $reports[1].Strategy | Should -Be 'DomainMlm'
        $reports[1].MaskProbability | Should -Be 0.15
        @($warnings | Where-Object { "$_" -like '*2 seed(s)*at least 3*' }) | Should -HaveCount 1
    }

    It 'gives each seed the score of its run''s last evaluation in metrics.jsonl, and their mean and spread' {
        foreach ($report in $reports) {
            $folders = @($report.Runs -split ' ' | Where-Object { $_ -like 'finetune-*' })
            $folders | Should -HaveCount 2
            $scores = @($folders | ForEach-Object { Get-RunScore (Join-Path $whole "runs/$_") })
            @($report.SeedScores) | Should -Be $scores
            $report.Metric | Should -Be 'Pearson r'
            $scores[0] | Should -Not -Be $scores[1] -Because 'the seeds must differ for the spread to mean something'
            $report.MetricMean | Should -BeLessOrEqual 1
            [math]::Abs($report.MetricMean - ($scores[0] + $scores[1]) / 2) | Should -BeLessThan 1e-12
            [math]::Abs($report.MetricStdDev - [math]::Abs($scores[0] - $scores[1]) / [math]::Sqrt(2)) | Should -BeLessThan 1e-12
        }
    }

    It 'compares DomainMlm with FineTuneOnly by a Welch interval around the difference, and the verdict follows it' {
        $only, $adapted = $reports
        [math]::Abs($adapted.Difference - ($adapted.MetricMean - $only.MetricMean)) | Should -BeLessThan 1e-12
        $adapted.Comparison | Should -Be "Welch's t, 95%, against FineTuneOnly"
        [math]::Abs(($adapted.DifferenceHigh - $adapted.Difference) - ($adapted.Difference - $adapted.DifferenceLow)) | Should -BeLessThan 1e-9
        $expected = if ($adapted.DifferenceLow -gt 0) { 'Better' } elseif ($adapted.DifferenceHigh -lt 0) { 'Worse' } else { 'WithinNoise' }
        $adapted.Verdict | Should -Be $expected
        # Two seeds a side: Welch's degrees of freedom are between 1 and 2, so the half width is
        # between t(0.975, 2) = 4.303 and t(0.975, 1) = 12.706 standard errors.
        $se = [math]::Sqrt(($adapted.MetricStdDev * $adapted.MetricStdDev + $only.MetricStdDev * $only.MetricStdDev) / 2)
        $se | Should -BeGreaterThan 0
        $half = ($adapted.DifferenceHigh - $adapted.DifferenceLow) / 2
        $half / $se | Should -BeGreaterOrEqual 4.30
        $half / $se | Should -BeLessOrEqual 12.71
    }

    It 'pre-trains once and starts both fine-tuning seeds from that model' {
        $pretrain = @(Get-ChildItem (Join-Path $whole 'runs') -Directory -Filter 'pretrain-*')
        $pretrain.Name | Should -Be 'pretrain-DomainMlm-m0.15'
        foreach ($seed in 1, 2) {
            (Get-Content (Join-Path $whole "runs/finetune-DomainMlm-m0.15-s$seed/run.json") | ConvertFrom-Json).StartedFrom | Should -Be 'pretrain-DomainMlm-m0.15'
            (Get-Content (Join-Path $whole "runs/finetune-FineTuneOnly-s$seed/run.json") | ConvertFrom-Json).StartedFrom | Should -Be 'base-model'
        }
        @(Get-Content (Join-Path $whole 'runs/pretrain-DomainMlm-m0.15/metrics.jsonl')) | Should -HaveCount 3
        $reports[1].PretrainSteps | Should -Be 3
        $reports[1].PretrainBudget | Should -Be '3 steps of 4 x 32 tokens'
    }

    It 'counts the tokens of the runs'' metrics files' {
        $pretrainTokens = Get-RunTokens (Join-Path $whole 'runs/pretrain-DomainMlm-m0.15')
        $reports[1].PretrainTokens | Should -Be $pretrainTokens
        $reports[0].PretrainTokens | Should -Be 0
        foreach ($report in $reports) {
            $fineTune = ($report.Runs -split ' ' | Where-Object { $_ -like 'finetune-*' } | ForEach-Object { Get-RunTokens (Join-Path $whole "runs/$_") } | Measure-Object -Sum).Sum
            $report.FineTuneTokens | Should -Be $fineTune
            $report.TokensProcessed | Should -Be ($report.PretrainTokens + $fineTune)
            $report.WallSeconds | Should -BeGreaterThan 0
        }
    }

    It 'measures perplexity before and after as Measure-Perplexity does at 15% with seed 0' {
        $base = Join-Path $whole 'base-model'
        $checkpoint = (Get-Content (Join-Path $whole 'runs/pretrain-DomainMlm-m0.15/run.json') | ConvertFrom-Json).Checkpoint
        $after = Join-Path $whole "runs/pretrain-DomainMlm-m0.15/$checkpoint"
        $measure = @{ Corpus = $heldOut; SequenceLength = 32; BatchSize = 32; MaskProbability = 0.15; Seed = 0; CacheDirectory = $cache; Threads = 1 }
        $before = (Measure-Perplexity -Model $base @measure).Perplexity
        $trained = (Measure-Perplexity -Model $after @measure).Perplexity
        foreach ($report in $reports) {
            $report.DomainPerplexityBefore | Should -Be $before
            $report.ReferencePerplexityBefore | Should -Be $before
        }
        $reports[1].DomainPerplexityAfter | Should -Be $trained
        $reports[1].ReferencePerplexityAfter | Should -Be $trained
        $reports[0].DomainPerplexityAfter | Should -BeNullOrEmpty
        $trained | Should -BeLessThan $before -Because 'three steps at 1e-3 on this text lower its perplexity'
    }

    It 'writes runs.csv and study.json with every run''s numbers' {
        $rows = @(Import-Csv (Join-Path $whole 'runs.csv'))
        $rows | Should -HaveCount 6
        $rows[0].Kind | Should -Be 'Base'
        ($rows | Where-Object Kind -EQ 'Pretrain').Folder | Should -Be 'pretrain-DomainMlm-m0.15'
        foreach ($row in $rows | Where-Object Kind -EQ 'FineTune') {
            [double]$row.Score | Should -Be (Get-RunScore (Join-Path $whole "runs/$($row.Folder)"))
        }
        $json = Get-Content (Join-Path $whole 'study.json') -Raw | ConvertFrom-Json
        $json.Runs | Should -HaveCount 6
        $json.Strategies | Should -HaveCount 2
        $json.Strategies[1].MetricMean | Should -Be $reports[1].MetricMean
    }

    It 'writes report.html whose numbers are the runs'' own: runs.csv, each metrics.jsonl and the reports' {
        $html = Test-StudyPage $whole $reports
        # The leakage check, run with -AllowOverlap, found 2 of the 12 validation texts in the domain corpus.
        $html | Should -Match '<th scope="row">domain</th><td><data value="12">12</data></td><td><data value="2">2</data></td>'
        $html | Should -Match '<strong id="allow-overlap">yes</strong>'
    }

    It 'records the length fine-tuning trains at, -MaxLength, in the study''s settings' {
        $settings = (Get-Content (Join-Path $whole 'study.json') -Raw | ConvertFrom-Json).Settings
        $settings.'Fine-tuning Sequence length' | Should -Be '32'
        $settings.Encoding | Should -BeLike 'max length 32,*'
    }

    It 'survives Export-Csv, and shows as a table' {
        $csv = Join-Path $TestDrive 'reports.csv'
        $reports | Export-Csv $csv -NoTypeInformation
        $back = @(Import-Csv $csv)
        $back[1].SeedScores | Should -Be $reports[1].SeedScores.ToString()
        $back[1].Verdict | Should -Be "$($reports[1].Verdict)"
        $text = $reports | Out-String -Width 200
        foreach ($label in 'Strategy', 'Mean', 'StdDev', '95% interval', 'Verdict', 'Domain PPL') { $text | Should -Match ([regex]::Escape($label)) }
    }

    It 'gives the same reports when run again, training nothing' {
        $stamp = (Get-Item (Join-Path $whole 'runs/finetune-FineTuneOnly-s1/metrics.jsonl')).LastWriteTimeUtc
        $again = @(New-BaseModel | Compare-BertAdaptation @studyArguments -OutputPath $whole -WarningAction SilentlyContinue)
        $again[1].SeedScores | Should -Be @($reports[1].SeedScores)
        $again[1].DifferenceLow | Should -Be $reports[1].DifferenceLow
        (Get-Item (Join-Path $whole 'runs/finetune-FineTuneOnly-s1/metrics.jsonl')).LastWriteTimeUtc | Should -Be $stamp
    }

    It 'refuses the same folder with other settings: AdaptationStudyChanged, naming the change' {
        $changed = $studyArguments.Clone()
        $changed.Epochs = 3
        $record = try { New-BaseModel | Compare-BertAdaptation @changed -OutputPath $whole -WarningAction SilentlyContinue; $null } catch { $_ }
        $record | Should -Not -BeNullOrEmpty
        $record.FullyQualifiedErrorId | Should -BeLike 'AdaptationStudyChanged,*'
        "$record" | Should -Match 'Fine-tuning epochs: 2 -> 3'
    }

    It 'collects the same reports from the folder alone with -Collect, and writes report.html again' {
        Remove-Item (Join-Path $whole 'report.html')
        $collected = @(Compare-BertAdaptation -Collect $whole)
        $null = Test-StudyPage $whole $reports
        $collected | Should -HaveCount 2
        for ($i = 0; $i -lt 2; $i++) {
            $collected[$i].SeedScores.ToString() | Should -Be $reports[$i].SeedScores.ToString()
            $collected[$i].DifferenceLow | Should -Be $reports[$i].DifferenceLow
            $collected[$i].DomainPerplexityAfter | Should -Be $reports[$i].DomainPerplexityAfter
            $collected[$i].PretrainBudget | Should -Be $reports[$i].PretrainBudget
        }
        $record = try { Compare-BertAdaptation -Collect (Join-Path $TestDrive 'no-study'); $null } catch { $_ }
        $record.FullyQualifiedErrorId | Should -BeLike 'AdaptationStudyNotFound,*'
    }

    It 'needs a pre-training budget for a pre-training strategy: AdaptationBudgetInvalid' {
        $noBudget = $studyArguments.Clone()
        $noBudget.Remove('PretrainSteps')
        $record = try { New-BaseModel | Compare-BertAdaptation @noBudget -OutputPath (Join-Path $TestDrive 'nobudget') -WarningAction SilentlyContinue; $null } catch { $_ }
        $record.FullyQualifiedErrorId | Should -BeLike 'AdaptationBudgetInvalid,*'
        $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'A comparison written as job files and run by a scheduler' {
    BeforeAll {
        $script:jobStudy = Join-Path $TestDrive 'jobs-study'
        $script:jobFolder = Join-Path $TestDrive 'jobs'
        $script:jobs = @(New-BaseModel | Compare-BertAdaptation @studyArguments -OutputPath $jobStudy -AsJobFiles $jobFolder -WarningAction SilentlyContinue)
        $script:index = @(Import-Csv (Join-Path $jobFolder 'index.csv'))
        $script:runner = Join-Path $PSScriptRoot '../../examples/study/Start-StudyJobs.ps1'
        function script:Get-FinishedRun { @(Get-ChildItem (Join-Path $jobStudy 'runs') -Recurse -Filter 'run.json' -ErrorAction Ignore) }
    }

    It 'does the set-up and writes one job per run in waves, training nothing' {
        $jobs | Should -HaveCount 5
        $index.Run | Should -Be $jobs.Run
        $index.Run | Should -Be 'pretrain-DomainMlm-m0.15', 'finetune-FineTuneOnly-s1', 'finetune-FineTuneOnly-s2', 'finetune-DomainMlm-m0.15-s1', 'finetune-DomainMlm-m0.15-s2'
        $index.Wave | Should -Be '1', '1', '1', '2', '2'
        $index.TaskIndex | Should -Be '0', '1', '2', '0', '1'
        $index.DependsOn | Should -Be '', '', '', 'pretrain-DomainMlm-m0.15', 'pretrain-DomainMlm-m0.15'
        $index.RunFolder | Should -Be ($index.Run | ForEach-Object { "../jobs-study/runs/$_" })
        foreach ($entry in $index) { Join-Path $jobFolder $entry.JobFile | Should -Exist }
        Join-Path $jobStudy 'base-model.json' | Should -Exist
        Join-Path $jobStudy 'study-plan.json' | Should -Exist
        Get-FinishedRun | Should -BeNullOrEmpty
        $job = Get-Content (Join-Path $jobFolder 'finetune-DomainMlm-m0.15-s2.job.yaml') -Raw
        $job | Should -Match "checkpoint: '../jobs-study/base-model'"
        $job | Should -Match "run: \['finetune-DomainMlm-m0.15-s2'\]"
        $job | Should -Not -Match ([regex]::Escape($TestDrive)) -Because 'a job''s paths are relative to its file, for other machines that mount the folder elsewhere'
    }

    It 'lists a study job under -WhatIf without running it' {
        Invoke-BertJob -Path (Join-Path $jobFolder 'finetune-FineTuneOnly-s1.job.yaml') -WhatIf | Should -BeNullOrEmpty
        Get-FinishedRun | Should -BeNullOrEmpty
        Join-Path $jobStudy 'runs/finetune-FineTuneOnly-s1' | Should -Not -Exist
    }

    It 'fails a job whose prerequisite has not finished, before it trains: AdaptationRunNotReady' {
        $record = try { Invoke-BertJob -Path (Join-Path $jobFolder 'finetune-DomainMlm-m0.15-s1.job.yaml') -WarningAction SilentlyContinue; $null } catch { $_ }
        $record | Should -Not -BeNullOrEmpty
        $record.FullyQualifiedErrorId | Should -BeLike 'AdaptationRunNotReady,*'
        $record.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        "$record" | Should -Match 'pretrain-DomainMlm-m0.15, which has not finished'
        Join-Path $jobStudy 'runs/finetune-DomainMlm-m0.15-s1/metrics.jsonl' | Should -Not -Exist
    }

    It 'refuses a run the study does not plan, and -Run with -AsJobFiles: AdaptationRunInvalid' {
        $record = try { New-BaseModel | Compare-BertAdaptation @studyArguments -OutputPath $jobStudy -Run 'finetune-TaskMlm-m0.15-s1' -WarningAction SilentlyContinue; $null } catch { $_ }
        $record.FullyQualifiedErrorId | Should -BeLike 'AdaptationRunInvalid,*'
        "$record" | Should -Match 'finetune-FineTuneOnly-s1'
        $record = try { New-BaseModel | Compare-BertAdaptation @studyArguments -OutputPath $jobStudy -AsJobFiles $jobFolder -Run 'finetune-FineTuneOnly-s1' -WarningAction SilentlyContinue; $null } catch { $_ }
        $record.FullyQualifiedErrorId | Should -BeLike 'AdaptationRunInvalid,*'
        $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'runs every job as parallel Start-Jobs, wave by wave, and -Collect gives the one-process table' {
        # Three processes at once on one study folder: a study lock they did not share would fail two of them with OutputPathLocked.
        $results = @(& $runner -JobFolder $jobFolder -ThrottleLimit 3)
        $results | Should -HaveCount 5
        $results | ForEach-Object { $_.State | Should -Be 'Completed' -Because "$($_.Run): $($_.Error)" }
        $results.Wave | Should -Be 1, 1, 1, 2, 2
        Get-FinishedRun | Should -HaveCount 5

        $collected = @(Compare-BertAdaptation -Collect $jobStudy)
        $collected | Should -HaveCount 2
        # No job writes the study's result files: -Collect does, from the runs' records, with the set-up's leakage check.
        Test-StudyPage $jobStudy $collected | Should -Match '<strong id="allow-overlap">yes</strong>'
        $jobRows = @(Import-Csv (Join-Path $jobStudy 'runs.csv'))
        $wholeRows = @(Import-Csv (Join-Path $whole 'runs.csv'))
        $jobRows.Folder | Should -Be $wholeRows.Folder
        $jobRows.Score | Should -Be $wholeRows.Score -Because 'each seed computes the same in a job as in one process'
        $jobJson = Get-Content (Join-Path $jobStudy 'study.json') -Raw | ConvertFrom-Json
        $wholeJson = Get-Content (Join-Path $whole 'study.json') -Raw | ConvertFrom-Json
        $jobJson.Strategies.MetricMean | Should -Be $wholeJson.Strategies.MetricMean
        $jobJson.AllowOverlap | Should -BeTrue
        $jobJson.Overlap.Corpus | Should -Be $wholeJson.Overlap.Corpus
        $jobJson.Overlap.LeakedTexts | Should -Be $wholeJson.Overlap.LeakedTexts
        for ($i = 0; $i -lt 2; $i++) {
            $collected[$i].Strategy | Should -Be $reports[$i].Strategy
            @($collected[$i].SeedScores) | Should -Be @($reports[$i].SeedScores) -Because 'each seed computes the same in a job as in one process'
            $collected[$i].MetricMean | Should -Be $reports[$i].MetricMean
            $collected[$i].DifferenceLow | Should -Be $reports[$i].DifferenceLow
            $collected[$i].Verdict | Should -Be $reports[$i].Verdict
            $collected[$i].DomainPerplexityAfter | Should -Be $reports[$i].DomainPerplexityAfter
            $collected[$i].PretrainTokens | Should -Be $reports[$i].PretrainTokens
        }
    }

    It 'submits one Slurm job array per wave, each after the last, and a task runs the run of its SLURM_ARRAY_TASK_ID' -Skip:(-not $IsLinux) {
        # Stand-ins on PATH: an sbatch that records its arguments, and pwsh as this test's launcher.
        $bin = Join-Path $TestDrive 'slurm-bin'
        New-Item -ItemType Directory $bin -Force | Out-Null
        $log = Join-Path $bin 'sbatch.log'
        "#!/usr/bin/env bash`nn=`$((`$(wc -l < '$log' 2>/dev/null || echo 0) + 41))`necho `"`$*`" >> '$log'`necho `"`$n;cluster`"`n" | Set-Content (Join-Path $bin 'sbatch')
        $launcher = Get-PwshLauncher
        "#!/bin/sh`nexec $(($launcher | ForEach-Object { "'$_'" }) -join ' ') `"`$@`"`n" | Set-Content (Join-Path $bin 'pwsh')
        chmod +x (Join-Path $bin 'sbatch') (Join-Path $bin 'pwsh')
        $scripts = Join-Path $PSScriptRoot '../../examples/study'
        $env:PATH = "$bin$([IO.Path]::PathSeparator)$($env:PATH)"
        try {
            $output = bash (Join-Path $scripts 'submit-slurm.sh') $jobFolder --partition=test 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "$output"
            $calls = @(Get-Content $log)
            $calls | Should -HaveCount 2
            $calls[0] | Should -Match '--array=0-2 .*STUDY_WAVE=1,'
            $calls[0] | Should -Not -Match 'dependency'
            $calls[1] | Should -Match '--array=0-1 .*STUDY_WAVE=2,.* --dependency=afterok:41 '
            $calls | ForEach-Object { $_ | Should -Match '--partition=test .*study-job\.sbatch$' }

            $env:STUDY_JOBS = $jobFolder; $env:STUDY_WAVE = '2'; $env:STUDY_SCRIPTS = $scripts; $env:BERTADAPT_MODULE = $manifest
            $env:SLURM_ARRAY_TASK_ID = '1'
            $task = bash (Join-Path $scripts 'study-job.sbatch') 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "$task"
            "$task" | Should -Match 'finetune-DomainMlm-m0.15-s2' -Because 'task 1 of wave 2 is the second DomainMlm fine-tuning run, finished already'
            $env:SLURM_ARRAY_TASK_ID = '2'
            $task = bash (Join-Path $scripts 'study-job.sbatch') 2>&1
            $LASTEXITCODE | Should -Be 1
            "$task" | Should -Match 'no run 2 in wave 2'
        }
        finally {
            $env:PATH = $env:PATH.Substring($bin.Length + 1)
            'STUDY_JOBS', 'STUDY_WAVE', 'STUDY_SCRIPTS', 'BERTADAPT_MODULE', 'SLURM_ARRAY_TASK_ID' | ForEach-Object { Remove-Item "env:$_" -ErrorAction Ignore }
        }
    }

    It 'skips a finished run when its job runs again' {
        $file = Join-Path $jobStudy 'runs/finetune-FineTuneOnly-s2/metrics.jsonl'
        $before = (Get-FileHash $file).Hash
        $record = Invoke-BertJob -Path (Join-Path $jobFolder 'finetune-FineTuneOnly-s2.job.yaml') -WarningAction SilentlyContinue
        $record.Folder | Should -Be 'finetune-FineTuneOnly-s2'
        $record.Score | Should -Be (Get-Content (Join-Path $jobStudy 'runs/finetune-FineTuneOnly-s2/run.json') | ConvertFrom-Json).Score
        (Get-FileHash $file).Hash | Should -Be $before
    }
}

Describe 'The leakage check of a comparison' {
    It 'stops before anything trains when validation text is in the domain corpus: AdaptationCorpusOverlap' {
        $leaky = $studyArguments.Clone()
        $leaky.Remove('AllowOverlap')
        $out = Join-Path $TestDrive 'leaky'
        $record = try { New-BaseModel | Compare-BertAdaptation @leaky -OutputPath $out -WarningAction SilentlyContinue; $null } catch { $_ }
        $record | Should -Not -BeNullOrEmpty
        $record.FullyQualifiedErrorId | Should -BeLike 'AdaptationCorpusOverlap,*'
        $record.CategoryInfo.Category | Should -Be 'InvalidData'
        # The tiny corpus pairs nginx with "restart" on web01 only, so of the validation rows
        # ("restart|stop|check the nginx service on web00|web01", six texts twice) rows 3 and 9 are in it.
        "$record" | Should -Match 'the domain corpus holds 2 of the 12 validation texts \(0 exact, 2 near copies\)'
        "$record" | Should -Match ([regex]::Escape("$dev, row 3 at $domain" + ':'))
        @(Get-ChildItem (Join-Path $out 'runs') -Directory) | Should -HaveCount 0 -Because 'nothing may train before the check'
    }

    It 'runs with -AllowOverlap, warns, and records the overlap in study.json' {
        @($warnings | Where-Object { "$_" -like '*Validation text is in a pre-training corpus (-AllowOverlap)*domain corpus*' }) | Should -HaveCount 1
        $overlap = @((Get-Content (Join-Path $whole 'study.json') -Raw | ConvertFrom-Json).Overlap)
        $overlap | Should -HaveCount 1
        $overlap[0].Corpus | Should -Be 'domain'
        $overlap[0].HeldOutTexts | Should -Be 12
        $overlap[0].LeakedTexts | Should -Be 2
        $overlap[0].Matches.HeldOutSource | Should -Be @("$dev, row 3", "$dev, row 9")
        $overlap[0].Matches[0].Kind | Should -Be 'Contained' 
    }

    It 'passes a domain corpus without the validation texts' {
        $clean = Join-Path $TestDrive 'clean-domain.txt'
        "Rotate the TLS certificates of the load balancers every ninety days.`n`nPatch the kernel and reboot the hosts one rack at a time." | Set-Content $clean
        $study = $studyArguments.Clone()
        $study.Remove('AllowOverlap')
        $study.DomainCorpus = $clean
        $study.Strategy = 'DomainMlm'
        $study.Seeds = 1
        $study.Epochs = 1
        $out = Join-Path $TestDrive 'clean-study'
        $reports = @(New-BaseModel | Compare-BertAdaptation @study -OutputPath $out -WarningVariable cleanWarnings -WarningAction SilentlyContinue)
        $reports | Should -HaveCount 1
        @($cleanWarnings | Where-Object { "$_" -like '*Validation text*' }) | Should -HaveCount 0
        @((Get-Content (Join-Path $out 'study.json') -Raw | ConvertFrom-Json).Overlap)[0].LeakedTexts | Should -Be 0
    }
}

Describe 'The plan of a comparison: -Plan and -WhatIf' {
    BeforeAll {
        # The plan, then the study it plans, in the same process and conditions (the study above
        # has warmed this process up). The study takes about a second, which other processes on
        # a loaded machine can double, so plan and study go three times, one after the other,
        # and the medians count (the calibration itself takes the median of its repeats).
        $script:planned = Join-Path $TestDrive 'planned'
        $plans = @()
        $studies = foreach ($repeat in 1..3) {
            $out = if ($repeat -eq 1) { $planned } else { Join-Path $TestDrive "planned-$repeat" }
            $plans += New-BaseModel | Compare-BertAdaptation @studyArguments -OutputPath $out -Plan -WarningAction SilentlyContinue
            if ($repeat -eq 1) { $script:createdByPlan = Test-Path $planned }
            $model = New-BaseModel
            $start = [DateTime]::UtcNow
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $null = $model | Compare-BertAdaptation @studyArguments -OutputPath $out -WarningAction SilentlyContinue
            $seconds = $clock.Elapsed.TotalSeconds
            # Each run's own wall time: the runs go one after another, and each writes its record as it finishes.
            $rows = @(Import-Csv (Join-Path $out 'runs.csv'))
            $finished = @($rows | ForEach-Object { (Get-Item $(if ($_.Kind -eq 'Base') { Join-Path $out 'base-model.json' } else { Join-Path $out "runs/$($_.Folder)/run.json" })).LastWriteTimeUtc })
            $kinds = @{ Total = $seconds }
            for ($i = 0; $i -lt $rows.Count; $i++) {
                $kinds[$rows[$i].Kind] += ($finished[$i] - $(if ($i -eq 0) { $start } else { $finished[$i - 1] })).TotalSeconds
            }
            $kinds
        }
        function script:Get-Median([double[]] $Values) { $sorted = $Values | Sort-Object; $sorted[[int][math]::Floor($sorted.Count / 2)] }
        $script:took = @{}
        foreach ($kind in 'Total', 'Base', 'Pretrain', 'FineTune') { $took[$kind] = Get-Median @($studies | ForEach-Object { $_[$kind] }) }
        $script:plan = $plans | Sort-Object EstimatedSeconds | Select-Object -Index 1
        $script:planRows = @(Import-Csv (Join-Path $planned 'runs.csv'))
        function script:Get-EstimatedSeconds([string] $Kind) { (@($plan.Runs | Where-Object Kind -EQ $Kind) | Measure-Object EstimatedSeconds -Sum).Sum }
    }

    It 'plans every run the study runs, in its order, with its steps and (near enough) its tokens, and writes nothing' {
        $createdByPlan | Should -BeFalse -Because '-Plan trains nothing and writes nothing to -OutputPath'
        @($plan.Runs.Folder) | Should -Be @($planRows.Folder)
        @($plan.Runs.Kind) | Should -Be @($planRows.Kind)
        $plan.Exact | Should -BeTrue -Because 'the fixture files are smaller than the sample'
        foreach ($run in $plan.Runs) {
            $real = $planRows | Where-Object Folder -EQ $run.Folder
            $run.Steps | Should -Be ([int]$real.Steps) -Because $run.Folder
            if ($run.Kind -ne 'Base') { [math]::Abs($run.Tokens / [double]$real.Tokens - 1) | Should -BeLessThan 0.05 -Because "$($run.Folder): $($run.Tokens) planned, $($real.Tokens) run" }
        }
        $plan.TrainingRows.Rows | Should -Be 36
        $plan.ValidationRows.Rows | Should -Be 12
    }

    It 'estimates the disk the study folder takes' {
        $bytes = (Get-ChildItem $planned -Recurse -File | Measure-Object Length -Sum).Sum
        Write-Host "    Compare-BertAdaptation -Plan: $($plan.DiskBytes) bytes estimated, the study folder holds $bytes"
        $plan.DiskBytes / $bytes | Should -BeGreaterThan 0.8
        $plan.DiskBytes / $bytes | Should -BeLessThan 1.5
    }

    It 'estimates the study''s wall time within a factor of 2, from its calibration on this machine' {
        $detail = "estimated $([math]::Round($plan.EstimatedSeconds, 2)) s (median of 3), took $([math]::Round($took.Total, 2)) s (median of 3); by kind (estimated/took): " + (@('Base', 'Pretrain', 'FineTune' | ForEach-Object {
                    '{0} {1:N2}/{2:N2}' -f $_, (Get-EstimatedSeconds $_), $took[$_]
                }) -join ', ') + "; calibration repeated $($plan.Calibration.Repeats) time(s)"
        Write-Host "    Compare-BertAdaptation -Plan: $detail"
        $plan.EstimatedSeconds / $took.Total | Should -BeGreaterThan 0.5 -Because $detail
        $plan.EstimatedSeconds / $took.Total | Should -BeLessThan 2 -Because $detail
        # Four fine-tuning runs average out a loaded machine's noise; one run of a kind does not, so only their sum is checked.
        (Get-EstimatedSeconds FineTune) / $took.FineTune | Should -BeGreaterThan 0.5 -Because $detail
        (Get-EstimatedSeconds FineTune) / $took.FineTune | Should -BeLessThan 2 -Because $detail
    }

    It 'prints the plan as "What if:" lines with -WhatIf, naming every run, and creates no folder' {
        $out = Join-Path $TestDrive 'whatif-study'
        $result = Invoke-ChildPwsh "`$ErrorActionPreference = 'Stop'; Import-Module '$manifest'; `$study = @{ $argumentText }; New-BertModel -Config '$config' -Vocabulary '$vocab' -Seed 1 | Compare-BertAdaptation @study -OutputPath '$out' -WhatIf -WarningAction SilentlyContinue"
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -Match "What if: Compare-BertAdaptation would run 6 run\(s\) in '.*whatif-study'"
        foreach ($folder in $planRows.Folder) { $result.Output | Should -Match "\b$([regex]::Escape($folder))\b" }
        $result.Output | Should -Match 'Total: 6 run\(s\), [\d,]+ tokens, about [\d.]+ s, [\d.]+ [KM]B on disk'
        Test-Path $out | Should -BeFalse
    }
}

Describe 'A comparison killed midway' -Skip:(-not $IsLinux) {
    It 'stops on SIGTERM with TrainingInterrupted and exit code 143, naming the study folder, and the same command finishes it' {
        $stopped = Join-Path $TestDrive 'stopped'
        $process = Start-Study $stopped
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $deadline = [DateTime]::UtcNow.AddSeconds(180)
        $done = { @(Get-ChildItem (Join-Path $stopped 'runs') -Recurse -Filter 'run.json' -ErrorAction Ignore) }
        while ((& $done).Count -lt 1 -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        $process.HasExited | Should -BeFalse -Because 'the study must still be running when it is stopped'
        kill -TERM $process.Id
        $process.WaitForExit()
        $process.ExitCode | Should -Be 143 -Because ($stdout.Result + $stderr.Result)
        $stderr.Result | Should -Match 'TrainingInterrupted'
        $stderr.Result | Should -Match ([regex]::Escape("saved in '$stopped'"))
        $stdout.Result | Should -Not -Match 'finished'
        (& $done).Count | Should -BeLessThan 5

        $rerun = Wait-Study (Start-Study $stopped)
        $rerun.ExitCode | Should -Be 0 -Because $rerun.Output
        @(& $done) | Should -HaveCount 5
        (Import-Csv (Join-Path $stopped 'runs.csv')).Score | Should -Be (Import-Csv (Join-Path $whole 'runs.csv')).Score
    }

    It 'goes on where it stopped: finished runs are not redone, and the table is the uninterrupted one' {
        $killed = Join-Path $TestDrive 'killed'
        $process = Start-Study $killed
        $deadline = [DateTime]::UtcNow.AddSeconds(180)
        $done = { @(Get-ChildItem (Join-Path $killed 'runs') -Recurse -Filter 'run.json' -ErrorAction Ignore) }
        while ((& $done).Count -lt 2 -and -not $process.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
        $process.HasExited | Should -BeFalse -Because 'the study must still be running when it is killed'
        kill -KILL $process.Id
        $process.WaitForExit()

        $finished = @(& $done | ForEach-Object { $_.Directory })
        $finished.Count | Should -BeGreaterOrEqual 2
        $finished.Count | Should -BeLessThan 5 -Because 'the study was killed before its last run'
        # What has finished so far, collected from the folder of the study that was killed.
        $partial = @(Compare-BertAdaptation -Collect $killed)
        $finishedFineTunes = @($finished | Where-Object Name -Like 'finetune-*')
        ($partial | Measure-Object SeedCount -Sum).Sum | Should -Be $finishedFineTunes.Count
        $before = @{}
        foreach ($folder in $finished) {
            $before[$folder.Name] = @{
                Metrics = (Get-FileHash (Join-Path $folder.FullName 'metrics.jsonl')).Hash
                Record  = Get-Content (Join-Path $folder.FullName 'run.json') -Raw
                Lines   = @(Get-Content (Join-Path $folder.FullName 'metrics.jsonl')).Count
            }
        }

        $rerun = Wait-Study (Start-Study $killed)
        $rerun.ExitCode | Should -Be 0 -Because $rerun.Output
        $rerun.Output | Should -Match 'finished'
        foreach ($name in $before.Keys) {
            $folder = Join-Path $killed "runs/$name"
            (Get-FileHash (Join-Path $folder 'metrics.jsonl')).Hash | Should -Be $before[$name].Metrics -Because "$name had finished"
            Get-Content (Join-Path $folder 'run.json') -Raw | Should -Be $before[$name].Record
            @(Get-Content (Join-Path $folder 'metrics.jsonl')).Count | Should -Be $before[$name].Lines
        }
        @(& $done) | Should -HaveCount 5

        $rows = @(Import-Csv (Join-Path $killed 'runs.csv'))
        $expected = @(Import-Csv (Join-Path $whole 'runs.csv'))
        $rows.Folder | Should -Be $expected.Folder
        for ($i = 0; $i -lt $rows.Count; $i++) {
            $rows[$i].Score | Should -Be $expected[$i].Score -Because "$($rows[$i].Folder) computes the same in one process or two"
            $rows[$i].Tokens | Should -Be $expected[$i].Tokens
            $rows[$i].DomainPerplexity | Should -Be $expected[$i].DomainPerplexity
        }
    }
}
