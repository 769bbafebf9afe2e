# The README's "Further pre-training vs fine-tuning" section quotes the table that
# examples/Compare-Adaptation.ps1 wrote. These tests re-read the committed result files
# (examples/results/adaptation) and check every number in the README's table against study.json
# to the printed precision, and the result files against each other: each strategy's mean and
# spread against its seeds' scores in runs.csv, each difference and verdict against the means and
# the interval. No model is trained here.
BeforeAll {
    $repo = Join-Path $PSScriptRoot '../..'
    $results = Join-Path $repo 'examples/results/adaptation'
    $script:study = Get-Content -Raw (Join-Path $results 'study.json') | ConvertFrom-Json
    $script:runs = @(Import-Csv (Join-Path $results 'runs.csv'))
    $script:machine = Get-Content -Raw (Join-Path $results 'machine.json') | ConvertFrom-Json
    $script:tableFile = @(Get-Content (Join-Path $results 'table.md') | Where-Object { $_ -ne '' })

    $readme = Get-Content -Raw (Join-Path $repo 'README.md')
    $found = [regex]::Match($readme, '(?ms)^## Further pre-training vs fine-tuning\s*$(.*?)(?=^## )')
    $script:section = $found.Groups[1].Value
    $script:tableLines = @($section -split "`r?`n" | Where-Object { $_ -like '|*' })

    $invariant = [Globalization.CultureInfo]::InvariantCulture
    # A printed number: its value and how many decimals it was printed with.
    function script:Read-Number([string] $Text) {
        $Text = $Text.Trim()
        $decimals = if ($Text.Contains('.')) { $Text.Length - $Text.IndexOf('.') - 1 } else { 0 }
        [pscustomobject]@{ Value = [double]::Parse($Text, $invariant); Decimals = $decimals }
    }
    # True when $Expected, printed with the decimals of $Printed, reads as $Printed.
    function script:Test-Printed($Printed, [double] $Expected) {
        [math]::Abs($Printed.Value - $Expected) -le 0.5 * [math]::Pow(10, - $Printed.Decimals) + 1e-9
    }
    $number = '[+-]?\d+(?:\.\d+)?'
    $script:rows = foreach ($line in $tableLines | Select-Object -Skip 2) {
        $cells = @($line.Trim('|') -split '\|' | ForEach-Object Trim)
        $mean = [regex]::Match($cells[1], "^($number) ± ($number)$")
        $difference = [regex]::Match($cells[2], "^($number) \[($number), ($number)\]$")
        $perplexity = [regex]::Match($cells[4], "^($number)(?: → ($number))?$")
        [pscustomobject]@{
            Strategy = $cells[0]
            Mean = if ($mean.Success) { Read-Number $mean.Groups[1].Value }
            StdDev = if ($mean.Success) { Read-Number $mean.Groups[2].Value }
            Difference = if ($difference.Success) { Read-Number $difference.Groups[1].Value }
            Low = if ($difference.Success) { Read-Number $difference.Groups[2].Value }
            High = if ($difference.Success) { Read-Number $difference.Groups[3].Value }
            DifferenceCell = $cells[2]
            Verdict = $cells[3]
            Before = if ($perplexity.Success) { Read-Number $perplexity.Groups[1].Value }
            After = if ($perplexity.Success -and $perplexity.Groups[2].Success) { Read-Number $perplexity.Groups[2].Value }
            Wall = Read-Number $cells[5]
        }
    }
    function script:Get-Report([string] $Strategy) { @($study.Strategies | Where-Object Strategy -EQ $Strategy)[0] }
}

Describe 'The README''s adaptation table' {
    It 'is the table the example wrote, line for line' {
        $tableLines.Count | Should -BeGreaterThan 2
        $tableLines | Should -Be $tableFile
    }

    It 'has a row for every strategy of the study, at least FineTuneOnly, DomainMlm and TaskMlm, and 3 seeds each' {
        $rows.Strategy | Should -Be @($study.Strategies.Strategy)
        foreach ($s in 'FineTuneOnly', 'DomainMlm', 'TaskMlm') { $rows.Strategy | Should -Contain $s }
        foreach ($report in $study.Strategies) { $report.SeedCount | Should -BeGreaterOrEqual 3 }
    }

    It 'prints each strategy''s mean and standard deviation as study.json has them' {
        foreach ($row in $rows) {
            $report = Get-Report $row.Strategy
            $row.Mean | Should -Not -BeNullOrEmpty -Because "the row of $($row.Strategy) must read as 'mean ± sd'"
            Test-Printed $row.Mean $report.MetricMean | Should -BeTrue -Because "$($row.Strategy)'s mean is $($report.MetricMean)"
            Test-Printed $row.StdDev $report.MetricStdDev | Should -BeTrue -Because "$($row.Strategy)'s sd is $($report.MetricStdDev)"
        }
    }

    It 'prints each difference from FineTuneOnly, its interval and its verdict as study.json has them' {
        foreach ($row in $rows) {
            $report = Get-Report $row.Strategy
            $row.Verdict | Should -Be $report.Verdict
            if ($row.Strategy -eq 'FineTuneOnly') { $row.DifferenceCell | Should -Be '–'; continue }
            $row.Difference | Should -Not -BeNullOrEmpty -Because "the row of $($row.Strategy) must read as 'difference [low, high]'"
            Test-Printed $row.Difference $report.Difference | Should -BeTrue
            Test-Printed $row.Low $report.DifferenceLow | Should -BeTrue
            Test-Printed $row.High $report.DifferenceHigh | Should -BeTrue
        }
    }

    It 'prints the domain perplexity before and after pre-training, and the wall time, as study.json has them' {
        foreach ($row in $rows) {
            $report = Get-Report $row.Strategy
            Test-Printed $row.Before $report.DomainPerplexityBefore | Should -BeTrue
            if ($row.Strategy -eq 'FineTuneOnly') { $row.After | Should -BeNullOrEmpty }
            else { Test-Printed $row.After $report.DomainPerplexityAfter | Should -BeTrue -Because "$($row.Strategy)'s perplexity after is $($report.DomainPerplexityAfter)" }
            Test-Printed $row.Wall $report.WallSeconds | Should -BeTrue
        }
    }

    It 'names the machine, the date and the total time of the run that made it' {
        $section | Should -BeLike "*$($machine.Cpu)*"
        $section | Should -BeLike "*$($machine.Date)*"
        $section | Should -BeLike "*$(([double]$machine.TotalSeconds).ToString('N0', [Globalization.CultureInfo]::InvariantCulture)) s*"
        $machine.TotalSeconds | Should -BeLessThan 1200 -Because 'the example is meant to run in under 20 minutes on 2 cores'
        $machine.Threads | Should -Be 2
    }

    It 'quotes the command that produced it' {
        $section | Should -BeLike '*./build.ps1 -Task Adaptation*'
    }
}

Describe 'The committed study files' {
    It 'give each strategy the mean and sample standard deviation of its seeds'' scores in runs.csv' {
        foreach ($report in $study.Strategies) {
            $fineTunes = @($runs | Where-Object { $_.Kind -eq 'FineTune' -and $_.Strategy -eq $report.Strategy })
            $fineTunes.Count | Should -Be $report.SeedCount
            @($fineTunes.Seed | ForEach-Object { [long]$_ }) | Should -Be @($report.Seeds)
            $scores = @($fineTunes.Score | ForEach-Object { [double]::Parse($_, [Globalization.CultureInfo]::InvariantCulture) })
            $scores | Should -Be @($report.SeedScores)
            $mean = ($scores | Measure-Object -Average).Average
            [math]::Abs($report.MetricMean - $mean) | Should -BeLessThan 1e-12
            $variance = ($scores | ForEach-Object { ($_ - $mean) * ($_ - $mean) } | Measure-Object -Sum).Sum / ($scores.Count - 1)
            [math]::Abs($report.MetricStdDev - [math]::Sqrt($variance)) | Should -BeLessThan 1e-12
        }
    }

    It 'give each difference as the means'' difference, centred in its interval, with the verdict the interval gives' {
        $baseline = Get-Report 'FineTuneOnly'
        foreach ($report in $study.Strategies | Where-Object Strategy -NE 'FineTuneOnly') {
            [math]::Abs($report.Difference - ($report.MetricMean - $baseline.MetricMean)) | Should -BeLessThan 1e-12
            [math]::Abs(($report.DifferenceHigh + $report.DifferenceLow) / 2 - $report.Difference) | Should -BeLessThan 1e-9
            $expected = if ($report.DifferenceLow -gt 0) { 'Better' } elseif ($report.DifferenceHigh -lt 0) { 'Worse' } else { 'WithinNoise' }
            $report.Verdict | Should -Be $expected
        }
    }

    It 'give each pre-training strategy the perplexity its last pre-training run measured, and the base model''s before' {
        $base = @($runs | Where-Object Kind -EQ 'Base')[0]
        foreach ($report in $study.Strategies) {
            [math]::Abs($report.DomainPerplexityBefore - [double]$base.DomainPerplexity) | Should -BeLessThan 1e-6
            if ($report.Strategy -eq 'FineTuneOnly') { continue }
            $pretrain = @($runs | Where-Object { $_.Kind -eq 'Pretrain' -and $_.Strategy -eq $report.Strategy } | Sort-Object { [int]$_.Stage })[-1]
            [math]::Abs($report.DomainPerplexityAfter - [double]$pretrain.DomainPerplexity) | Should -BeLessThan 1e-6
        }
    }

    It 'come from a study that found no validation text in its pre-training corpora, so it needed no -AllowOverlap' {
        $study.Overlap.Count | Should -BeGreaterThan 0
        # With -AllowOverlap a leak is counted here instead of stopping the study.
        foreach ($corpus in $study.Overlap) { $corpus.LeakedTexts | Should -Be 0 }
    }
}
