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
