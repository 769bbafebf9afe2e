# The README's pipeline example, run as written (from a copy of the repository's layout, so nothing
# lands in the repository), must give a model that has clearly learned. Slow: 400 training steps
# of BERT-mini, about three minutes on two cores, so excluded by default
# (./build.ps1 -Task Test -IncludeTag Slow runs it).
Describe 'The README pipeline example' -Tag Slow {
    BeforeAll {
        $repo = Resolve-Path (Join-Path $PSScriptRoot '../..')
        $readme = Get-Content -Raw (Join-Path $repo 'README.md')
        $match = [regex]::Match($readme, '(?s)## The pipeline\s+```powershell\r?\n(?<code>.*?)```')
        $script:code = $match.Groups['code'].Value
        $script:root = Join-Path $TestDrive 'repo'
        New-Item -ItemType Directory -Path (Join-Path $root 'examples') -Force | Out-Null
        Copy-Item (Join-Path $repo 'examples/data') (Join-Path $root 'examples/data') -Recurse
        foreach ($item in 'BertAdapt.psd1', 'module') {
            New-Item -ItemType SymbolicLink -Path (Join-Path $root $item) -Target (Join-Path $repo $item) | Out-Null
        }
    }

    It 'is found in the README and uses only files the repository has' {
        $code | Should -Not -BeNullOrEmpty
        $code | Should -Match 'New-BertModel'
        foreach ($m in [regex]::Matches($code, '(?<=-Corpus |-Filter |Get-ChildItem )\./examples/data[^\s|]*')) {
            Join-Path $root $m.Value | Should -Exist
        }
    }

    It 'trains a model whose held-out perplexity is far below an untrained one''s' {
        Push-Location $root
        try {
            $result = & ([scriptblock]::Create($code)) 3>$null
            $untrained = New-BertModel -Preset mini | Measure-Perplexity -Corpus ./examples/data/runbooks-heldout.txt
        }
        finally { Pop-Location }
        $perplexity = @($result | Where-Object { $_.PSObject.Properties['Perplexity'] })[-1].Perplexity
        Write-Host ("    README example: held-out perplexity {0:N1} (untrained {1:N0})" -f $perplexity, $untrained.Perplexity)
        $perplexity | Should -BeLessThan ($untrained.Perplexity / 20)
        Join-Path $root 'out/bert-mini-adapted/model.safetensors' | Should -Exist
    }
}
