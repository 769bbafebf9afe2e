# Reads and edits the symbol-version requirements (.gnu.version_r) of an ELF64 shared library.
#
# Why: TorchSharp 0.107's libLibTorchSharp.so asks libstdc++ for GLIBCXX_3.4.32 (GCC 13), which
# Debian 12, Ubuntu 22.04 and RHEL 9 lack, so the loader refuses the library. The version is only
# attached to a symbol no relocation refers to, so marking that one requirement weak
# (VER_FLG_WEAK) lets the loader accept the library without changing what it binds.
# Set-ElfVersionNeedWeak refuses to weaken a requirement any relocation depends on.

Set-StrictMode -Version 3.0

$script:SHT_RELA = 4
$script:SHT_DYNSYM = 11
$script:SHT_GNU_verdef = 0x6ffffffd
$script:SHT_GNU_verneed = 0x6ffffffe
$script:SHT_GNU_versym = 0x6fffffff
$script:VER_FLG_WEAK = 0x2

function Read-ElfImage {
    param([Parameter(Mandatory)][string] $Path)
    $bytes = [System.IO.File]::ReadAllBytes($Path)
    if ($bytes.Length -lt 64 -or $bytes[0] -ne 0x7f -or $bytes[1] -ne 0x45 -or $bytes[2] -ne 0x4c -or $bytes[3] -ne 0x46) {
        throw "'$Path' is not an ELF file."
    }
    if ($bytes[4] -ne 2 -or $bytes[5] -ne 1) { throw "'$Path' is not a little-endian ELF64 file." }
    $shoff = [BitConverter]::ToUInt64($bytes, 40)
    $shentsize = [BitConverter]::ToUInt16($bytes, 58)
    $shnum = [BitConverter]::ToUInt16($bytes, 60)
    if ($shoff -eq 0 -or $shoff + [uint64]$shentsize * $shnum -gt [uint64]$bytes.Length) {
        throw "'$Path' has no readable section header table."
    }
    $sections = for ($i = 0; $i -lt $shnum; $i++) {
        $o = [int]($shoff + [uint64]$i * $shentsize)
        [pscustomobject]@{
            Index   = $i
            Type    = [BitConverter]::ToUInt32($bytes, $o + 4)
            Offset  = [int][BitConverter]::ToUInt64($bytes, $o + 24)
            Size    = [int][BitConverter]::ToUInt64($bytes, $o + 32)
            Link    = [BitConverter]::ToUInt32($bytes, $o + 40)
            Info    = [BitConverter]::ToUInt32($bytes, $o + 44)
            EntSize = [int][BitConverter]::ToUInt64($bytes, $o + 56)
        }
    }
    [pscustomobject]@{ Path = $Path; Bytes = $bytes; Sections = @($sections) }
}

function Get-ElfString([byte[]] $Bytes, [int] $TableOffset, [uint32] $Index) {
    $start = $TableOffset + [int]$Index
    $end = [Array]::IndexOf($Bytes, [byte]0, $start)
    [System.Text.Encoding]::ASCII.GetString($Bytes, $start, $end - $start)
}

function Get-ElfVersionNeed {
    <#
    .SYNOPSIS
    Lists each version an ELF64 library requires, with the library that must provide it.
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string] $Path)
    $elf = Read-ElfImage -Path $Path
    $b = $elf.Bytes
    foreach ($sec in $elf.Sections | Where-Object Type -EQ $script:SHT_GNU_verneed) {
        $strtab = $elf.Sections[$sec.Link].Offset
        $need = $sec.Offset
        for ($n = 0; $n -lt $sec.Info; $n++) {
            $count = [BitConverter]::ToUInt16($b, $need + 2)
            $file = Get-ElfString $b $strtab ([BitConverter]::ToUInt32($b, $need + 4))
            $aux = $need + [int][BitConverter]::ToUInt32($b, $need + 8)
            for ($a = 0; $a -lt $count; $a++) {
                $flags = [BitConverter]::ToUInt16($b, $aux + 4)
                [pscustomobject]@{
                    Library      = $file
                    Version      = Get-ElfString $b $strtab ([BitConverter]::ToUInt32($b, $aux + 8))
                    Flags        = $flags
                    Weak         = [bool]($flags -band $script:VER_FLG_WEAK)
                    VersionIndex = [BitConverter]::ToUInt16($b, $aux + 6)
                    FlagsOffset  = $aux + 4
                }
                $aux += [int][BitConverter]::ToUInt32($b, $aux + 12)
            }
            $next = [BitConverter]::ToUInt32($b, $need + 12)
            if ($next -eq 0) { break }
            $need += [int]$next
        }
    }
}

function Get-ElfVersionDefinition {
    <#
    .SYNOPSIS
    Lists the version names an ELF64 library defines (for example GLIBCXX_3.4.30 in libstdc++).
    #>
    [CmdletBinding()]
    param([Parameter(Mandatory)][string] $Path)
    $elf = Read-ElfImage -Path $Path
    $b = $elf.Bytes
    foreach ($sec in $elf.Sections | Where-Object Type -EQ $script:SHT_GNU_verdef) {
        $strtab = $elf.Sections[$sec.Link].Offset
        $def = $sec.Offset
        for ($d = 0; $d -lt $sec.Info; $d++) {
            $aux = $def + [int][BitConverter]::ToUInt32($b, $def + 12)
            Get-ElfString $b $strtab ([BitConverter]::ToUInt32($b, $aux))
            $next = [BitConverter]::ToUInt32($b, $def + 16)
            if ($next -eq 0) { break }
            $def += [int]$next
        }
    }
}

function Get-ElfRelocatedVersionIndex {
    # The version indexes of every dynamic symbol that some relocation refers to.
    param($Elf)
    $b = $Elf.Bytes
    $versym = $Elf.Sections | Where-Object Type -EQ $script:SHT_GNU_versym | Select-Object -First 1
    $used = [System.Collections.Generic.HashSet[int]]::new()
    if (-not $versym) { return $used }
    foreach ($rela in $Elf.Sections | Where-Object Type -EQ $script:SHT_RELA) {
        if ($Elf.Sections[$rela.Link].Type -ne $script:SHT_DYNSYM) { continue }
        $entsize = if ($rela.EntSize) { $rela.EntSize } else { 24 }
        for ($o = $rela.Offset; $o -lt $rela.Offset + $rela.Size; $o += $entsize) {
            $sym = [int]([BitConverter]::ToUInt64($b, $o + 8) -shr 32)
            if ($sym -eq 0) { continue }
            [void]$used.Add([BitConverter]::ToUInt16($b, $versym.Offset + 2 * $sym) -band 0x7fff)
        }
    }
    $used
}

function Set-ElfVersionNeedWeak {
    <#
    .SYNOPSIS
    Marks one required version weak in place, so a loader that lacks it still loads the library.
    Refuses when a relocation binds a symbol of that version (weakening would then break it).
    Returns $true when the file changed, $false when the requirement was already weak.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory)][string] $Path,
        [Parameter(Mandatory)][string] $Version
    )
    $need = @(Get-ElfVersionNeed -Path $Path | Where-Object Version -EQ $Version)
    if ($need.Count -eq 0) { throw "'$Path' does not require version '$Version'." }
    $need = $need[0]
    if ($need.Weak) { return $false }
    $elf = Read-ElfImage -Path $Path
    if ((Get-ElfRelocatedVersionIndex $elf).Contains([int]$need.VersionIndex)) {
        throw "'$Path' binds symbols of $Version through relocations; marking it weak would break them."
    }
    if (-not $PSCmdlet.ShouldProcess($Path, "mark required version $Version weak")) { return $false }
    $flags = [uint16]($need.Flags -bor $script:VER_FLG_WEAK)
    $stream = [System.IO.File]::Open($Path, 'Open', 'ReadWrite')
    try {
        [void]$stream.Seek($need.FlagsOffset, 'Begin')
        $stream.Write([BitConverter]::GetBytes($flags), 0, 2)
    } finally { $stream.Dispose() }
    $true
}

function Find-SystemLibrary {
    <#
    .SYNOPSIS
    The path the dynamic loader uses for a library name (for example libstdc++.so.6), or $null.
    #>
    param([Parameter(Mandatory)][string] $Name)
    $ldconfig = @('/sbin/ldconfig', '/usr/sbin/ldconfig') | Where-Object { Test-Path $_ } | Select-Object -First 1
    if ($ldconfig) {
        $line = & $ldconfig -p 2>$null | Where-Object { $_ -match "^\s*$([regex]::Escape($Name)) \(.*x86-64.*\) => (.+)$" } | Select-Object -First 1
        if ($line -and $line -match '=> (.+)$') { return $Matches[1].Trim() }
    }
    foreach ($dir in '/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/lib64') {
        $candidate = Join-Path $dir $Name
        if (Test-Path $candidate) { return $candidate }
    }
    $null
}

function Repair-LibTorchSharpVersionNeed {
    <#
    .SYNOPSIS
    For each libLibTorchSharp.so under Path: every libstdc++ version it requires that this
    system's libstdc++ lacks is marked weak. Nothing is changed where the system has them all.
    Emits one object per weakened requirement.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    param(
        [Parameter(Mandatory)][string] $Path,
        [string] $SystemLibrary = (Find-SystemLibrary 'libstdc++.so.6')
    )
    if (-not $IsLinux) { return }
    if (-not $SystemLibrary) { throw 'libstdc++.so.6 was not found on this system.' }
    $provided = [System.Collections.Generic.HashSet[string]]::new([string[]]@(Get-ElfVersionDefinition -Path $SystemLibrary))
    $libraries = if (Test-Path -LiteralPath $Path -PathType Leaf) { Get-Item -LiteralPath $Path }
                 else { Get-ChildItem -LiteralPath $Path -Recurse -Filter 'libLibTorchSharp.so' -File }
    foreach ($lib in $libraries) {
        $missing = Get-ElfVersionNeed -Path $lib.FullName |
            Where-Object { $_.Library -eq 'libstdc++.so.6' -and -not $_.Weak -and -not $provided.Contains($_.Version) }
        foreach ($need in $missing) {
            if (Set-ElfVersionNeedWeak -Path $lib.FullName -Version $need.Version) {
                [pscustomobject]@{ Path = $lib.FullName; Version = $need.Version; SystemLibrary = $SystemLibrary }
            }
        }
    }
}

Export-ModuleMember -Function Get-ElfVersionNeed, Get-ElfVersionDefinition, Set-ElfVersionNeedWeak, Find-SystemLibrary, Repair-LibTorchSharpVersionNeed
