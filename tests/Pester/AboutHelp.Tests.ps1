#Requires -Version 7.4
# Checks the about_BertAdapt topic: Get-Help finds it once the module is imported, and its table of
# error ids matches the ids the C# sources throw.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    $script:repository = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:topic = Join-Path $repository 'en-US/about_BertAdapt.help.txt'

    . (Join-Path $PSScriptRoot 'ErrorIds.ps1')

    $script:tableRows = @(Get-TopicErrorId $topic)
    $script:codeIds = @(Get-SourceErrorId (Join-Path $repository 'src'))
    $script:literals = Get-SourceLiteral (Join-Path $repository 'src')
}

Describe 'about_BertAdapt' {
    It 'is found by Get-Help after Import-Module' {
        $text = Get-Help about_BertAdapt | Out-String
        $text | Should -Match 'about_BertAdapt'
        foreach ($section in 'RERUN RULES', 'SIGNALS', 'ENVIRONMENT VARIABLES', 'ERROR IDS') { $text | Should -Match $section }
    }

    It 'names every environment variable the sources read' {
        $read = foreach ($file in Get-ChildItem (Join-Path $repository 'src') -Recurse -Filter *.cs | Where-Object FullName -NotMatch '[\\/](obj|bin)[\\/]') {
            $text = [IO.File]::ReadAllText($file.FullName)
            foreach ($m in [regex]::Matches($text, 'GetEnvironmentVariable\(\s*(?:"(?<literal>\w+)"|(?<name>\w+))')) {
                if ($m.Groups['literal'].Success) { $m.Groups['literal'].Value }
                else { [regex]::Matches($text, "\b$($m.Groups['name'].Value)\s*=\s*""(?<v>\w+)""") | ForEach-Object { $_.Groups['v'].Value } }
            }
            foreach ($m in [regex]::Matches($text, 'FromVariable\(\s*(?<name>\w+)')) {
                [regex]::Matches($text, "\b$($m.Groups['name'].Value)\s*=\s*""(?<v>\w+)""") | ForEach-Object { $_.Groups['v'].Value }
            }
        }
        $read = @($read | Select-Object -Unique)
        $read | Should -Contain 'BERTADAPT_THREADS'
        $topicText = [IO.File]::ReadAllText($topic)
        foreach ($variable in $read) { $topicText | Should -Match "(?m)^    $variable\b" -Because "the sources read $variable" }
    }

    It 'has an error-id table' {
        $tableRows.Count | Should -BeGreaterThan 50
        @($tableRows.Id | Group-Object | Where-Object Count -GT 1).Name | Should -BeNullOrEmpty -Because 'each id has one row'
        $categories = [Enum]::GetNames([System.Management.Automation.ErrorCategory])
        @($tableRows | Where-Object Category -NotIn $categories).Id | Should -BeNullOrEmpty -Because 'each category is an ErrorCategory'
        @(Get-UnsortedErrorId $tableRows.Id) | Should -BeNullOrEmpty -Because 'the rows are sorted by id (ignoring case)'
    }

    It 'lists every error id the sources throw' {
        $listed = @($tableRows.Id)
        $missing = @($codeIds | Where-Object { -not $_.Composed -and $_.Id -notin $listed } | ForEach-Object Id | Sort-Object -Unique)
        $missing | Should -BeNullOrEmpty -Because 'every id thrown in src needs a row in the ERROR IDS table of en-US/about_BertAdapt.help.txt'
    }

    It 'lists only error ids the sources throw' {
        $unknown = @($tableRows | Where-Object { -not (Find-SourceErrorId $_.Id $codeIds $literals) } | ForEach-Object Id)
        $unknown | Should -BeNullOrEmpty -Because 'a row of the table names an id that nothing in src throws'
    }

    It 'gives each id the category the sources give it' {
        # The category a user sees: an ErrorCategory as written, or a BertAdaptErrorKind through ErrorRecords' mapping.
        $wrong = @(foreach ($row in $tableRows) {
                $categories = @(Find-SourceErrorId $row.Id $codeIds $literals | Where-Object Category | ForEach-Object Category | Select-Object -Unique)
                if ($categories -and $row.Category -notin $categories) { "$($row.Id): table says $($row.Category), code says $($categories -join ' or ')" }
            })
        $wrong | Should -BeNullOrEmpty
    }
}
