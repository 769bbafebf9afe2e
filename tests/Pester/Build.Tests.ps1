# build.ps1's choices that fail fast, and the manifest that Package ships. The Windows package
# itself is built, installed from its zip and run under Wine by Windows.Tests.ps1.
BeforeAll {
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:repository = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $script:buildScript = Join-Path $repository 'build.ps1'
    Import-Module (Join-Path $repository 'build/ModuleLayout.psm1') -Force
}

Describe 'The module manifest' {
    It 'has no LicenseUri or ProjectUri that is not an absolute URI' {
        $psData = (Import-PowerShellDataFile (Join-Path $repository 'BertAdapt.psd1')).PrivateData.PSData
        foreach ($key in 'LicenseUri', 'ProjectUri', 'IconUri') {
            if ($psData.ContainsKey($key)) { [uri]::IsWellFormedUriString($psData[$key], 'Absolute') | Should -BeTrue -Because "$key is '$($psData[$key])'" }
        }
    }

    It 'names only files the build lays out' {
        $named = @(Get-ManifestFile (Join-Path $repository 'BertAdapt.psd1'))
        $named | Should -Not -BeNullOrEmpty
        foreach ($file in $named) { Join-Path $repository $file | Should -Exist }
    }
}

Describe 'build.ps1 refuses what cannot work, before building anything' {
    BeforeAll {
        $script:cpuLibrary = Get-Item (Join-Path $repository 'module/bin/Dependencies/TorchSharp.dll')
        function script:Invoke-BuildScript([string] $Arguments) {
            Invoke-ChildPwsh "try { & '$buildScript' $Arguments; 'build finished' } catch { 'refused: ' + `$_.Exception.Message }"
        }
    }

    It '-Cuda off Windows' -Skip:$IsWindows {
        $result = Invoke-BuildScript '-Task Build -Cuda'
        $result.Output | Should -BeLike 'refused: -Cuda builds against TorchSharp-cuda-windows, which exists for Windows only*'
        $result.Output | Should -Not -BeLike '*build finished*'
        (Get-Item $cpuLibrary.FullName).LastWriteTimeUtc | Should -Be $cpuLibrary.LastWriteTimeUtc
    }

    It 'a test run for another platform than the host''s' {
        $other = if ($IsWindows) { 'linux-x64' } else { 'win-x64' }
        $result = Invoke-BuildScript "-Task Test -Runtime $other"
        $result.Output | Should -BeLike "refused: -Task Test runs on this machine*use -Task Build or Package for $other."
        $result.Output | Should -Not -BeLike '*build finished*'
    }
}
