# Part of build/New-ModuleHelp.ps1 (dot-sourced): writes one cmdlet's MAML help with an XmlWriter.
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
