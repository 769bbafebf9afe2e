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
$knownKeys = 'Synopsis', 'Description', 'SharedParameters', 'Parameters', 'Defaults', 'Inputs', 'Outputs', 'Notes', 'Examples', 'RelatedLinks'
$exampleKeys = 'Title', 'Code', 'Remarks'
$invariant = [Globalization.CultureInfo]::InvariantCulture

# The functions live beside this script, one concern per file.
. (Join-Path $PSScriptRoot 'ModuleHelp/CmdletMetadata.ps1')
. (Join-Path $PSScriptRoot 'ModuleHelp/HelpSource.ps1')
. (Join-Path $PSScriptRoot 'ModuleHelp/Maml.ps1')

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
    $sharedUsed = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::OrdinalIgnoreCase)
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
        Add-SharedParameterHelp -Help $help -Name $model.Name -File $file -HelpSource $HelpSource -Used $sharedUsed -Problems $problems
        Test-HelpSource -Model $model -Help $help -File $file -AllModels $models -Problems $problems
        $helpByName[$model.Name] = $help
    }
    foreach ($file in Get-ChildItem -LiteralPath $HelpSource -Filter *.psd1 -File) {
        if ($file.BaseName -notin $models.Name) { $problems.Add("$($file.FullName): there is no cmdlet named '$($file.BaseName)'.") }
    }
    foreach ($file in Get-ChildItem -LiteralPath (Join-Path $HelpSource 'shared') -Filter *.psd1 -File -ErrorAction Ignore) {
        if (-not $sharedUsed.Contains($file.BaseName)) { $problems.Add("$($file.FullName): no cmdlet names '$($file.BaseName)' in its SharedParameters.") }
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
