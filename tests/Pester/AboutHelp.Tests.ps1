#Requires -Version 7.4
# Checks the about_BertAdapt topic: Get-Help finds it once the module is imported, and its table of
# error ids matches the ids the C# sources throw.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    $script:repository = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:topic = Join-Path $repository 'en-US/about_BertAdapt.help.txt'

    # The rows of the ERROR IDS section: Id, Category, Meaning.
    function Get-TopicErrorId([string] $Path) {
        $inSection = $false
        foreach ($line in [IO.File]::ReadAllLines($Path)) {
            if ($line -match '^[A-Z][A-Z /-]+$') { $inSection = $line -eq 'ERROR IDS'; continue }
            if ($inSection -and $line -match '^\s{8}(?<id>[A-Z]\w+)\s{2,}(?<category>[A-Z]\w+)\s{2,}(?<meaning>\S.*)$' -and $Matches.id -ne 'Id') {
                [pscustomobject]@{ Id = $Matches.id; Category = $Matches.category; Meaning = $Matches.meaning }
            }
        }
    }

    # Error ids in the sources. An id is thrown where a string literal, or a string constant, is the
    # first argument of a BertAdaptException (new BertAdaptException(...), new(...), base(...)), of
    # ErrorRecords.Create or of an ErrorRecord, followed by its BertAdaptErrorKind or ErrorCategory;
    # or where it is passed to a helper that takes a 'string errorId' and throws it. Ids built from
    # a prefix ($"{what}NoMatch", idPrefix + "NotWritable") are returned as suffixes (Composed).
    function Get-SourceErrorId([string] $SourceRoot) {
        $files = @(Get-ChildItem -LiteralPath $SourceRoot -Recurse -Filter *.cs | Where-Object FullName -NotMatch '[\\/](obj|bin)[\\/]')
        $texts = @{}
        $constants = [Collections.Generic.Dictionary[string, string]]::new([StringComparer]::Ordinal)   # '<class file>.<name>' -> value (a partial's file 'Type.Part.cs' counts as 'Type')
        $helpers = [Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
        foreach ($file in $files) {
            $text = [IO.File]::ReadAllText($file.FullName)
            $texts[$file.FullName] = $text
            foreach ($m in [regex]::Matches($text, '\b(?<name>\w+)\s*=\s*"(?<value>[A-Z][A-Za-z0-9]+)"')) { $constants["$($file.BaseName.Split('.')[0]).$($m.Groups['name'].Value)"] = $m.Groups['value'].Value }
            foreach ($m in [regex]::Matches($text, '\b(?<name>\w+)\s*\([^)]*\bstring errorId\b')) { if ($m.Groups['name'].Value -notin 'Create', 'BertAdaptException') { [void]$helpers.Add($m.Groups['name'].Value) } }
        }
        function Resolve-Constant([string] $Name, [string] $File) {
            $parts = $Name.Split('.')
            $key = if ($parts.Count -gt 1) { "$($parts[-2]).$($parts[-1])" } else { "$File.$Name" }
            if ($constants.ContainsKey($key)) { $constants[$key] }
        }
        $thrown = '(?:\(\s*|new\s+ErrorRecord\(\s*[^,()]+,\s*)(?:"(?<literal>[A-Z]\w+)"|(?<name>[A-Za-z_][\w.]*)|(?<composed>\$"\{\w+\}[A-Z]\w+"|\w+\s*\+\s*"[A-Z]\w+"))\s*,\s*(?:BertAdaptErrorKind|ErrorCategory)\.(?<kind>\w+)'
        $helperCall = if ($helpers.Count) { '\b(?:' + (@($helpers) -join '|') + ')\((?<args>[^;{]*)' }
        foreach ($file in $files) {
            $text = $texts[$file.FullName]
            foreach ($m in [regex]::Matches($text, $thrown)) {
                $kind = $m.Groups['kind'].Value
                if ($m.Groups['literal'].Success) { [pscustomobject]@{ Id = $m.Groups['literal'].Value; Kind = $kind; Composed = $false } }
                elseif ($m.Groups['name'].Success) {
                    $value = Resolve-Constant $m.Groups['name'].Value $file.BaseName.Split('.')[0]
                    if ($value) { [pscustomobject]@{ Id = $value; Kind = $kind; Composed = $false } }
                } else {
                    $suffix = [regex]::Match($m.Groups['composed'].Value, '(?<s>[A-Z]\w+)"$').Groups['s'].Value
                    [pscustomobject]@{ Id = $suffix; Kind = $kind; Composed = $true }
                }
            }
            if (-not $helperCall) { continue }
            foreach ($m in [regex]::Matches($text, $helperCall)) {
                if ($m.Value -match '\bstring errorId\b') { continue }   # the helper's own declaration
                foreach ($arg in [regex]::Matches($m.Groups['args'].Value, '"(?<literal>[A-Z][a-z]\w*[A-Z]\w*)"|\b(?<name>[A-Z]\w*(?:\.[A-Z]\w*)?)\b')) {
                    $id = if ($arg.Groups['literal'].Success) { $arg.Groups['literal'].Value } else { Resolve-Constant $arg.Groups['name'].Value $file.BaseName.Split('.')[0] }
                    if ($id) { [pscustomobject]@{ Id = $id; Kind = $null; Composed = $false } }
                }
            }
        }
    }

    $script:tableRows = @(Get-TopicErrorId $topic)
    $script:codeIds = @(Get-SourceErrorId (Join-Path $repository 'src'))
    # Every capitalised string literal of the sources: the prefixes that composed ids are built from.
    $script:literals = [Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
    foreach ($file in Get-ChildItem (Join-Path $repository 'src') -Recurse -Filter *.cs | Where-Object FullName -NotMatch '[\\/](obj|bin)[\\/]') {
        foreach ($m in [regex]::Matches([IO.File]::ReadAllText($file.FullName), '"(?<s>[A-Z][A-Za-z]+)"')) { [void]$literals.Add($m.Groups['s'].Value) }
    }
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
    }

    It 'lists every error id the sources throw' {
        $listed = @($tableRows.Id)
        $missing = @($codeIds | Where-Object { -not $_.Composed -and $_.Id -notin $listed } | ForEach-Object Id | Sort-Object -Unique)
        $missing | Should -BeNullOrEmpty -Because 'every id thrown in src needs a row in the ERROR IDS table of en-US/about_BertAdapt.help.txt'
    }

    It 'lists only error ids the sources throw' {
        $exact = @($codeIds | Where-Object { -not $_.Composed } | ForEach-Object Id)
        $suffixes = @($codeIds | Where-Object Composed | ForEach-Object Id | Sort-Object -Unique)
        $unknown = @(foreach ($row in $tableRows) {
                if ($row.Id -in $exact) { continue }
                $composed = $suffixes | Where-Object { $row.Id.EndsWith($_) -and $row.Id.Length -gt $_.Length -and $literals.Contains($row.Id.Substring(0, $row.Id.Length - $_.Length)) }
                if (-not $composed) { $row.Id }
            })
        $unknown | Should -BeNullOrEmpty -Because 'a row of the table names an id that nothing in src throws'
    }

    It 'gives each id the category the sources give it' {
        $wrong = @(foreach ($group in $codeIds | Where-Object { -not $_.Composed -and $_.Kind } | Group-Object Id) {
                $row = $tableRows | Where-Object Id -EQ $group.Name
                $kinds = @($group.Group.Kind | Select-Object -Unique)
                if ($row -and $row.Category -notin $kinds) { "$($group.Name): table says $($row.Category), code says $($kinds -join ' or ')" }
            })
        $wrong | Should -BeNullOrEmpty
    }
}
