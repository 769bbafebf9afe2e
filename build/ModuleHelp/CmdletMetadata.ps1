# Part of build/New-ModuleHelp.ps1 (dot-sourced): reads cmdlet metadata from the built assembly by
# reflection, so parameter sets, types, pipeline binding and defaults never have to be written by hand.
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
