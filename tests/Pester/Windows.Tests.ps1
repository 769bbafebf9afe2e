# The Windows smoke test: the win-x64 package, built here, installed from its zip into a Wine
# prefix's Program Files and run by a Windows PowerShell under Wine (tests/Wine), against the same
# job on the Linux build. Losses, perplexity and classifier scores must agree within Tolerance
# (relative); what Windows exported must load on Linux. Where Wine is missing every test here is
# reported as skipped, with why. Settings and their reasons: tests/Wine/Wine.psm1.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../Wine/Wine.psm1') -Force
    $script:wine = Find-Wine
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    Import-Module (Join-Path $PSScriptRoot '../Wine/Wine.psm1') -Force
    $script:Tolerance = 1e-4
    $script:wine = Find-Wine
    $script:skipWhy = if ($wine.Path) { $null } else { "Windows smoke test skipped: $($wine.Why)." }
    if ($skipWhy) { Write-Host $skipWhy -ForegroundColor Yellow; return }

    $repository = (Resolve-Path (Join-Path $PSScriptRoot '../..')).ProviderPath
    $work = Join-Path $repository 'artifacts/wine'
    $script:prefix = Join-Path $work 'prefix'
    $script:timings = [ordered]@{}
    $clock = [Diagnostics.Stopwatch]::StartNew()
    function Lap([string] $Name) { $timings[$Name] = [math]::Round($clock.Elapsed.TotalSeconds, 1); $clock.Restart() }

    # The Windows package, as a user gets it: built by build.ps1 -Task Package -Runtime win-x64.
    $launcher = Get-PwshLauncher
    $package = & $launcher[0] @($launcher | Select-Object -Skip 1) -NoProfile -NonInteractive -File (Join-Path $repository 'build.ps1') -Task Package -Runtime win-x64 2>&1
    if ($LASTEXITCODE -ne 0) { throw "build.ps1 -Task Package -Runtime win-x64 failed:`n$($package -join "`n")" }
    $script:zip = Get-Item (Join-Path $repository 'artifacts/package/win-x64/BertAdapt-*-win-x64.zip')
    Lap 'package_win_x64'

    $script:powerShell = Publish-WinePowerShell -Project (Join-Path $PSScriptRoot '../Wine/PowerShellHost') -Destination (Join-Path $work 'host')
    Lap 'windows_powershell_host'
    $script:prefixCreated = Initialize-WinePrefix -Wine $wine.Path -Prefix $prefix
    Lap 'wine_prefix'

    # Installed for all users, where a user without admin rights cannot write: C:\Program Files\PowerShell\Modules.
    $modules = Join-Path (Get-WineDriveC $prefix) 'Program Files/PowerShell/Modules'
    Remove-Item -LiteralPath (Join-Path $modules 'BertAdapt') -Recurse -Force -ErrorAction Ignore
    New-Item -ItemType Directory -Force $modules | Out-Null
    [IO.Compression.ZipFile]::ExtractToDirectory($zip.FullName, $modules)
    $script:installed = Get-ChildItem (Join-Path $modules 'BertAdapt') -Directory | Select-Object -First 1
    $archive = [IO.Compression.ZipFile]::OpenRead($zip.FullName)
    try { $script:zipFiles = @($archive.Entries | Where-Object Name | ForEach-Object { $_.FullName -replace '^BertAdapt/[^/]+/', '' } | Sort-Object) }
    finally { $archive.Dispose() }
    Lap 'install_from_zip'

    $smoke = Join-Path $PSScriptRoot '../Wine/Smoke.ps1'
    $script:linuxWork = Join-Path $work 'run-linux'
    $script:windowsWork = Join-Path $work 'run-windows'
    Remove-Item -LiteralPath $linuxWork, $windowsWork -Recurse -Force -ErrorAction Ignore

    $linuxResult = Join-Path $work 'linux.json'
    $null = & $launcher[0] @($launcher | Select-Object -Skip 1) -NoProfile -NonInteractive -File $smoke `
        -Module (Join-Path $repository 'BertAdapt.psd1') -WorkDirectory $linuxWork -ResultPath $linuxResult 2>&1
    $script:linux = Get-Content -Raw $linuxResult | ConvertFrom-Json
    Lap 'linux_run'

    # Once, in a full test run at a load average above 20, PowerShell under Wine failed to set up
    # its drives at start ("InitializeDefaultDrives ... failed") and knew no cmdlet at all. Such a
    # start, before the module is even imported, is tried once more, and the output says so.
    $windowsResult = Join-Path $work 'windows.json'
    $script:windowsAttempts = 0
    do {
        $windowsAttempts++
        Remove-Item -LiteralPath $windowsResult -ErrorAction Ignore
        Remove-Item -LiteralPath $windowsWork -Recurse -Force -ErrorAction Ignore
        $script:windowsRun = Invoke-WinePowerShell -Wine $wine.Path -Prefix $prefix -PowerShell $powerShell -Script $smoke -Arguments @(
            '-Module', 'BertAdapt', '-WorkDirectory', (ConvertTo-WinePath $windowsWork), '-ResultPath', (ConvertTo-WinePath $windowsResult),
            '-ModuleLayout', (ConvertTo-WinePath (Join-Path $repository 'build/ModuleLayout.psm1')))
        $script:windows = if (Test-Path $windowsResult) { Get-Content -Raw $windowsResult | ConvertFrom-Json } else { $null }
        $hostFailed = $windowsRun.Output -match 'InitializeDefaultDrives' -and -not ($windows -and $windows.PSObject.Properties['module'])
        if ($hostFailed -and $windowsAttempts -eq 1) {
            Write-Host "Windows smoke test: PowerShell under Wine failed to start its FileSystem provider; running the Windows side once more. Its output:`n$($windowsRun.Output)" -ForegroundColor Yellow
        }
    } while ($hostFailed -and $windowsAttempts -lt 2)
    Lap 'windows_run'

    # Without the Visual C++ runtime: Wine's own copies of its DLLs switched off for one run.
    Remove-Item -LiteralPath (Join-Path $modules 'BertAdapt') -Recurse -Force
    [IO.Compression.ZipFile]::ExtractToDirectory($zip.FullName, $modules)
    $probe = Join-Path $work 'import-probe.ps1'
    $probeResult = Join-Path $work 'import-probe.txt'
    Remove-Item -LiteralPath $probeResult -ErrorAction Ignore
    Set-Content -LiteralPath $probe -Value @'
param([string] $ResultPath)
$result = try { Import-Module BertAdapt -ErrorAction Stop; 'imported' }
catch { "$($_.FullyQualifiedErrorId) [$($_.CategoryInfo.Category)] $($_.Exception.Message)" }
Set-Content -LiteralPath $ResultPath -Value $result
'@
    $probeRun = Invoke-WinePowerShell -Wine $wine.Path -Prefix $prefix -PowerShell $powerShell -Script $probe -Arguments '-ResultPath', (ConvertTo-WinePath $probeResult) `
        -Environment @{ WINEDLLOVERRIDES = 'vcruntime140_1=d' } -TimeoutSeconds 120
    $script:withoutVisualCpp = if (Test-Path $probeResult) { Get-Content -Raw $probeResult } else { "no result: $($probeRun.Output)" }
    $script:filesAfterRefusedImport = @(Get-ChildItem -LiteralPath $installed.FullName -Recurse -File -Force | ForEach-Object { [IO.Path]::GetRelativePath($installed.FullName, $_.FullName) } | Sort-Object)
    Lap 'import_without_visual_cpp'

    # Relative difference, against the larger of the two magnitudes.
    function script:Get-Difference([object[]] $Expected, [object[]] $Actual) {
        # Nulls would convert to 0 and compare equal: a property that does not exist must fail here.
        @($Expected) | Should -Not -Contain $null
        @($Actual) | Should -Not -Contain $null
        $Expected.Count | Should -BeGreaterThan 0
        $Actual.Count | Should -Be $Expected.Count
        $largest = 0.0
        for ($i = 0; $i -lt $Expected.Count; $i++) {
            $scale = [math]::Max([math]::Max([math]::Abs($Expected[$i]), [math]::Abs($Actual[$i])), 1e-12)
            $largest = [math]::Max($largest, [math]::Abs($Expected[$i] - $Actual[$i]) / $scale)
        }
        $largest
    }
    function script:Format-Values([double[]] $Values) { ($Values | ForEach-Object { $_.ToString('G9', [cultureinfo]::InvariantCulture) }) -join ', ' }

    Write-Host ("Windows smoke test costs (s): " + (($timings.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', ') +
        "; prefix created this run: $prefixCreated; Windows runs: $windowsAttempts")
}

Describe 'The Windows build under Wine' {
    It 'installs from the package zip and imports by name from Program Files, with the passive wait policy' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        $windows | Should -Not -BeNullOrEmpty -Because $windowsRun.Output
        $windows.completed | Should -BeTrue -Because "$($windows.error) $($windows.errorAt)`n$($windowsRun.Output)"
        $windows.windows | Should -BeTrue
        $windows.module | Should -BeLike 'C:\Program Files\PowerShell\Modules\BertAdapt\*\BertAdapt.psd1'
        $windows.waitPolicy | Should -Be 'PASSIVE'
        $windows.moduleFiles | Should -Contain 'module/bin/Dependencies/torch_cpu.dll'
        $linux.completed | Should -BeTrue -Because "$($linux.error) $($linux.errorAt)"
    }

    It 'trains with the same masked-LM losses as Linux, on the same seed' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        $difference = Get-Difference $linux.mlmLosses $windows.mlmLosses
        Write-Host "Wine vs Linux, masked-LM losses of steps 1-$($linux.mlmLosses.Count): Linux $(Format-Values $linux.mlmLosses); Windows $(Format-Values $windows.mlmLosses); largest relative difference $($difference.ToString('G3')) (tolerance $Tolerance)"
        $difference | Should -BeLessOrEqual $Tolerance
        $windows.metricsDevice | Should -Be 'cpu'
        $windows.metricsThreads | Should -Be 2
    }

    It 'measures the same perplexity, fine-tuning loss and classifier scores' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        $perplexity = Get-Difference @($linux.perplexity, $linux.perplexityLoss) @($windows.perplexity, $windows.perplexityLoss)
        $fineTune = Get-Difference $linux.fineTuneLosses $windows.fineTuneLosses
        $scores = Get-Difference @($linux.classified.scores) @($windows.classified.scores)
        Write-Host "Wine vs Linux, perplexity over $($linux.maskedTokens) masked tokens: Linux $(Format-Values $linux.perplexity), Windows $(Format-Values $windows.perplexity) (largest relative difference $($perplexity.ToString('G3')))"
        Write-Host "Wine vs Linux, fine-tuning loss: Linux $(Format-Values $linux.fineTuneLosses), Windows $(Format-Values $windows.fineTuneLosses) ($($fineTune.ToString('G3'))); $(@($linux.classified.scores).Count) classifier scores: largest relative difference $($scores.ToString('G3')) (tolerance $Tolerance)"
        $perplexity | Should -BeLessOrEqual $Tolerance
        $fineTune | Should -BeLessOrEqual $Tolerance
        $scores | Should -BeLessOrEqual $Tolerance
        $windows.classified.label | Should -Be $linux.classified.label
    }

    It 'classifies with -Runtime OnnxRuntime as Linux''s default runtime does, from the package''s own onnxruntime.dll' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        $windows.moduleFiles | Should -Contain 'module/bin/Dependencies/onnxruntime.dll'
        $windows.moduleFiles | Should -Not -Contain 'module/bin/Dependencies/libonnxruntime.so'
        $linux.moduleFiles | Should -Not -Contain 'module/bin/Dependencies/onnxruntime.dll'
        $expected = @($linux.classified | ForEach-Object { $_.scores })
        $scores = Get-Difference $expected @($windows.classifiedOnnx)
        Write-Host "Wine -Runtime OnnxRuntime vs Linux libtorch, $($expected.Count) classifier scores: largest relative difference $($scores.ToString('G3')) (tolerance $Tolerance)"
        $scores | Should -BeLessOrEqual $Tolerance
    }

    It 'exports checkpoints that import on Linux and give the same numbers' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
        $heldout = Join-Path $linuxWork 'heldout.txt'
        $fromWindows = Import-BertCheckpoint (Join-Path $windowsWork 'mlm') | Measure-Perplexity -Corpus $heldout -SequenceLength 32 -Seed 3 -Threads 2 -Device Cpu
        $fromLinux = Import-BertCheckpoint (Join-Path $linuxWork 'mlm') | Measure-Perplexity -Corpus $heldout -SequenceLength 32 -Seed 3 -Threads 2 -Device Cpu
        $classifier = Import-BertCheckpoint (Join-Path $windowsWork 'classifier')
        $scores = @($windows.classified.text | Invoke-BertClassifier -Model $classifier -Threads 2 -Device Cpu | ForEach-Object { $_.GetScores().Score })
        $perplexity = Get-Difference @($fromLinux.Perplexity) @($fromWindows.Perplexity)
        $rescored = Get-Difference @($windows.classified.scores) $scores
        Write-Host "Windows exports read on Linux: perplexity $(Format-Values $fromWindows.Perplexity) vs the Linux export's $(Format-Values $fromLinux.Perplexity) ($($perplexity.ToString('G3'))); classifier scores vs Windows' own: $($rescored.ToString('G3'))"
        $perplexity | Should -BeLessOrEqual $Tolerance
        $rescored | Should -BeLessOrEqual $Tolerance
        Get-FileHash (Join-Path $windowsWork 'mlm/vocab.txt') | ForEach-Object Hash | Should -Be (Get-FileHash (Join-Path $linuxWork 'mlm/vocab.txt')).Hash
    }

    It 'writes nothing into the installed module folder' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        # Compared as sets: Windows and Linux PowerShell sort names differently.
        @(Compare-Object $zipFiles $windows.moduleFiles -CaseSensitive) | Should -BeNullOrEmpty
        @(Compare-Object $zipFiles ($filesAfterRefusedImport -replace '\\', '/') -CaseSensitive) | Should -BeNullOrEmpty
    }

    It 'ships a third-party notice and licence text for every Windows library in the package' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        $bin = Join-Path $installed.FullName 'module/bin'
        Get-NoticeProblem $bin | Should -BeNullOrEmpty
        (Read-Notice (Join-Path $bin 'THIRD-PARTY-NOTICES.txt')).Keys | Should -Contain 'libtorch-cpu-win-x64'
    }

    It 'replaces a checkpoint whose files another handle holds open, once it lets go' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        $windows.heldFileDelete | Should -BeLike 'refused: *being used by another process*' -Because 'Wine must refuse the delete for this test to mean anything'
        $windows.replaceWhileHeld | Should -Be 'replaced'
        $windows.replaceSeconds | Should -BeGreaterThan 0.9 -Because 'the export has to wait for the handle, released after 1 s'
        $windows.replaceLeftovers | Should -BeNullOrEmpty
    }

    It 'lets a build empty module/bin while a session has the module loaded' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        $windows.loadedDllDelete | Should -BeLike 'refused: *denied*' -Because 'Windows refuses to delete a loaded DLL'
        $windows.clearModuleBin | Should -Be 'cleared'
        $windows.binFilesAfterClear | Should -Be 0
        $windows.movedAside | Should -Contain 'torch_cpu.dll'
    }

    It 'fails the import with NativeLibraryLoadFailed, naming the Visual C++ runtime, when it is missing' {
        if ($skipWhy) { Set-ItResult -Skipped -Because $skipWhy; return }
        $withoutVisualCpp | Should -BeLike 'NativeLibraryLoadFailed,Microsoft.PowerShell.Commands.ImportModuleCommand `[ResourceUnavailable`] *'
        $withoutVisualCpp | Should -Match 'Visual C\+\+ 2015-2022 runtime .*lacks vcruntime140_1\.dll\. Install the Microsoft Visual C\+\+ 2015-2022 Redistributable'
    }
}
