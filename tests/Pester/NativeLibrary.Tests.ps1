# The libstdc++ fix: TorchSharp 0.107's libLibTorchSharp.so requires GLIBCXX_3.4.32, which
# Debian 12 / Ubuntu 22.04 / RHEL 9 lack. The build marks that requirement weak in the copy
# it lays into module/bin; these tests prove the fix is needed here and that it works.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../build/ElfVersionNeeds.psm1') -Force
    $script:onOldLibstdcxx = $false
    if ($IsLinux) {
        $system = Find-SystemLibrary 'libstdc++.so.6'
        $script:onOldLibstdcxx = $system -and ('GLIBCXX_3.4.32' -notin @(Get-ElfVersionDefinition -Path $system))
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    Import-Module (Join-Path $PSScriptRoot '../../build/ElfVersionNeeds.psm1') -Force
    $script:moduleBin = Join-Path $PSScriptRoot '../../module/bin/Dependencies'
    $script:shipped = Join-Path $moduleBin 'libLibTorchSharp.so'
    $packages = (dotnet nuget locals global-packages --list | Select-Object -First 1) -replace '^global-packages:\s*', ''
    $script:original = Join-Path $packages.Trim() 'torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so'

    # Loads a library in a fresh process; returns the loader's error, or '' on success.
    function script:Test-NativeLoad([string] $Library) {
        (Invoke-ChildPwsh "try { [void][System.Runtime.InteropServices.NativeLibrary]::Load('$Library'); '' } catch { `$_.Exception.Message }").Output
    }

    # A copy of libLibTorchSharp.so beside links to the module's libtorch, so only the copy differs.
    function script:New-LoadFolder([string] $Name, [string] $Library) {
        $dir = Join-Path $TestDrive $Name
        New-Item -ItemType Directory $dir | Out-Null
        Get-ChildItem $moduleBin -Filter 'lib*.so*' | Where-Object Name -ne 'libLibTorchSharp.so' |
            ForEach-Object { New-Item -ItemType SymbolicLink -Path (Join-Path $dir $_.Name) -Target $_.FullName | Out-Null }
        Copy-Item $Library (Join-Path $dir 'libLibTorchSharp.so')
        Join-Path $dir 'libLibTorchSharp.so'
    }

    # The module laid out again in $Root from links to this checkout's files, all but the file
    # named $Without, and the manifest copied beside it; returns the manifest's path.
    function script:New-LinkedModule([string] $Root, [string] $Without) {
        $repository = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
        foreach ($file in Get-ChildItem (Join-Path $repository 'module') -Recurse -File) {
            if ($file.Name -eq $Without) { continue }
            $link = Join-Path $Root ([IO.Path]::GetRelativePath($repository, $file.FullName))
            New-Item -ItemType Directory -Force (Split-Path $link) | Out-Null
            New-Item -ItemType SymbolicLink -Path $link -Target $file.FullName | Out-Null
        }
        Copy-Item (Join-Path $repository 'BertAdapt.psd1') $Root
        Join-Path $Root 'BertAdapt.psd1'
    }
}

Describe 'ELF version-need editing' -Skip:(-not $IsLinux) {
    It 'marks exactly one flag weak, and is idempotent' {
        $copy = Join-Path $TestDrive 'edit.so'
        Copy-Item $original $copy
        Set-ElfVersionNeedWeak -Path $copy -Version 'GLIBCXX_3.4.32' | Should -BeTrue
        Set-ElfVersionNeedWeak -Path $copy -Version 'GLIBCXX_3.4.32' | Should -BeFalse
        (Get-Item $copy).Length | Should -Be (Get-Item $original).Length
        # cmp -l prints one line per differing byte: 1-based offset, old and new value in octal.
        $changed = @(cmp -l $original $copy)
        $changed | Should -HaveCount 1
        $offset, $old, $new = -split $changed[0]
        $need = Get-ElfVersionNeed -Path $copy | Where-Object Version -EQ 'GLIBCXX_3.4.32'
        $need.Weak | Should -BeTrue
        [long]$offset - 1 | Should -Be $need.FlagsOffset
        [Convert]::ToInt32($new, 8) -bxor [Convert]::ToInt32($old, 8) | Should -Be 2
        @(Get-ElfVersionNeed -Path $copy | Where-Object { $_.Weak -and $_.Version -ne 'GLIBCXX_3.4.32' }) | Should -HaveCount 0
    }

    It 'refuses to weaken a version that relocations depend on' {
        $copy = Join-Path $TestDrive 'refuse.so'
        Copy-Item $original $copy
        { Set-ElfVersionNeedWeak -Path $copy -Version 'GLIBC_2.2.5' } | Should -Throw '*relocations*'
        (Get-FileHash $copy).Hash | Should -Be (Get-FileHash $original).Hash
    }

    It 'rejects a file that is not ELF' {
        $text = Join-Path $TestDrive 'not-elf.so'
        Set-Content $text 'hello'
        { Get-ElfVersionNeed -Path $text } | Should -Throw '*not an ELF file*'
    }
}

Describe 'Loading where libstdc++ lacks GLIBCXX_3.4.32' -Skip:(-not $onOldLibstdcxx) {
    It 'the unmodified TorchSharp library fails to load here' {
        $message = Test-NativeLoad (New-LoadFolder 'original' $original)
        $message | Should -BeLike '*GLIBCXX_3.4.32*'
    }

    It 'the library the build shipped has that requirement weak, and loads' {
        (Get-ElfVersionNeed -Path $shipped | Where-Object Version -EQ 'GLIBCXX_3.4.32').Weak | Should -BeTrue
        Test-NativeLoad (New-LoadFolder 'shipped' $shipped) | Should -BeNullOrEmpty
    }

    It 'the repair changes nothing on an already repaired library' {
        $copy = Join-Path $TestDrive 'again.so'
        Copy-Item $shipped $copy
        Repair-LibTorchSharpVersionNeed -Path $copy | Should -BeNullOrEmpty
        (Get-FileHash $copy).Hash | Should -Be (Get-FileHash $shipped).Hash
    }

    It 'the module imports and trains in a fresh process, without TorchSharp''s fallback copy' {
        $script = @'
Import-Module '{0}' -ErrorAction Stop
$m = New-BertModel -Preset tiny
$f = Join-Path ([IO.Path]::GetTempPath()) "bertadapt-native-$PID.txt"
Set-Content $f "restart the nginx service on web01 then read the logs"
$m | Invoke-MlmTraining -Corpus $f -MaxSteps 2 -SequenceLength 16 | Out-Null
Remove-Item $f
"steps=$($m.StepsTrained)"
'@ -f (Join-Path $PSScriptRoot '../../BertAdapt.psd1')
        (Invoke-ChildPwsh $script).Output | Should -BeLike '*steps=2*'
        Join-Path $moduleBin 'cpu' | Should -Not -Exist
    }
}

# A module folder that lacks one native library (a broken copy, an antivirus quarantine): the
# import must fail and say which file, and nothing may be written into the module folder, which
# may be read-only (Program Files). TorchSharp's own fallback would copy libtorch out of the
# NuGet cache into Dependencies/cpu and fail later with a message about package references.
Describe 'A module folder with a native library missing' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:brokenRoot = Join-Path $TestDrive 'broken module'
        $brokenManifest = New-LinkedModule $brokenRoot -Without 'libc10.so'
        $script:before = @(Get-ChildItem $brokenRoot -Recurse -Force | ForEach-Object FullName | Sort-Object)
        $script:result = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
try { Import-Module '$brokenManifest' } catch { "import error: `$(`$_.FullyQualifiedErrorId) [`$(`$_.CategoryInfo.Category)]: `$(`$_.Exception.Message)"; exit }
try { `$null = New-BertModel -Preset tiny; 'no error' } catch { "later error: `$(`$_.FullyQualifiedErrorId): `$(`$_.Exception.Message)" }
"@
    }

    It 'fails at import with a stable id and a message that names the missing library' {
        $result.Output | Should -BeLike 'import error: NativeLibraryLoadFailed,Microsoft.PowerShell.Commands.ImportModuleCommand `[ResourceUnavailable`]: *'
        $result.Output | Should -BeLike '*libc10.so*'
        $result.Output | Should -BeLike "*$(Join-Path $brokenRoot 'module/bin/Dependencies')*"
    }

    It 'writes nothing into the module folder' {
        @(Get-ChildItem $brokenRoot -Recurse -Force | ForEach-Object FullName | Sort-Object) | Should -Be $before
    }
}

# ONNX Runtime's native library is loaded only by -Runtime OnnxRuntime, at its first batch, so a
# module folder without it imports and runs on libtorch; the ONNX Runtime path must then fail
# with an id of its own instead of .NET's "type initializer threw an exception".
Describe 'A module folder without ONNX Runtime''s native library' -Skip:(-not $IsLinux) {
    BeforeAll {
        $manifest = New-LinkedModule (Join-Path $TestDrive 'no onnxruntime') -Without 'libonnxruntime.so'
        $script:result = Invoke-ChildPwsh @"
Import-Module '$manifest' -ErrorAction Stop
`$model = New-BertModel -Preset tiny -Seed 1
"libtorch rows: `$(@('restart nginx', 'check the disk' | Get-BertEmbedding -Model `$model).Count)"
foreach (`$attempt in 1, 2) {
    try { `$null = 'restart nginx' | Get-BertEmbedding -Model `$model -Runtime OnnxRuntime -ErrorAction Stop; 'no error' }
    catch { "onnx error `$(`$attempt): `$(`$_.FullyQualifiedErrorId) [`$(`$_.CategoryInfo.Category)]: `$(`$_.Exception.Message)" }
}
"@
        $script:lines = $result.Output -split '\r?\n'
    }

    It 'still imports and runs on libtorch' {
        $lines | Should -Contain 'libtorch rows: 2' -Because $result.Output
    }

    It 'fails -Runtime OnnxRuntime with OnnxRuntimeLoadFailed, naming the library and the way out, every time' {
        foreach ($attempt in 1, 2) {
            $line = @($lines | Where-Object { $_ -like "onnx error ${attempt}:*" })
            $line | Should -HaveCount 1 -Because $result.Output
            $line[0] | Should -BeLike "onnx error ${attempt}: OnnxRuntimeLoadFailed,*[[]ResourceUnavailable[]]: *libonnxruntime.so*no onnxruntime*Dependencies*libonnxruntime.so: cannot open*-Runtime LibTorch*"
            $line[0] | Should -Not -BeLike '*Microsoft.NETCore.App*' -Because 'the paths outside the module folder are left out'
        }
    }
}

# OpenMP's threads wait for work by spinning unless told otherwise, which on a shared machine
# steals the cores other jobs need (docs/performance.md). The loader sets OMP_WAIT_POLICY=PASSIVE
# before libtorch (and its libgomp) loads, unless the session chose a policy itself. libgomp
# reads the variable once, from the process's native environment, when it loads; with
# OMP_DISPLAY_ENV=VERBOSE it prints what it read (GOMP_SPINCOUNT 0 for passive, 300000 when unset).
Describe 'OpenMP wait policy' -Skip:(-not $IsLinux) {
    BeforeAll {
        $script:manifest = Join-Path $PSScriptRoot '../../BertAdapt.psd1'
        # Runs a child with OMP_WAIT_POLICY absent from its environment and libgomp's display on.
        function script:Get-OpenMpDisplay([string] $Before) {
            $saved = $env:OMP_WAIT_POLICY, $env:OMP_DISPLAY_ENV
            try {
                $env:OMP_WAIT_POLICY = $null
                $env:OMP_DISPLAY_ENV = 'VERBOSE'
                (Invoke-ChildPwsh "$Before; Import-Module '$manifest'; `$null = New-BertModel -Preset tiny; 'imported'").Output
            } finally {
                $env:OMP_WAIT_POLICY, $env:OMP_DISPLAY_ENV = $saved
            }
        }
    }

    It 'is passive by default, before libtorch loads' {
        $display = Get-OpenMpDisplay '$null'
        $display | Should -BeLike '*imported*'
        $display | Should -Match "OMP_WAIT_POLICY = 'PASSIVE'"
        $display | Should -Match "GOMP_SPINCOUNT = '0'"
    }

    It 'follows a policy the session set with $env: before the import' {
        $display = Get-OpenMpDisplay '$env:OMP_WAIT_POLICY = ''ACTIVE'''
        $display | Should -Match "OMP_WAIT_POLICY = 'ACTIVE'"
        $display | Should -Match "GOMP_SPINCOUNT = '30000000000'"
    }
}
