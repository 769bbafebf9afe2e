# Part of build/New-ModuleHelp.ps1 (dot-sourced): reads module/help/<Cmdlet>.psd1 and checks it
# against the cmdlet (every parameter described, examples that parse and call real parameters).
function ConvertTo-Paragraph {
    param($Text)
    foreach ($block in @($Text)) {
        if ($null -eq $block) { continue }
        $current = [System.Collections.Generic.List[string]]::new()
        foreach ($line in ([string]$block -split '\r?\n')) {
            $trimmed = $line.Trim()
            if ($trimmed.Length -eq 0 -or $trimmed -match '^(-|\*|\d+\.)\s') {
                if ($current.Count) { $current -join ' '; $current.Clear() }
            }
            if ($trimmed.Length) { $current.Add($trimmed) }
        }
        if ($current.Count) { $current -join ' ' }
    }
}

function ConvertTo-CodeText {
    param([string] $Code)
    $lines = @($Code -split '\r?\n')
    while ($lines.Count -and $lines[0].Trim().Length -eq 0) { $lines = @($lines | Select-Object -Skip 1) }
    while ($lines.Count -and $lines[-1].Trim().Length -eq 0) { $lines = @($lines | Select-Object -SkipLast 1) }
    ($lines | ForEach-Object TrimEnd) -join "`n"
}

function Test-HasText {
    param($Value)
    @(ConvertTo-Paragraph $Value).Count -gt 0
}

# Merges the help of parameters that several cmdlets share, written once in
# <HelpSource>/shared/<Name>.psd1 (Parameters and Defaults), into the help of each cmdlet that
# names the file in SharedParameters. A cmdlet's own file must not describe them again.
function Add-SharedParameterHelp {
    param([hashtable] $Help, [string] $Name, [string] $File, [string] $HelpSource, $Used, [System.Collections.Generic.List[string]] $Problems)
    if (-not $Help.ContainsKey('SharedParameters')) { return }
    foreach ($key in 'Parameters', 'Defaults') { if (-not $Help.ContainsKey($key)) { $Help[$key] = @{} } }
    foreach ($shared in @($Help.SharedParameters)) {
        $sharedFile = Join-Path $HelpSource "shared/$shared.psd1"
        if (-not (Test-Path -LiteralPath $sharedFile -PathType Leaf)) { $Problems.Add("${Name} ($File): SharedParameters names '$shared', but '$sharedFile' does not exist."); continue }
        [void]$Used.Add($shared)
        $data = Import-PowerShellDataFile -LiteralPath $sharedFile
        foreach ($key in $data.Keys) { if ($key -notin 'Parameters', 'Defaults') { $Problems.Add("${sharedFile}: unknown key '$key' (known: Parameters, Defaults).") } }
        foreach ($key in 'Parameters', 'Defaults') {
            if (-not $data.ContainsKey($key)) { continue }
            foreach ($parameter in $data[$key].Keys) {
                if ($Help[$key].ContainsKey($parameter)) { $Problems.Add("${Name} ($File): $key has -$parameter, which '$sharedFile' already gives; write it once.") }
                else { $Help[$key][$parameter] = $data[$key][$parameter] }
            }
        }
    }
}

function Test-HelpSource {
    param($Model, $Help, [string] $File, $AllModels, [System.Collections.Generic.List[string]] $Problems)
    $name = $Model.Name
    function Add-Problem([string] $Message) { $Problems.Add("${name} ($File): $Message") }

    foreach ($key in $Help.Keys) {
        if ($key -notin $knownKeys) { Add-Problem "unknown key '$key' (known: $($knownKeys -join ', '))." }
    }
    if (-not $Help.ContainsKey('Synopsis') -or $Help.Synopsis -isnot [string] -or -not (Test-HasText $Help.Synopsis)) { Add-Problem 'no Synopsis.' }
    if (-not $Help.ContainsKey('Description') -or -not (Test-HasText $Help.Description)) { Add-Problem 'no Description.' }

    $byName = @{}
    foreach ($p in $Model.Parameters) { $byName[$p.Name] = $p }
    $described = if ($Help.ContainsKey('Parameters') -and $Help.Parameters -is [hashtable]) { $Help.Parameters } else { @{} }
    if ($Help.ContainsKey('Parameters') -and $Help.Parameters -isnot [hashtable]) { Add-Problem 'Parameters must be a hashtable of name = description.' }
    foreach ($p in $Model.Parameters) {
        if ($p.Synthetic) { continue }
        if (-not $described.ContainsKey($p.Name) -or -not (Test-HasText $described[$p.Name])) { Add-Problem "parameter -$($p.Name) has no description." }
    }
    foreach ($key in $described.Keys) {
        if (-not $byName.ContainsKey($key)) { Add-Problem "describes parameter -$key, which the cmdlet does not have." }
        elseif ($byName[$key].Name -cne $key) { Add-Problem "describes parameter -$key, which is spelled -$($byName[$key].Name)." }
    }
    if ($Help.ContainsKey('Defaults')) {
        if ($Help.Defaults -isnot [hashtable]) { Add-Problem 'Defaults must be a hashtable of name = text.' }
        else { foreach ($key in $Help.Defaults.Keys) { if (-not $byName.ContainsKey($key)) { Add-Problem "gives a default for -$key, which the cmdlet does not have." } } }
    }

    $pipeline = @($Model.Parameters | Where-Object { $_.Attributes | Where-Object { $_.ValueFromPipeline -or $_.ValueFromPipelineByPropertyName } })
    if ($pipeline.Count -and -not ($Help.ContainsKey('Inputs') -and $Help.Inputs -is [hashtable] -and $Help.Inputs.Count)) {
        Add-Problem "no Inputs, but -$($pipeline.Name -join ', -') take(s) pipeline input."
    }
    if (-not $pipeline.Count -and $Help.ContainsKey('Inputs')) { Add-Problem 'has Inputs, but no parameter takes pipeline input.' }
    if ($Help.ContainsKey('Inputs') -and $Help.Inputs -is [hashtable]) {
        foreach ($key in $Help.Inputs.Keys) { if (-not (Test-HasText $Help.Inputs[$key])) { Add-Problem "input type '$key' has no description." } }
    }

    $outputs = if ($Help.ContainsKey('Outputs') -and $Help.Outputs -is [hashtable]) { $Help.Outputs } else { @{} }
    foreach ($type in $Model.OutputTypes) {
        if (-not $outputs.ContainsKey($type) -or -not (Test-HasText $outputs[$type])) { Add-Problem "output type '$type' ([OutputType]) has no description under Outputs." }
    }
    foreach ($key in $outputs.Keys) {
        if ($key -notin $Model.OutputTypes) { Add-Problem "describes output type '$key', which is not among its [OutputType] attributes ($($Model.OutputTypes -join ', '))." }
    }

    $examples = @(if ($Help.ContainsKey('Examples')) { $Help.Examples })
    if ($examples.Count -eq 0) { Add-Problem 'no Examples.' }
    $index = 0
    foreach ($example in $examples) {
        $index++
        if ($example -isnot [hashtable]) { Add-Problem "example $index is not a hashtable."; continue }
        foreach ($key in $example.Keys) { if ($key -notin $exampleKeys) { Add-Problem "example ${index}: unknown key '$key'." } }
        foreach ($key in $exampleKeys) {
            if (-not $example.ContainsKey($key) -or -not (Test-HasText $example[$key])) { Add-Problem "example ${index}: no $key." }
        }
        if ($example.ContainsKey('Code') -and $example.Code -is [string]) {
            foreach ($problem in Test-ExampleCode -Code $example.Code -AllModels $AllModels) { Add-Problem "example ${index}: $problem" }
        }
    }

    if ($Help.ContainsKey('RelatedLinks')) {
        foreach ($link in @($Help.RelatedLinks)) {
            if ($link -match '^[a-z][a-z0-9+.-]*://') { continue }
            if ($AllModels.Name -notcontains $link -and -not (Get-Command -Name $link -ErrorAction Ignore)) { Add-Problem "related link '$link' is neither a URL nor a known command." }
        }
    }
}

# Example code must parse, and every call of one of the module's cmdlets (or of a command that
# looks like one: same noun, or a noun with 'Bert' in it) must name an existing cmdlet and
# existing parameters.
function Test-ExampleCode {
    param([string] $Code, $AllModels)
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref]$tokens, [ref]$errors)
    foreach ($e in $errors) { "the code does not parse: $($e.Message) (line $($e.Extent.StartLineNumber))." }
    $nouns = @($AllModels | ForEach-Object Noun)
    $commands = $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)
    foreach ($command in $commands) {
        $commandName = $command.GetCommandName()
        if (-not $commandName) { continue }
        $model = $AllModels | Where-Object Name -EQ $commandName | Select-Object -First 1
        if (-not $model) {
            if ($commandName -match '^\w+-(?<noun>\w+)$' -and ($Matches.noun -in $nouns -or $Matches.noun -match 'Bert')) {
                "calls '$commandName', which is not a cmdlet of this module."
            }
            continue
        }
        $known = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
        foreach ($p in $model.Parameters) { $null = $known.Add($p.Name); foreach ($alias in $p.Aliases) { $null = $known.Add($alias) } }
        foreach ($name in $commonParameters) { $null = $known.Add($name) }
        foreach ($element in $command.CommandElements) {
            if ($element -is [System.Management.Automation.Language.CommandParameterAst] -and -not $known.Contains($element.ParameterName)) {
                "calls $commandName with -$($element.ParameterName), which it does not have."
            }
        }
    }
}
