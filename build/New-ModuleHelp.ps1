#Requires -Version 7.4
<#
.SYNOPSIS
Generates the MAML help file of the BertAdapt binary module.

.DESCRIPTION
Reads the cmdlet classes of the built assembly by reflection (names, parameter sets, types,
mandatory, position, pipeline binding, aliases, wildcards, accepted values, default values,
output types, ShouldProcess support) and merges them with the prose kept in one PowerShell data
file per cmdlet under -HelpSource (module/help/<Verb-Noun>.psd1). The result is a MAML file that
Get-Help reads for the module's cmdlets.

The script stops the build (it throws) when the help and the code disagree: a cmdlet without a
help file, a help file without a cmdlet, a missing synopsis, description or example, a parameter
without a description, a description of a parameter that does not exist, output types that do
not match the OutputType attributes, or example code that does not parse or that calls a
module cmdlet or parameter that does not exist. Every problem is listed, not just the first.

A help data file holds these keys (only Synopsis, Description, Parameters and Examples are
always required):
  Synopsis      one sentence.
  Description   a string or an array of strings; blank lines separate paragraphs, and a line
                that starts with '- ' starts a paragraph of its own.
  Parameters    @{ <Name> = <description> } for every parameter except the common ones;
                WhatIf and Confirm have generated descriptions that may be overridden.
  Defaults      @{ <Name> = <text> } to replace a default value read from the class, where
                the field's initial value is not what the user sees (for example "-1 = auto").
  Inputs        @{ <type name> = <description> }; required when a parameter takes pipeline
                input, not allowed otherwise.
  Outputs       @{ <type name> = <description> }, exactly one entry per [OutputType] type.
  Notes         a string or an array of strings (paragraphs).
  Examples      an array of @{ Title = ...; Code = ...; Remarks = ... }.
  RelatedLinks  an array of command names or URLs.

.PARAMETER HelpSource
The folder with one <Verb-Noun>.psd1 file per cmdlet.

.PARAMETER Destination
The MAML file to write, conventionally <assembly dir>/<culture>/<assembly file>-Help.xml.

.PARAMETER AssemblyPath
The cmdlet assembly. By default it is derived from -Destination: the file named by stripping
'-Help.xml' from its name, in the parent folder of its culture folder.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $HelpSource,

    [Parameter(Mandatory)]
    [string] $Destination,

    [string] $AssemblyPath
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$Destination = [IO.Path]::GetFullPath($Destination, (Get-Location -PSProvider FileSystem).ProviderPath)
$HelpSource = [IO.Path]::GetFullPath($HelpSource, (Get-Location -PSProvider FileSystem).ProviderPath)
if (-not $AssemblyPath) {
    $leaf = Split-Path -Leaf $Destination
    if ($leaf -notmatch '^(?<assembly>.+)-Help\.xml$') { throw "Cannot derive the assembly from '$Destination': pass -AssemblyPath." }
    $AssemblyPath = Join-Path (Split-Path (Split-Path $Destination)) $Matches.assembly
}
$AssemblyPath = [IO.Path]::GetFullPath($AssemblyPath, (Get-Location -PSProvider FileSystem).ProviderPath)
if (-not (Test-Path -LiteralPath $AssemblyPath -PathType Leaf)) { throw "The cmdlet assembly '$AssemblyPath' does not exist: build the module first, or pass -AssemblyPath." }
if (-not (Test-Path -LiteralPath $HelpSource -PathType Container)) { throw "The help source folder '$HelpSource' does not exist." }

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
    MSHelp  = 'http://msdn.microsoft.com/mshelp'
}
$allSets = [System.Management.Automation.ParameterAttribute]::AllParameterSets
$commonParameters = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
foreach ($name in [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters) {
    $null = $commonParameters.Add($name)
}
$knownKeys = 'Synopsis', 'Description', 'Parameters', 'Defaults', 'Inputs', 'Outputs', 'Notes', 'Examples', 'RelatedLinks'
$exampleKeys = 'Title', 'Code', 'Remarks'
$invariant = [Globalization.CultureInfo]::InvariantCulture

#region Reflection

# The assembly goes into a collectible load context from a copy of its bytes: the file is not
# locked (a later publish can overwrite it) and a second build in the same session reads the new
# assembly rather than the one loaded before. PowerShell's own assemblies come from the default
# context, so the attribute types below are the ones this script compares against; the module's
# other managed dependencies are resolved from the assembly's folder.
function Import-CmdletAssembly {
    param([string] $Path)
    $context = [System.Runtime.Loader.AssemblyLoadContext]::new("ModuleHelp-$([guid]::NewGuid().ToString('N'))", $true)
    $folder = Split-Path $Path
    $context.add_Resolving({
            param($loadContext, $assemblyName)
            $candidate = @((Join-Path $folder "$($assemblyName.Name).dll"), (Join-Path $folder "Dependencies/$($assemblyName.Name).dll")) |
                Where-Object { Test-Path -LiteralPath $_ -PathType Leaf } | Select-Object -First 1
            if (-not $candidate) { return $null }
            $stream = [IO.MemoryStream]::new([IO.File]::ReadAllBytes($candidate))
            try { $loadContext.LoadFromStream($stream) } finally { $stream.Dispose() }
        }.GetNewClosure())
    $stream = [IO.MemoryStream]::new([IO.File]::ReadAllBytes($Path))
    try { $assembly = $context.LoadFromStream($stream) } finally { $stream.Dispose() }
    [pscustomobject]@{ Context = $context; Assembly = $assembly }
}

function Get-TypeLabel {
    param([type] $Type)
    $underlying = [Nullable]::GetUnderlyingType($Type)
    if ($underlying) { $Type = $underlying }
    [pscustomobject]@{ Short = $Type.Name; Full = $Type.FullName ?? $Type.Name; IsArray = $Type.IsArray; IsSwitch = $Type -eq [switch] }
}

function Format-Value {
    param($Value)
    if ($null -eq $Value) { return $null }
    if ($Value -is [System.Management.Automation.SwitchParameter]) { return $Value.IsPresent.ToString() }
    if ($Value -is [string]) { if ($Value.Length -eq 0) { return $null } else { return $Value } }
    if ($Value -is [Array]) {
        if ($Value.Length -eq 0) { return $null }
        return ($Value | ForEach-Object { [Convert]::ToString($_, $invariant) }) -join ', '
    }
    if ($Value -is [IFormattable]) { return $Value.ToString($null, $invariant) }
    $Value.ToString()
}

function Format-Range {
    param([System.Management.Automation.ValidateRangeAttribute] $Range, [type] $Type)
    # A range given as a ValidateRangeKind (Positive, NonNegative...) has no bounds to show.
    if ($null -eq $Range.MinRange -or $null -eq $Range.MaxRange) { return $null }
    $element = if ($Type.IsArray) { $Type.GetElementType() } else { $Type }
    $min = $Range.MinRange; $max = $Range.MaxRange
    $maxField = $element.GetField('MaxValue')
    $isTypeMax = $maxField -and $maxField.IsStatic -and $max -eq $maxField.GetValue($null)
    $minText = [Convert]::ToString($min, $invariant)
    if ($isTypeMax) { "$minText or more" } else { "$minText to $([Convert]::ToString($max, $invariant))" }
}

# The members of a cmdlet class that carry [Parameter], base classes first, each class in
# declaration order.
function Get-CmdletParameter {
    param([type] $Type, $Instance)
    $chain = [System.Collections.Generic.List[type]]::new()
    for ($t = $Type; $null -ne $t -and $t -ne [object]; $t = $t.BaseType) { $chain.Insert(0, $t) }
    $seen = [System.Collections.Generic.Dictionary[string, object]]::new([StringComparer]::OrdinalIgnoreCase)
    $ordered = [System.Collections.Generic.List[object]]::new()
    $flags = [Reflection.BindingFlags]'Public, Instance, DeclaredOnly'
    foreach ($t in $chain) {
        $members = @($t.GetProperties($flags) | Sort-Object MetadataToken) + @($t.GetFields($flags) | Sort-Object MetadataToken)
        foreach ($member in $members) {
            $attributes = @($member.GetCustomAttributes([System.Management.Automation.ParameterAttribute], $true))
            if ($attributes.Count -eq 0) { continue }
            $memberType = if ($member -is [Reflection.PropertyInfo]) { $member.PropertyType } else { $member.FieldType }
            $default = $null
            if ($null -ne $Instance) {
                try { $default = Format-Value $member.GetValue($Instance) } catch { $default = $null }
            }
            $validateSet = $member.GetCustomAttributes([System.Management.Automation.ValidateSetAttribute], $true) | Select-Object -First 1
            $validateRange = $member.GetCustomAttributes([System.Management.Automation.ValidateRangeAttribute], $true) | Select-Object -First 1
            $parameter = [pscustomobject]@{
                Name          = $member.Name
                Type          = Get-TypeLabel $memberType
                Attributes    = $attributes
                Aliases       = @($member.GetCustomAttributes([System.Management.Automation.AliasAttribute], $true) | ForEach-Object AliasNames)
                Globbing      = $member.IsDefined([System.Management.Automation.SupportsWildcardsAttribute], $true)
                AcceptedSet   = @(if ($validateSet) { $validateSet.ValidValues })
                AcceptedRange = if ($validateRange) { Format-Range $validateRange $memberType } else { $null }
                Default       = $default
                Hidden        = -not @($attributes | Where-Object { -not $_.DontShow })
                Synthetic     = $false
            }
            if ($seen.ContainsKey($member.Name)) { $ordered.Remove($seen[$member.Name]) | Out-Null }
            $seen[$member.Name] = $parameter
            $ordered.Add($parameter)
        }
    }
    @($ordered | Where-Object { -not $_.Hidden -and -not $commonParameters.Contains($_.Name) })
}

function New-ShouldProcessParameter {
    param([string] $Name, [string] $Alias)
    $attribute = [System.Management.Automation.ParameterAttribute]::new()
    [pscustomobject]@{
        Name = $Name; Type = Get-TypeLabel ([switch]); Attributes = @($attribute); Aliases = @($Alias); Globbing = $false
        AcceptedSet = @(); AcceptedRange = $null; Default = 'False'; Hidden = $false; Synthetic = $true
    }
}

function Get-CmdletModel {
    param([type] $Type)
    $cmdlet = $Type.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
    $instance = $null
    try { $instance = [Activator]::CreateInstance($Type) } catch { Write-Verbose "No default values for $($Type.FullName): $($_.Exception.Message)" }
    $parameters = Get-CmdletParameter -Type $Type -Instance $instance
    if ($cmdlet.SupportsShouldProcess) {
        $parameters += New-ShouldProcessParameter WhatIf wi
        $parameters += New-ShouldProcessParameter Confirm cf
    }
    $sets = [System.Collections.Generic.List[string]]::new()
    if ($cmdlet.DefaultParameterSetName) { $sets.Add($cmdlet.DefaultParameterSetName) }
    foreach ($p in $parameters) {
        foreach ($a in $p.Attributes) {
            if ($a.ParameterSetName -ne $allSets -and -not $sets.Contains($a.ParameterSetName)) { $sets.Add($a.ParameterSetName) }
        }
    }
    if ($sets.Count -eq 0) { $sets.Add($allSets) }
    [pscustomobject]@{
        Name                  = "$($cmdlet.VerbName)-$($cmdlet.NounName)"
        Verb                  = $cmdlet.VerbName
        Noun                  = $cmdlet.NounName
        Type                  = $Type
        Parameters            = $parameters
        Sets                  = @($sets)
        SupportsShouldProcess = $cmdlet.SupportsShouldProcess
        OutputTypes           = @($Type.GetCustomAttributes([System.Management.Automation.OutputTypeAttribute], $true) |
                ForEach-Object { $_.Type } | ForEach-Object Name | Select-Object -Unique)
    }
}

# The [Parameter] attribute that applies to a parameter in a set, or $null when it is not in it.
function Get-SetAttribute {
    param($Parameter, [string] $Set)
    $explicit = $Parameter.Attributes | Where-Object ParameterSetName -EQ $Set | Select-Object -First 1
    if ($explicit) { return $explicit }
    $Parameter.Attributes | Where-Object ParameterSetName -EQ $allSets | Select-Object -First 1
}

function Get-PipelineText {
    param($Attribute)
    $kinds = @(if ($Attribute.ValueFromPipeline) { 'ByValue' }; if ($Attribute.ValueFromPipelineByPropertyName) { 'ByPropertyName' })
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Get-PositionText {
    param($Attribute)
    if ($Attribute.Position -eq [int]::MinValue) { 'named' } else { [string]$Attribute.Position }
}

# Positional parameters by position, then the others in declaration order.
function Get-OrderedParameter {
    param($Model, [string] $Set)
    $inSet = @($Model.Parameters | Where-Object { $null -ne (Get-SetAttribute $_ $Set) })
    $positional = @($inSet | Where-Object { (Get-SetAttribute $_ $Set).Position -ne [int]::MinValue } | Sort-Object { (Get-SetAttribute $_ $Set).Position })
    @($positional) + @($inSet | Where-Object { $_ -notin $positional })
}

# One value for a parameter across the sets it belongs to, or "value (Set, Set); value (Set)".
function Join-PerSet {
    param($Model, $Parameter, [scriptblock] $Selector)
    $values = [ordered]@{}
    foreach ($set in $Model.Sets) {
        $attribute = Get-SetAttribute $Parameter $set
        if ($null -eq $attribute) { continue }
        $value = & $Selector $attribute
        if (-not $values.Contains($value)) { $values[$value] = [System.Collections.Generic.List[string]]::new() }
        $values[$value].Add($set)
    }
    if ($values.Count -le 1) { return @($values.Keys)[0] }
    (@($values.Keys) | ForEach-Object { "$_ ($($values[$_] -join ', '))" }) -join '; '
}

#endregion

#region Help source

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

#endregion

#region MAML

function Write-Paragraphs {
    param([System.Xml.XmlWriter] $Writer, [string[]] $Paragraphs)
    foreach ($paragraph in $Paragraphs) { $Writer.WriteElementString('maml', 'para', $ns.maml, $paragraph) }
}

function Write-Description {
    param([System.Xml.XmlWriter] $Writer, [string] $Prefix, [string] $LocalName, [string[]] $Paragraphs)
    $Writer.WriteStartElement($Prefix, $LocalName, $ns[$Prefix])
    Write-Paragraphs $Writer $Paragraphs
    $Writer.WriteEndElement()
}

function Write-TypeElement {
    param([System.Xml.XmlWriter] $Writer, [string] $TypeName)
    $Writer.WriteStartElement('dev', 'type', $ns.dev)
    $Writer.WriteElementString('maml', 'name', $ns.maml, $TypeName)
    $Writer.WriteStartElement('maml', 'uri', $ns.maml); $Writer.WriteEndElement()
    $Writer.WriteEndElement()
}

function Write-ParameterElement {
    param([System.Xml.XmlWriter] $Writer, $Parameter, [hashtable] $Attributes, [string[]] $Description, [string] $Default, [switch] $InSyntax)
    $Writer.WriteStartElement('command', 'parameter', $ns.command)
    foreach ($key in 'required', 'variableLength', 'globbing', 'pipelineInput', 'position', 'aliases') {
        $Writer.WriteAttributeString($key, $Attributes[$key])
    }
    $Writer.WriteElementString('maml', 'name', $ns.maml, $Parameter.Name)
    if ($Description) { Write-Description $Writer 'maml' 'description' $Description }
    if ($Parameter.AcceptedSet.Count) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($value in $Parameter.AcceptedSet) {
            $Writer.WriteStartElement('command', 'parameterValue', $ns.command)
            $Writer.WriteAttributeString('required', 'false')
            $Writer.WriteAttributeString('command', 'variableLength', $ns.command, 'false')
            $Writer.WriteString($value)
            $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    # In a syntax line a switch shows as [-Name]; a value as [-Name] <Type>.
    if (-not ($InSyntax -and $Parameter.Type.IsSwitch)) {
        $Writer.WriteStartElement('command', 'parameterValue', $ns.command)
        $Writer.WriteAttributeString('required', $(if ($Parameter.Type.IsSwitch) { 'false' } else { 'true' }))
        $Writer.WriteAttributeString('variableLength', $Attributes.variableLength)
        $Writer.WriteString($Parameter.Type.Short)
        $Writer.WriteEndElement()
    }
    Write-TypeElement $Writer $Parameter.Type.Full
    $Writer.WriteElementString('dev', 'defaultValue', $ns.dev, $(if ($Default) { $Default } else { 'None' }))
    $Writer.WriteEndElement()
}

function Get-ParameterDescription {
    param($Model, $Help, $Parameter)
    $described = if ($Help.ContainsKey('Parameters') -and $Help.Parameters -is [hashtable]) { $Help.Parameters } else { @{} }
    $paragraphs = @(if ($described.ContainsKey($Parameter.Name)) { ConvertTo-Paragraph $described[$Parameter.Name] })
    if (-not $paragraphs.Count -and $Parameter.Synthetic) {
        $paragraphs = @(switch ($Parameter.Name) {
                'WhatIf' { 'Shows what the cmdlet would do, without doing it.' }
                'Confirm' { 'Asks for confirmation before the cmdlet changes anything.' }
            })
    }
    if ($Parameter.AcceptedSet.Count) { $paragraphs += "Accepted values: $($Parameter.AcceptedSet -join ', ')." }
    if ($Parameter.AcceptedRange) { $paragraphs += "Accepted values: $($Parameter.AcceptedRange)." }
    $paragraphs
}

function Get-ParameterDefault {
    param($Help, $Parameter)
    if ($Help.ContainsKey('Defaults') -and $Help.Defaults -is [hashtable] -and $Help.Defaults.ContainsKey($Parameter.Name)) { return [string]$Help.Defaults[$Parameter.Name] }
    $Parameter.Default
}

function Write-Command {
    param([System.Xml.XmlWriter] $Writer, $Model, [hashtable] $Help)
    $Writer.WriteStartElement('command', 'command', $ns.command)
    foreach ($prefix in 'maml', 'command', 'dev', 'MSHelp') {
        $Writer.WriteAttributeString('xmlns', $prefix, 'http://www.w3.org/2000/xmlns/', $ns[$prefix])
    }

    $Writer.WriteStartElement('command', 'details', $ns.command)
    $Writer.WriteElementString('command', 'name', $ns.command, $Model.Name)
    $Writer.WriteElementString('command', 'verb', $ns.command, $Model.Verb)
    $Writer.WriteElementString('command', 'noun', $ns.command, $Model.Noun)
    Write-Description $Writer 'maml' 'description' @(ConvertTo-Paragraph $Help.Synopsis)
    $Writer.WriteEndElement()

    Write-Description $Writer 'maml' 'description' @(ConvertTo-Paragraph $Help.Description)

    $Writer.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $Model.Sets) {
        $Writer.WriteStartElement('command', 'syntaxItem', $ns.command)
        $Writer.WriteElementString('maml', 'name', $ns.maml, $Model.Name)
        foreach ($parameter in Get-OrderedParameter $Model $set) {
            $attribute = Get-SetAttribute $parameter $set
            $attributes = @{
                required       = $attribute.Mandatory.ToString().ToLowerInvariant()
                variableLength = $parameter.Type.IsArray.ToString().ToLowerInvariant()
                globbing       = $parameter.Globbing.ToString().ToLowerInvariant()
                pipelineInput  = Get-PipelineText $attribute
                position       = Get-PositionText $attribute
                aliases        = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }
            }
            Write-ParameterElement $Writer $parameter $attributes -Default (Get-ParameterDefault $Help $parameter) -InSyntax
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    # Parameters: the default set's order first, then those only found in other sets.
    $Writer.WriteStartElement('command', 'parameters', $ns.command)
    $order = [System.Collections.Generic.List[object]]::new()
    foreach ($set in $Model.Sets) { foreach ($p in Get-OrderedParameter $Model $set) { if (-not $order.Contains($p)) { $order.Add($p) } } }
    foreach ($parameter in $order) {
        $attributes = @{
            required       = Join-PerSet $Model $parameter { param($a) $a.Mandatory.ToString().ToLowerInvariant() }
            variableLength = $parameter.Type.IsArray.ToString().ToLowerInvariant()
            globbing       = $parameter.Globbing.ToString().ToLowerInvariant()
            pipelineInput  = Join-PerSet $Model $parameter { param($a) Get-PipelineText $a }
            position       = Join-PerSet $Model $parameter { param($a) Get-PositionText $a }
            aliases        = if ($parameter.Aliases.Count) { $parameter.Aliases -join ', ' } else { 'none' }
        }
        Write-ParameterElement $Writer $parameter $attributes -Description (Get-ParameterDescription $Model $Help $parameter) -Default (Get-ParameterDefault $Help $parameter)
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'inputTypes', $ns.command)
    $inputs = if ($Help.ContainsKey('Inputs')) { $Help.Inputs } else { @{ 'None' = 'This cmdlet does not take pipeline input.' } }
    foreach ($type in $inputs.Keys | Sort-Object) {
        $Writer.WriteStartElement('command', 'inputType', $ns.command)
        Write-TypeElement $Writer $type
        Write-Description $Writer 'maml' 'description' @(ConvertTo-Paragraph $inputs[$type])
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'returnValues', $ns.command)
    $outputs = if ($Model.OutputTypes.Count) { $Help.Outputs } else { @{ 'None' = 'This cmdlet writes no objects to the pipeline.' } }
    foreach ($type in @($Model.OutputTypes.Count ? $Model.OutputTypes : 'None')) {
        $Writer.WriteStartElement('command', 'returnValue', $ns.command)
        Write-TypeElement $Writer $type
        Write-Description $Writer 'maml' 'description' @(ConvertTo-Paragraph $outputs[$type])
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    if ($Help.ContainsKey('Notes') -and (Test-HasText $Help.Notes)) {
        $Writer.WriteStartElement('maml', 'alertSet', $ns.maml)
        $Writer.WriteStartElement('maml', 'alert', $ns.maml)
        Write-Paragraphs $Writer @(ConvertTo-Paragraph $Help.Notes)
        $Writer.WriteEndElement()
        $Writer.WriteEndElement()
    }

    $Writer.WriteStartElement('command', 'examples', $ns.command)
    $index = 0
    foreach ($example in @($Help.Examples)) {
        $index++
        $Writer.WriteStartElement('command', 'example', $ns.command)
        $Writer.WriteElementString('maml', 'title', $ns.maml, "----- Example ${index}: $((ConvertTo-Paragraph $example.Title) -join ' ') -----")
        $Writer.WriteElementString('dev', 'code', $ns.dev, (ConvertTo-CodeText $example.Code))
        # The empty last paragraph puts a blank line between one example and the next title.
        Write-Description $Writer 'dev' 'remarks' (@(ConvertTo-Paragraph $example.Remarks) + '')
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($link in @(if ($Help.ContainsKey('RelatedLinks')) { $Help.RelatedLinks })) {
        $Writer.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $isUri = $link -match '^[a-z][a-z0-9+.-]*://'
        $Writer.WriteElementString('maml', 'linkText', $ns.maml, $(if ($isUri) { '' } else { $link }))
        $Writer.WriteElementString('maml', 'uri', $ns.maml, $(if ($isUri) { $link } else { '' }))
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()

    $Writer.WriteEndElement()
}

#endregion

$loaded = Import-CmdletAssembly -Path $AssemblyPath
try {
    try {
        $types = @($loaded.Assembly.GetExportedTypes())
    } catch [Reflection.ReflectionTypeLoadException] {
        throw "Cannot read the types of '$AssemblyPath': $(($_.Exception.LoaderExceptions | ForEach-Object Message | Select-Object -Unique) -join '; ')"
    }
    $models = @($types | Where-Object { -not $_.IsAbstract -and $_.IsDefined([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object { Get-CmdletModel $_ } | Sort-Object Name)
    if ($models.Count -eq 0) { throw "'$AssemblyPath' defines no cmdlets." }

    $problems = [System.Collections.Generic.List[string]]::new()
    $helpByName = @{}
    foreach ($model in $models) {
        $file = Join-Path $HelpSource "$($model.Name).psd1"
        if (-not (Test-Path -LiteralPath $file -PathType Leaf)) {
            $problems.Add("$($model.Name): no help source file '$file'.")
            continue
        }
        try {
            $help = Import-PowerShellDataFile -LiteralPath $file
        } catch {
            $problems.Add("$($model.Name) ($file): not a valid data file: $($_.Exception.Message)")
            continue
        }
        Test-HelpSource -Model $model -Help $help -File $file -AllModels $models -Problems $problems
        $helpByName[$model.Name] = $help
    }
    foreach ($file in Get-ChildItem -LiteralPath $HelpSource -Filter *.psd1 -File) {
        if ($file.BaseName -notin $models.Name) { $problems.Add("$($file.FullName): there is no cmdlet named '$($file.BaseName)'.") }
    }
    if ($problems.Count) {
        foreach ($problem in $problems) { Write-Host "  - $problem" -ForegroundColor Red }
        throw "The module help does not match the code: $($problems.Count) problem(s), listed above. Fix the files in '$HelpSource'."
    }

    $directory = Split-Path $Destination
    New-Item -ItemType Directory -Force -Path $directory | Out-Null
    $settings = [System.Xml.XmlWriterSettings]@{
        Encoding = [Text.UTF8Encoding]::new($false)
        Indent = $true
        IndentChars = '  '
        NewLineChars = "`n"
        NewLineHandling = [System.Xml.NewLineHandling]::Replace
    }
    # Written next to the destination and moved into place, so a failure never leaves half a file.
    $temporary = Join-Path $directory ".$(Split-Path -Leaf $Destination).$([guid]::NewGuid().ToString('N')).tmp"
    try {
        $writer = [System.Xml.XmlWriter]::Create($temporary, $settings)
        try {
            $writer.WriteStartDocument()
            $writer.WriteStartElement('helpItems', 'http://msh')
            $writer.WriteAttributeString('schema', 'maml')
            foreach ($model in $models) { Write-Command -Writer $writer -Model $model -Help $helpByName[$model.Name] }
            $writer.WriteEndElement()
            $writer.WriteEndDocument()
        } finally {
            $writer.Dispose()
        }
        Move-Item -LiteralPath $temporary -Destination $Destination -Force
    } finally {
        Remove-Item -LiteralPath $temporary -ErrorAction Ignore
    }
    Write-Host "Wrote help for $($models.Count) cmdlet(s) to $Destination" -ForegroundColor Cyan
} finally {
    $loaded.Context.Unload()
}
