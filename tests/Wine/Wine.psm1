# Runs the Windows build of BertAdapt on Linux, under Wine, for tests/Pester/Windows.Tests.ps1.
#
# What it takes, and why. "Checked" means that leaving it out was tried on this machine
# (Debian 12, Wine 8.0) and failed as described:
# - Debian's wine64 (Wine 8.0), its 64-bit loader alone: /usr/lib/wine/wine64, not on PATH.
# - A Windows PowerShell to run the module in: pwsh.exe built here from the Microsoft.PowerShell.SDK
#   package as a self-contained win-x64 app (tests/Wine/PowerShellHost), with the SDK's Windows
#   modules folder copied beside it; without that folder even Out-String is missing.
# - A terminal (checked): PowerShell's console host fails at start with "The Win32 internal error
#   'Invalid handle.' 0x6 occurred while retrieving the handle for the active console output
#   buffer" unless it runs on a pty, so it runs inside `script`. TERM=dumb keeps escape codes down,
#   and results are written to files rather than read from the console.
# - KMP_AFFINITY=disabled (checked): libtorch's OpenMP (libiomp5md.dll) otherwise stops with
#   "OMP: Error #179: Function GetNumaNodeProcessorMaskEx() failed ... Call not implemented".
# - A prefix of our own, under artifacts/wine, whose Documents and Desktop folders are its own:
#   Wine links them to the Linux home folder, where a stale module would shadow the one under test.
#   Its Windows version is pinned to Windows 10, which is Wine 8's default (a prefix without the
#   setting ran the same), so an older Wine or an edited prefix does not change what is tested.
# - DOTNET_EnableWriteXorExecute=0: an earlier hand check recorded an internal CLR error in a
#   finalizer without it. Four runs of Smoke.ps1 without it passed here, so it is a precaution.
# - WINEDEBUG=-all: Wine's own diagnostics would bury the output.

Set-StrictMode -Version 3.0

$script:WineSettings = [ordered]@{
    WINEDEBUG                     = '-all'
    WINEARCH                      = 'win64'
    KMP_AFFINITY                  = 'disabled'
    DOTNET_EnableWriteXorExecute  = '0'
    TERM                          = 'dumb'
}

# The Wine loader, or $null with why not.
function Find-Wine {
    if (-not $IsLinux) { return [pscustomobject]@{ Path = $null; Why = 'the Windows smoke test runs the Windows build under Wine on Linux (on Windows the whole suite is the Windows test)' } }
    if ($env:BERTADAPT_SKIP_WINE -eq '1') { return [pscustomobject]@{ Path = $null; Why = 'BERTADAPT_SKIP_WINE=1 is set' } }
    foreach ($candidate in $env:BERTADAPT_WINE, '/usr/lib/wine/wine64') {
        if ($candidate -and (Test-Path -LiteralPath $candidate)) {
            if (-not (Get-Command script -CommandType Application -ErrorAction Ignore)) {
                return [pscustomobject]@{ Path = $null; Why = "'script' (util-linux) is missing, and PowerShell's console host needs the terminal it gives" }
            }
            return [pscustomobject]@{ Path = $candidate; Why = $null }
        }
    }
    [pscustomobject]@{ Path = $null; Why = 'Wine is not installed (build/Install-TestDependencies.sh installs Debian''s wine64 when it runs as root on Debian or Ubuntu)' }
}

# A Linux path as Wine's Z: drive shows it.
function ConvertTo-WinePath([string] $Path) { 'Z:' + ([IO.Path]::GetFullPath($Path) -replace '/', '\') }

# The folder Wine shows as C:\ in a prefix.
function Get-WineDriveC([string] $Prefix) { Join-Path $Prefix 'drive_c' }

# Sets a variable of this process's environment, or removes it for $null (a [string] argument would turn $null into '').
function Set-ProcessVariable([string] $Name, [AllowNull()][string] $Value) {
    if ([string]::IsNullOrEmpty($Value)) { Remove-Item -LiteralPath "Env:$Name" -ErrorAction Ignore }
    else { Set-Item -LiteralPath "Env:$Name" -Value $Value }
}

function Invoke-WineTool {
    param([Parameter(Mandatory)][string] $Wine, [Parameter(Mandatory)][string] $Prefix, [Parameter(Mandatory)][string[]] $Arguments)
    $saved = @{}
    $settings = [ordered]@{} + $script:WineSettings
    $settings.WINEPREFIX = $Prefix
    foreach ($name in $settings.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-ProcessVariable $name $settings[$name] }
    try {
        $output = & $Wine @Arguments 2>&1
        $server = Join-Path (Split-Path $Wine) 'wineserver64'
        if (Test-Path $server) { & $server -w }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
    } finally {
        foreach ($name in $saved.Keys) { Set-ProcessVariable $name $saved[$name] }
    }
}

# Creates the prefix (about 10 s) unless it exists, and sets the Windows version to 10.
function Initialize-WinePrefix {
    param([Parameter(Mandatory)][string] $Wine, [Parameter(Mandatory)][string] $Prefix)
    $marker = Join-Path $Prefix '.bertadapt-win10'
    if (Test-Path $marker) { return $false }
    Remove-Item -LiteralPath $Prefix -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory -Force (Split-Path $Prefix) | Out-Null
    $boot = Invoke-WineTool -Wine $Wine -Prefix $Prefix -Arguments 'wineboot', '--init'
    if (-not (Test-Path (Join-Path (Get-WineDriveC $Prefix) 'windows/system32'))) { throw "wineboot did not create the prefix $Prefix ($($boot.Output))." }
    # Wine links Documents, Desktop and the like to the Linux home folder; a module left in
    # ~/PowerShell/Modules would then shadow the one under test. Make them the prefix's own.
    foreach ($link in Get-ChildItem (Join-Path (Get-WineDriveC $Prefix) 'users') -Recurse -Depth 1 -Attributes ReparsePoint -ErrorAction Ignore) {
        Remove-Item -LiteralPath $link.FullName -Force
        New-Item -ItemType Directory -Path $link.FullName | Out-Null
    }
    $version = Invoke-WineTool -Wine $Wine -Prefix $Prefix -Arguments 'reg', 'add', 'HKCU\Software\Wine', '/v', 'Version', '/d', 'win10', '/f'
    if ($version.Output -notmatch 'completed successfully') { throw "Could not set the Windows version in $Prefix ($($version.Output))." }
    Set-Content -LiteralPath $marker -Value 'win10'
    $true
}

# Publishes the self-contained win-x64 pwsh.exe into -Destination, with the SDK's Windows modules beside it.
function Publish-WinePowerShell {
    param([Parameter(Mandatory)][string] $Project, [Parameter(Mandatory)][string] $Destination)
    Remove-Item -LiteralPath $Destination -Recurse -Force -ErrorAction Ignore
    $output = dotnet publish $Project -c Release -o $Destination --nologo -v quiet 2>&1
    if ($LASTEXITCODE -ne 0) { throw "Publishing the Windows PowerShell host failed: $($output -join "`n")" }
    $modules = Join-Path $Destination 'runtimes/win/lib/net10.0/Modules'
    if (-not (Test-Path $modules)) { throw "The PowerShell SDK's Windows modules are not in $modules." }
    Copy-Item -LiteralPath $modules -Destination (Join-Path $Destination 'Modules') -Recurse
    Join-Path $Destination 'pwsh.exe'
}

function ConvertTo-ShellWord([string] $Word) { "'" + ($Word -replace "'", "'\''") + "'" }

<#
Runs a script file in the Windows PowerShell under Wine: pwsh.exe -NoProfile -NonInteractive
-ExecutionPolicy Bypass -File <script> <arguments>, on a pty, within -TimeoutSeconds. Linux paths
among the arguments must already be Wine paths (ConvertTo-WinePath). Returns the exit code and
the console output (escape codes removed).
#>
function Invoke-WinePowerShell {
    param(
        [Parameter(Mandatory)][string] $Wine,
        [Parameter(Mandatory)][string] $Prefix,
        [Parameter(Mandatory)][string] $PowerShell,
        [Parameter(Mandatory)][string] $Script,
        [string[]] $Arguments = @(),
        [hashtable] $Environment = @{},
        [int] $TimeoutSeconds = 300
    )
    $words = @($Wine, $PowerShell, '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', (ConvertTo-WinePath $Script)) + $Arguments
    $command = ($words | ForEach-Object { ConvertTo-ShellWord $_ }) -join ' '
    $settings = [ordered]@{} + $script:WineSettings
    $settings.WINEPREFIX = $Prefix
    foreach ($name in $Environment.Keys) { $settings[$name] = $Environment[$name] }
    $saved = @{}
    foreach ($name in $settings.Keys) { $saved[$name] = [Environment]::GetEnvironmentVariable($name); Set-ProcessVariable $name $settings[$name] }
    try {
        $output = & timeout --kill-after=10 $TimeoutSeconds script -qec $command /dev/null 2>&1
        $exit = $LASTEXITCODE
    } finally {
        foreach ($name in $saved.Keys) { Set-ProcessVariable $name $saved[$name] }
    }
    $text = ($output -join "`n") -replace '\x1b\[[0-9;?]*[A-Za-z]', '' -replace '\x1b\][^\x07]*\x07', '' -replace "`r", ''
    [pscustomobject]@{ ExitCode = $exit; TimedOut = $exit -in 124, 137; Output = $text.Trim() }
}

Export-ModuleMember -Function Find-Wine, ConvertTo-WinePath, Get-WineDriveC, Initialize-WinePrefix, Publish-WinePowerShell, Invoke-WinePowerShell
