#Requires -Version 7.4
# Test-BertCorpusOverlap used as a person would: typed, piped from Get-ChildItem, as a gate in a
# scheduled script, with odd file names, and with output sent to Export-Csv.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:manifest = Join-Path $PSScriptRoot '../../BertAdapt.psd1'
    Import-Module $manifest -Force
    $script:ticket = 'The nightly backup job on the storage cluster failed because the mount point was read only'
    $script:heldOut = Join-Path $TestDrive 'validation.csv'
    @(
        'summary,team'
        "`"$ticket`",storage"
        '"Printers on floor three print blank pages since the driver update on Tuesday morning",printing'
        '"VPN drops every ten minutes for remote staff in the Lyon office",network'
    ) | Set-Content -LiteralPath $heldOut
    $script:clean = Join-Path $TestDrive 'clean.txt'
    "Restart the service with systemctl restart nginx and check its status.`n`nRotate the logs weekly." | Set-Content -LiteralPath $clean
    $script:leaky = Join-Path $TestDrive 'run[1].txt'
    @(
        'Unrelated line about certificates.'
        ''
        'Incident 4411: THE nightly backup job on the storage cluster failed, because the mount-point was read-only.'
        ''
        'Printers on floor three print blank pages since the driver update on Tuesday evening'
    ) | Set-Content -LiteralPath $leaky
}

Describe 'Test-BertCorpusOverlap' {
    It 'reports a copy inside a longer line and a near copy, with the file and line of each' {
        $report = Test-BertCorpusOverlap -LiteralCorpus $leaky -HeldOut $heldOut -HeldOutColumn summary
        $report.PSObject.TypeNames[0] | Should -Be 'BertAdapt.Engine.Data.Overlap.CorpusOverlapReport'
        $report.HeldOutTexts | Should -Be 3
        $report.LeakedTexts | Should -Be 2
        $report.LeakedPercent | Should -BeGreaterThan 66
        $contained, $near = $report.Matches
        $contained.Kind | Should -Be 'Contained'
        $contained.HeldOutText | Should -Be $ticket
        $contained.CorpusSource | Should -Be "${leaky}:3"
        $near.Kind | Should -Be 'NearDuplicate'
        $near.Containment | Should -BeGreaterOrEqual 0.8
        $near.Containment | Should -BeLessThan 1
        $near.CorpusSource | Should -Be "${leaky}:5"
        $near.HeldOutSource | Should -Be "$heldOut, text 2"
    }

    It 'binds corpus files piped from Get-ChildItem, so a name with brackets is that file' {
        $report = Get-ChildItem -LiteralPath $TestDrive -Filter *.txt | Test-BertCorpusOverlap -HeldOut $heldOut -HeldOutColumn summary
        $report.CorpusFiles | Should -HaveCount 2
        $report.CorpusFiles | Should -Contain $leaky
        $report.LeakedTexts | Should -Be 2
    }

    It 'finds nothing in a clean corpus and says so with -Quiet' {
        (Test-BertCorpusOverlap -Corpus $clean -HeldOut $heldOut -HeldOutColumn summary).LeakedTexts | Should -Be 0
        Test-BertCorpusOverlap -Corpus $clean -HeldOut $heldOut -HeldOutColumn summary -Quiet | Should -BeTrue
        Test-BertCorpusOverlap -LiteralCorpus $leaky -HeldOut $heldOut -HeldOutColumn summary -Quiet | Should -BeFalse
    }

    It 'honours -Threshold: at 1 only complete copies remain' {
        $report = Test-BertCorpusOverlap -LiteralCorpus $leaky -HeldOut $heldOut -HeldOutColumn summary -Threshold 1
        $report.Matches.Kind | Should -Be @('Contained')
    }

    It 'gates a scheduled script run with pwsh -File by its exit code' {
        $gate = Join-Path $TestDrive 'gate.ps1'
        @"
Import-Module '$manifest' -ErrorAction Stop
if (-not (Test-BertCorpusOverlap -LiteralCorpus `$args[0] -HeldOut '$heldOut' -HeldOutColumn summary -Quiet)) { Write-Output 'leak'; exit 3 }
Write-Output 'clean'
"@ | Set-Content -LiteralPath $gate
        $launcher = Get-PwshLauncher
        $rest = @($launcher | Select-Object -Skip 1)
        $output = & $launcher[0] @rest -NoProfile -NonInteractive -File $gate $leaky 2>&1
        $LASTEXITCODE | Should -Be 3 -Because ($output -join "`n")
        $output | Should -Be 'leak'
        $output = & $launcher[0] @rest -NoProfile -NonInteractive -File $gate $clean 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $output | Should -Be 'clean'
    }

    It 'writes its matches to a CSV that reads back with every column' {
        $csv = Join-Path $TestDrive 'out/leaks.csv'
        New-Item -ItemType Directory (Split-Path $csv) -Force | Out-Null
        (Test-BertCorpusOverlap -LiteralCorpus $leaky -HeldOut $heldOut -HeldOutColumn summary).Matches | Export-Csv -LiteralPath $csv
        $rows = Import-Csv -LiteralPath $csv
        $rows | Should -HaveCount 2
        $rows[0].Kind | Should -Be 'Contained'
        $rows[0].HeldOutText | Should -Be $ticket
        [double] $rows[1].Containment | Should -BeGreaterOrEqual 0.8
        $rows[1].CorpusSource | Should -Be "${leaky}:5"
    }

    It 'fails with an id when <Case>' -ForEach @(
        @{ Case = 'the held-out file is missing'; Arguments = { @{ Corpus = $clean; HeldOut = (Join-Path $TestDrive 'no/such.csv') } }; Id = 'HeldOutFileNotFound'; Category = 'ObjectNotFound' }
        @{ Case = 'the held-out column is wrong'; Arguments = { @{ Corpus = $clean; HeldOut = $heldOut; HeldOutColumn = 'body' } }; Id = 'CorpusColumnNotFound'; Category = 'InvalidData' }
        @{ Case = 'the corpus is missing'; Arguments = { @{ Corpus = (Join-Path $TestDrive 'missing.txt'); HeldOut = $heldOut } }; Id = 'CorpusFileNotFound'; Category = 'ObjectNotFound' }
        @{ Case = 'the corpus has no words'; Arguments = { $empty = Join-Path $TestDrive 'empty.txt'; "`n-- !!`n" | Set-Content -LiteralPath $empty; @{ Corpus = $empty; HeldOut = $heldOut; HeldOutColumn = 'summary' } }; Id = 'CorpusEmpty'; Category = 'InvalidData' }
        @{ Case = 'the held-out file has no text'; Arguments = { $blank = Join-Path $TestDrive 'blank.txt'; "`n`n" | Set-Content -LiteralPath $blank; @{ Corpus = $clean; HeldOut = $blank } }; Id = 'HeldOutEmpty'; Category = 'InvalidData' }
    ) {
        $splat = & $Arguments
        $thrown = { Test-BertCorpusOverlap @splat -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $thrown.CategoryInfo.Category | Should -Be $Category
    }

    It 'reports no leak for an empty pipeline as an error, not as a clean corpus' {
        $thrown = { @() | Test-BertCorpusOverlap -HeldOut $heldOut -HeldOutColumn summary -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'CorpusEmpty,*'
    }

    It 'shows a table view for the report and its matches' {
        $report = Test-BertCorpusOverlap -LiteralCorpus $leaky -HeldOut $heldOut -HeldOutColumn summary
        ($report | Out-String) | Should -Match 'HeldOutTexts\s+LeakedTexts\s+LeakedPercent'
        ($report.Matches | Out-String -Width 200) | Should -Match 'Kind\s+Containment\s+Documents\s+CorpusSource'
    }
}
