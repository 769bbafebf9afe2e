# The example scripts' parameters as a scheduler passes them (pwsh -File), where a comma list
# arrives as one string. Fast: each call stops before any model is loaded.
Describe 'Example parameters from pwsh -File' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
        $script:launcher = Get-PwshLauncher
        $script:rest = @($launcher | Select-Object -Skip 1)
        $script:example = Join-Path $PSScriptRoot '../../examples/Compare-Adaptation.ps1'
        $script:missing = Join-Path $TestDrive 'no-such-checkpoint'
    }

    It 'Compare-Adaptation.ps1 -Seeds 1,2 runs seeds 1 and 2, not seed 12' {
        $out = & $launcher[0] @rest -NoProfile -NonInteractive -File $example -Seeds 1,2 -Checkpoint $missing -OutputPath (Join-Path $TestDrive 'o') -ResultsPath (Join-Path $TestDrive 'r') 2>&1
        $LASTEXITCODE | Should -Not -Be 0   # no MiniLM at -Checkpoint: it stops there
        ($out -join "`n") | Should -Match 'Seeds: 1, 2\b'
        ($out -join "`n") | Should -Match 'MiniLM is not at'
    }

    It 'Compare-Adaptation.ps1 refuses a seed that is not a whole number' {
        $out = & $launcher[0] @rest -NoProfile -NonInteractive -File $example -Seeds '1,x' -Checkpoint $missing -OutputPath (Join-Path $TestDrive 'o') -ResultsPath (Join-Path $TestDrive 'r') 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        ($out -join "`n") | Should -Match "'x' is not a whole number"
    }
}
