#Requires -Version 7.4
<#
.SYNOPSIS
Writes the third-party notices of a published module folder.

.DESCRIPTION
Reads the publish's deps.json, and for every NuGet package that put a file into the module
folder (a managed assembly or a native library), writes its licence into
<Destination>/licenses/<package id>/ and a section into <Destination>/THIRD-PARTY-NOTICES.txt:
the package, its version, its licence, its copyright line and the files it shipped.

The licence comes from the package itself: the file its nuspec names (<license type="file">),
and every licence or notice file at the top of the package (LICENSE*, NOTICE*,
ThirdPartyNotices*, THIRD-PARTY-NOTICES*). A package that gives only an SPDX expression gets
the standard text of that licence from build/LicenceTexts with its copyright line filled in.

The script stops the build (it throws) when a shipped package has neither a licence file nor
an expression with a text in build/LicenceTexts, so no new dependency ships without its notice.
Every such package is listed, not just the first.

.PARAMETER DepsJson
The publish's <project>.deps.json.

.PARAMETER PackageRoot
The NuGet global packages folder the publish restored from.

.PARAMETER Destination
The module's bin folder: licenses/ and THIRD-PARTY-NOTICES.txt are written there.

.PARAMETER Data
Packages whose data (not code) the module ships, as @{ '<id>/<version>' = '<what it ships>' };
they get a section like the others.
#>
param(
    [Parameter(Mandatory)][string] $DepsJson,
    [Parameter(Mandatory)][string] $PackageRoot,
    [Parameter(Mandatory)][string] $Destination,
    [hashtable] $Data = @{}
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$texts = Join-Path $PSScriptRoot 'LicenceTexts'
$licenceFile = '^(licen[cs]e|notice|third-?party-?notices?)([-._].*)?$'

# One package: where it lies, and what it shipped (relative paths in the package).
$deps = Get-Content -Raw -LiteralPath $DepsJson | ConvertFrom-Json -AsHashtable
$packages = [ordered]@{}
foreach ($target in $deps.targets.Values) {
    foreach ($name in $target.Keys) {
        $library = $deps.libraries[$name]
        if ($library.type -ne 'package') { continue }
        $assets = $target[$name]
        $files = @(foreach ($kind in 'runtime', 'native', 'runtimeTargets') { if ($assets.ContainsKey($kind)) { $assets[$kind].Keys } })
        if ($files.Count -eq 0) { continue }
        $packages[$name] = @{ Path = $library.path; Shipped = $files }
    }
}
foreach ($name in $Data.Keys) { $packages[$name] = @{ Path = $name.ToLowerInvariant(); Shipped = @($Data[$name]) } }

$licenses = Join-Path $Destination 'licenses'
Remove-Item -LiteralPath $licenses -Recurse -Force -ErrorAction Ignore
$sections = [Collections.Generic.List[string]]::new()
$problems = [Collections.Generic.List[string]]::new()

foreach ($name in $packages.Keys | Sort-Object) {
    $id, $version = $name -split '/', 2
    $folder = Join-Path $PackageRoot $packages[$name].Path
    $nuspec = Get-ChildItem -LiteralPath $folder -Filter '*.nuspec' -File -ErrorAction Ignore | Select-Object -First 1
    if (-not $nuspec) { $problems.Add("$name`: no .nuspec in '$folder'"); continue }
    $metadata = ([xml](Get-Content -Raw -LiteralPath $nuspec.FullName)).package.metadata
    $copyright = if ($metadata.PSObject.Properties['copyright']) { "$($metadata.copyright)".Trim() } else { '' }
    $licence = if ($metadata.PSObject.Properties['license']) { $metadata.license } else { $null }

    $found = @(Get-ChildItem -LiteralPath $folder -File | Where-Object { $_.Name -match $licenceFile })
    if ($licence -and $licence.type -eq 'file') {
        $named = Join-Path $folder $licence.'#text'
        if ((Test-Path -LiteralPath $named) -and $found.FullName -notcontains (Resolve-Path -LiteralPath $named).ProviderPath) { $found += Get-Item -LiteralPath $named }
    }
    $outFolder = Join-Path $licenses $id
    $written = @()
    if ($found) {
        New-Item -ItemType Directory -Force $outFolder | Out-Null
        foreach ($file in $found) { Copy-Item -LiteralPath $file.FullName (Join-Path $outFolder $file.Name); $written += $file.Name }
        $terms = if ($licence -and $licence.type -eq 'expression') { "as in its text (its nuspec says $($licence.'#text'))" } else { 'as in its text' }
    }
    elseif ($licence -and $licence.type -eq 'expression') {
        $expression = $licence.'#text'
        # 'A OR B' is met by either; a term with AND or WITH inside needs more than one text, so it is not taken.
        $chosen = $expression -split '\s+OR\s+' | ForEach-Object { $_.Trim('() ') } |
            Where-Object { $_ -notmatch '\s' -and (Test-Path -LiteralPath (Join-Path $texts "$_.txt")) } | Select-Object -First 1
        if (-not $chosen) { $problems.Add("$name`: its licence '$expression' has no text in build/LicenceTexts"); continue }
        $text = (Get-Content -Raw -LiteralPath (Join-Path $texts "$chosen.txt")).Replace('{copyright}', ($copyright ? $copyright : "Copyright the authors of $id"))
        New-Item -ItemType Directory -Force $outFolder | Out-Null
        Set-Content -LiteralPath (Join-Path $outFolder "LICENSE-$chosen.txt") -Value $text -NoNewline
        $written += "LICENSE-$chosen.txt"
        $terms = if ($chosen -eq $expression) { $expression } else { "$expression (taken under $chosen)" }
    }
    else {
        $problems.Add("$name`: the package has no licence file and no licence expression")
        continue
    }
    $sections.Add(@(
            "$id $version"
            "  Licence:   $terms"
            if ($copyright) { "  Copyright: $copyright" }
            "  Text:      $(($written | ForEach-Object { "licenses/$id/$_" }) -join ', ')"
            "  Ships:     $(($packages[$name].Shipped | ForEach-Object { Split-Path $_ -Leaf }) -join ', ')"
        ) -join "`n")
}

if ($problems.Count) {
    throw "Third-party notices: $($problems.Count) shipped package(s) without a licence text:`n  $($problems -join "`n  ")`nAdd the licence's text to build/LicenceTexts, or check the package."
}

$header = @'
BertAdapt ships the following third-party components in this folder. Each is used under its own
licence, whose text is in licenses/<component>/. BertAdapt itself is under the MIT licence (the
LICENSE file of the module).
'@
Set-Content -LiteralPath (Join-Path $Destination 'THIRD-PARTY-NOTICES.txt') -Value ($header + "`n`n" + ($sections -join "`n`n") + "`n") -NoNewline
