#Requires -Version 7.4
# Runs every example of every exported cmdlet's help (the code Get-Help <cmdlet> -Examples shows)
# as a user would: from the root of a fresh copy of the repository's layout (examples/data,
# examples/jobs, examples/study, the manifest and the built module, the MiniLM model the build extracts), so that
# nothing is written into the repository. An example that fails, or names a file that is not
# there, fails its test.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    # Examples that run for more than about ten seconds on the 2-core development machine (the
    # job file trains a mini model; the second study runs seven runs twice); every cmdlet keeps
    # at least one example in the default run.
    $slow = 'Invoke-BertJob 1', 'Invoke-BertJob 3', 'Invoke-BertJob 4', 'Compare-BertAdaptation 2', 'Compare-BertAdaptation 3'
    $examples = foreach ($command in Get-Command -Module BertAdapt -CommandType Cmdlet | Sort-Object Name) {
        $index = 0
        foreach ($example in @((Get-Help $command.Name -Examples).examples.example)) {
            $index++
            $id = "$($command.Name) $index"
            @{ Id = $id; Title = "$($example.title)" -replace '^[-\s]*Example \d+:\s*' -replace '[-\s]+$'; Code = "$($example.code)"; Tags = @(if ($id -in $slow) { 'Slow' }) }
        }
    }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:repository = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath

    # One token cache for all the examples, in the test drive rather than the user's cache.
    $script:savedCacheHome = $env:XDG_CACHE_HOME
    $env:XDG_CACHE_HOME = Join-Path $TestDrive 'cache'

    # A new folder laid out as the repository root: the example data copied (examples may write
    # beside it), the module and the extracted MiniLM model linked (read only).
    function New-ExampleRoot([string] $Name) {
        $root = Join-Path $TestDrive ($Name -replace '\W', '-')
        New-Item -ItemType Directory -Force (Join-Path $root 'examples'), (Join-Path $root 'artifacts') | Out-Null
        Copy-Item -Recurse (Join-Path $repository 'examples/data'), (Join-Path $repository 'examples/jobs'), (Join-Path $repository 'examples/study') (Join-Path $root 'examples')
        # Windows makes symbolic links only with a privilege; hard links and junctions need none.
        $fileLink, $folderLink = if ($IsWindows) { 'HardLink', 'Junction' } else { 'SymbolicLink', 'SymbolicLink' }
        New-Item -ItemType $fileLink -Path (Join-Path $root 'BertAdapt.psd1') -Target (Join-Path $repository 'BertAdapt.psd1') | Out-Null
        New-Item -ItemType $folderLink -Path (Join-Path $root 'module') -Target (Join-Path $repository 'module') | Out-Null
        New-Item -ItemType $folderLink -Path (Join-Path $root 'artifacts/minilm') -Target (Join-Path $repository 'artifacts/minilm') | Out-Null
        $root
    }

    # Runs example code in a scope of its own with errors terminating, from $Root. `pwsh` is the
    # PowerShell that runs the tests (it may be the dotnet tool, not on PATH); a native command
    # that fails counts as an error. Models the example leaves in variables are disposed.
    function Invoke-Example([string] $Code, [string] $Root) {
        $launcher = Get-PwshLauncher
        Push-Location -LiteralPath $Root
        try {
            & {
                param($Code, $Launcher)
                $ErrorActionPreference = 'Stop'
                $ProgressPreference = 'SilentlyContinue'
                function pwsh {
                    $rest = @($Launcher | Select-Object -Skip 1)
                    & $Launcher[0] @rest @args
                    if ($LASTEXITCODE -ne 0) { throw "pwsh exited with code $LASTEXITCODE." }
                }
                try {
                    $null = . ([scriptblock]::Create($Code)) *>&1 | Out-String
                } finally {
                    Get-Variable | Where-Object { $_.Value -is [BertAdapt.BertModel] } | ForEach-Object { $_.Value.Dispose() }
                }
            } $Code $launcher
        } finally {
            Pop-Location
        }
    }
}

AfterAll {
    if ($null -eq $savedCacheHome) { Remove-Item Env:XDG_CACHE_HOME -ErrorAction Ignore } else { $env:XDG_CACHE_HOME = $savedCacheHome }
}

Describe 'Help example <Id>: <Title>' -ForEach $examples {
    It 'runs as written from the repository root' -Tag $Tags {
        $root = New-ExampleRoot $Id
        { Invoke-Example -Code $Code -Root $root } | Should -Not -Throw
    }
}

Describe 'The help example runner' {
    It 'fails an example that names a file that does not exist' {
        $root = New-ExampleRoot 'broken'
        { Invoke-Example -Code 'New-BertModel -Preset tiny | Measure-Perplexity -Corpus ./runbooks-heldout.txt' -Root $root } |
            Should -Throw -ErrorId 'CorpusFileNotFound*'
    }

    It 'fails an example whose native pwsh call fails' {
        $root = New-ExampleRoot 'broken-pwsh'
        { Invoke-Example -Code 'pwsh -NoProfile -NonInteractive -Command "exit 3"' -Root $root } | Should -Throw '*exited with code 3*'
    }
}
