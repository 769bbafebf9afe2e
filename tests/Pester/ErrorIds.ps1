# The error ids of the module, as the sources throw them and as the two catalogues list them (the
# ERROR IDS table of en-US/about_BertAdapt.help.txt and the Troubleshooting table of README.md).
# Dot-sourced by AboutHelp.Tests.ps1 and ErrorCatalogue.Tests.ps1, so both read the sources alike.

# The rows of the about topic's ERROR IDS section: Id, Category, Meaning.
function Get-TopicErrorId([string] $Path) {
    $inSection = $false
    foreach ($line in [IO.File]::ReadAllLines($Path)) {
        if ($line -match '^[A-Z][A-Z /-]+$') { $inSection = $line -eq 'ERROR IDS'; continue }
        if ($inSection -and $line -match '^\s{8}(?<id>[A-Z]\w+)\s{2,}(?<category>[A-Z]\w+)\s{2,}(?<meaning>\S.*)$' -and $Matches.id -ne 'Id') {
            [pscustomobject]@{ Id = $Matches.id; Category = $Matches.category; Meaning = $Matches.meaning }
        }
    }
}

# The rows of README's "## Troubleshooting" table: | Error id | Category | What to do |. Nothing
# when the section or its table is missing.
function Get-ReadmeErrorId([string] $Path) {
    $inSection = $false
    foreach ($line in [IO.File]::ReadAllLines($Path)) {
        if ($line -match '^## ') { $inSection = $line -eq '## Troubleshooting'; continue }
        if ($inSection -and $line -match '^\|\s*(?<id>[A-Za-z]\w*)\s*\|\s*(?<category>\w+)\s*\|\s*(?<advice>.*?)\s*\|\s*$') {
            [pscustomobject]@{ Id = $Matches.id; Category = $Matches.category; Advice = $Matches.advice }
        }
    }
}

function Get-SourceFile([string] $SourceRoot) {
    Get-ChildItem -LiteralPath $SourceRoot -Recurse -Filter *.cs | Where-Object FullName -NotMatch '[\\/](obj|bin)[\\/]'
}

# The ErrorCategory the cmdlets give each BertAdaptErrorKind, read from the switch in
# ErrorRecords.Category (BertAdaptErrorKind.X => ErrorCategory.Y): kind name -> category name.
function Get-ErrorKindCategory([string] $SourceRoot) {
    $map = [Collections.Generic.Dictionary[string, string]]::new([StringComparer]::Ordinal)
    foreach ($file in Get-SourceFile $SourceRoot) {
        $text = [IO.File]::ReadAllText($file.FullName)
        foreach ($m in [regex]::Matches($text, 'BertAdaptErrorKind\.(?<kind>\w+)\s*=>\s*ErrorCategory\.(?<category>\w+)')) {
            $map[$m.Groups['kind'].Value] = $m.Groups['category'].Value
        }
    }
    $map
}

# Error ids in the sources. An id is thrown where a string literal, or a string constant, is the
# first argument of a BertAdaptException (new BertAdaptException(...), new(...), base(...)), of
# ErrorRecords.Create or of an ErrorRecord, followed by its BertAdaptErrorKind or ErrorCategory;
# or where it is passed to a helper that takes a 'string errorId' and throws it. Ids built from
# a prefix ($"{what}NoMatch", idPrefix + "NotWritable") are returned as suffixes (Composed).
# Kind is the enum member written there; Category is the ErrorCategory the user sees (a kind
# through Get-ErrorKindCategory's mapping, NotSpecified for a kind the mapping lacks); both are
# empty for an id passed to a helper, whose kind is not at the call.
function Get-SourceErrorId([string] $SourceRoot) {
    $files = @(Get-SourceFile $SourceRoot)
    $categories = Get-ErrorKindCategory $SourceRoot
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
    function New-Entry([string] $Id, [string] $Enum, [string] $Kind, [bool] $Composed) {
        $category = if (-not $Kind) { $null } elseif ($Enum -eq 'ErrorCategory') { $Kind } elseif ($categories.ContainsKey($Kind)) { $categories[$Kind] } else { 'NotSpecified' }
        [pscustomobject]@{ Id = $Id; Kind = $Kind; Category = $category; Composed = $Composed }
    }
    $thrown = '(?:\(\s*|new\s+ErrorRecord\(\s*[^,()]+,\s*)(?:"(?<literal>[A-Z]\w+)"|(?<name>[A-Za-z_][\w.]*)|(?<composed>\$"\{\w+\}[A-Z]\w+"|\w+\s*\+\s*"[A-Z]\w+"))\s*,\s*(?<enum>BertAdaptErrorKind|ErrorCategory)\.(?<kind>\w+)'
    $helperCall = if ($helpers.Count) { '\b(?:' + (@($helpers) -join '|') + ')\((?<args>[^;{]*)' }
    foreach ($file in $files) {
        $text = $texts[$file.FullName]
        foreach ($m in [regex]::Matches($text, $thrown)) {
            $enum = $m.Groups['enum'].Value
            $kind = $m.Groups['kind'].Value
            if ($m.Groups['literal'].Success) { New-Entry $m.Groups['literal'].Value $enum $kind $false }
            elseif ($m.Groups['name'].Success) {
                $value = Resolve-Constant $m.Groups['name'].Value $file.BaseName.Split('.')[0]
                if ($value) { New-Entry $value $enum $kind $false }
            } else {
                $suffix = [regex]::Match($m.Groups['composed'].Value, '(?<s>[A-Z]\w+)"$').Groups['s'].Value
                New-Entry $suffix $enum $kind $true
            }
        }
        if (-not $helperCall) { continue }
        foreach ($m in [regex]::Matches($text, $helperCall)) {
            if ($m.Value -match '\bstring errorId\b') { continue }   # the helper's own declaration
            foreach ($arg in [regex]::Matches($m.Groups['args'].Value, '"(?<literal>[A-Z][a-z]\w*[A-Z]\w*)"|\b(?<name>[A-Z]\w*(?:\.[A-Z]\w*)?)\b')) {
                $id = if ($arg.Groups['literal'].Success) { $arg.Groups['literal'].Value } else { Resolve-Constant $arg.Groups['name'].Value $file.BaseName.Split('.')[0] }
                if ($id) { New-Entry $id $null $null $false }
            }
        }
    }
}

# Every capitalised string literal of the sources: the prefixes that composed ids are built from.
function Get-SourceLiteral([string] $SourceRoot) {
    $literals = [Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
    foreach ($file in Get-SourceFile $SourceRoot) {
        foreach ($m in [regex]::Matches([IO.File]::ReadAllText($file.FullName), '"(?<s>[A-Z][A-Za-z]+)"')) { [void]$literals.Add($m.Groups['s'].Value) }
    }
    , $literals
}

# The source entries that throw $Id: those of the id itself, or, for an id no source names whole,
# those of each composed suffix it ends with after a prefix that is a literal of the sources
# (CorpusNotRegularFile: "Corpus" + {what}NotRegularFile). Nothing for an id nothing throws.
function Find-SourceErrorId([string] $Id, [object[]] $SourceIds, [Collections.Generic.HashSet[string]] $Literals) {
    $exact = $SourceIds.Where({ -not $_.Composed -and $_.Id -ceq $Id })
    if ($exact.Count) { return $exact }
    $SourceIds.Where({ $_.Composed -and $Id.EndsWith($_.Id, [StringComparison]::Ordinal) -and $Id.Length -gt $_.Id.Length -and $Literals.Contains($Id.Substring(0, $Id.Length - $_.Id.Length)) })
}

# The ids of $Ids that are not in sorted order (OrdinalIgnoreCase), or that repeat: each with the id before it.
function Get-UnsortedErrorId([string[]] $Ids) {
    for ($i = 1; $i -lt $Ids.Count; $i++) {
        if ([StringComparer]::OrdinalIgnoreCase.Compare($Ids[$i - 1], $Ids[$i]) -ge 0) { "$($Ids[$i]) (after $($Ids[$i - 1]))" }
    }
}
