#Requires -Version 7.4
# Checks README's Troubleshooting table (| Error id | Category | What to do |): it lists every error
# id the C# sources throw and only those, with the category a user sees (the about topic's, and
# the one the code throws), once each and sorted. The about topic's ERROR IDS table is the offline
# copy (Get-Help about_BertAdapt); AboutHelp.Tests.ps1 checks it against the sources the same way.

BeforeAll {
    . (Join-Path $PSScriptRoot 'ErrorIds.ps1')
    $script:repository = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:readme = Join-Path $repository 'README.md'
    $script:readmeRows = @(Get-ReadmeErrorId $readme)
    $script:topicRows = @(Get-TopicErrorId (Join-Path $repository 'en-US/about_BertAdapt.help.txt'))
    $script:codeIds = @(Get-SourceErrorId (Join-Path $repository 'src'))
    $script:literals = Get-SourceLiteral (Join-Path $repository 'src')
    $script:hint = "add a row '| <Id> | <Category> | <what the user should check or change> |' in id order to the '## Troubleshooting' table of README.md " +
        '(and to the ERROR IDS table of en-US/about_BertAdapt.help.txt), with the category the code throws it with'
}

Describe 'README troubleshooting table' {
    It 'is a section of its own after the first screen, before the licence' {
        $text = [IO.File]::ReadAllText($readme)
        $text -match '(?m)^## Troubleshooting\r?$' | Should -BeTrue -Because "the error catalogue is a section '## Troubleshooting' of README.md"
        $text -match '(?m)^\| Error id \| Category \| What to do \|\r?$' | Should -BeTrue -Because 'its table has the columns Error id, Category and What to do'
        $text.IndexOf('## Troubleshooting') | Should -BeLessThan $text.IndexOf('## Licence')
        $text.IndexOf('## Troubleshooting') | Should -BeGreaterThan $text.IndexOf('## The pipeline') -Because "README's first screen stays as it is"
        $readmeRows.Count | Should -BeGreaterThan 50
    }

    It 'lists every error id the sources throw' {
        $listed = @($readmeRows | ForEach-Object Id)
        $missing = @($codeIds | Where-Object { -not $_.Composed -and $_.Id -cnotin $listed } | ForEach-Object Id | Sort-Object -Unique)
        # Composed ids (a parameter's prefix + NotWritable, NoMatch, ...) are listed whole, as in the about topic: each of its rows is here too.
        $missing += @($topicRows.Id | Where-Object { $_ -cnotin $listed -and $_ -cnotin $missing })
        $missing += @($codeIds | Where-Object Composed | ForEach-Object Id | Sort-Object -Unique |
                Where-Object { $suffix = $_; -not ($listed | Where-Object { $_.EndsWith($suffix, [StringComparison]::Ordinal) -and $_.Length -gt $suffix.Length }) } |
                ForEach-Object { "<Prefix>$_" })
        ($missing -join ', ') | Should -BeNullOrEmpty -Because "each is thrown in src but has no row: $hint"
    }

    It 'lists only error ids the sources throw' {
        $unknown = @($readmeRows | Where-Object { -not (Find-SourceErrorId $_.Id $codeIds $literals) } | ForEach-Object Id)
        $unknown | Should -BeNullOrEmpty -Because 'a row names an id that nothing in src throws (renamed or removed?)'
    }

    It 'gives each id the category of the about topic and of the code' {
        $errorCategories = [Enum]::GetNames([System.Management.Automation.ErrorCategory])
        $wrong = @(foreach ($row in $readmeRows) {
                if ($row.Category -cnotin $errorCategories) { "$($row.Id): '$($row.Category)' is not an ErrorCategory"; continue }
                $topic = $topicRows | Where-Object Id -CEQ $row.Id
                if ($topic -and $topic.Category -cne $row.Category) { "$($row.Id): README says $($row.Category), about_BertAdapt says $($topic.Category)" }
                $thrown = @(Find-SourceErrorId $row.Id $codeIds $literals | Where-Object Category | ForEach-Object Category | Select-Object -Unique)
                if ($thrown -and $row.Category -cnotin $thrown) { "$($row.Id): README says $($row.Category), the code throws it as $($thrown -join ' or ')" }
            })
        $wrong | Should -BeNullOrEmpty
    }

    It 'maps every BertAdaptErrorKind to the ErrorCategory of its name' {
        # The README and the about topic give the category a user sees; the engine's kinds reach it
        # through ErrorRecords. A kind without a mapping would show as NotSpecified.
        $mapping = Get-ErrorKindCategory (Join-Path $repository 'src')
        $enum = [regex]::Match([IO.File]::ReadAllText((Join-Path $repository 'src/BertAdapt.Engine/BertAdaptException.cs')), 'enum BertAdaptErrorKind\s*\{(?<members>[^}]*)\}')
        $enum.Success | Should -BeTrue
        $kinds = @([regex]::Matches(($enum.Groups['members'].Value -replace '//[^\n]*'), '(?m)^\s*(?<member>[A-Z]\w*)\s*(?:=\s*\d+\s*)?,?\s*$') | ForEach-Object { $_.Groups['member'].Value })
        $kinds | Should -Contain 'InvalidData'
        @($kinds | Where-Object { -not $mapping.ContainsKey($_) }) | Should -BeNullOrEmpty -Because 'each kind needs an arm in ErrorRecords.Category'
        @($kinds | Where-Object { $mapping[$_] -cne $_ }) | Should -BeNullOrEmpty -Because 'a kind shows as the ErrorCategory of the same name'
    }

    It 'has one row per id, sorted by id' {
        @($readmeRows.Id | Group-Object -CaseSensitive | Where-Object Count -GT 1).Name | Should -BeNullOrEmpty -Because 'each id has one row'
        @(Get-UnsortedErrorId $readmeRows.Id) | Should -BeNullOrEmpty -Because 'the rows are sorted by id (ignoring case), as in about_BertAdapt'
    }

    It 'says what to do for each id, not only what it means' {
        $weak = @(foreach ($row in $readmeRows) {
                $topic = $topicRows | Where-Object Id -CEQ $row.Id
                if ($row.Advice.Length -lt 40) { "$($row.Id): '$($row.Advice)' is too short to say what to do" }
                elseif ($topic -and $row.Advice -eq $topic.Meaning) { "$($row.Id): repeats the about topic's meaning" }
            })
        $weak | Should -BeNullOrEmpty
    }
}
