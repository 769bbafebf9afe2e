#Requires -Version 7.4
# A full disk under -CacheDirectory or -OutputPath: a stable error, nothing half-written left behind,
# the earlier checkpoint intact, and the same command finishing the run once there is room again.
# The disk is a small tmpfs, so these tests need Linux and the right to mount (root in a machine
# or container that allows it); elsewhere they are skipped, and counted as skipped.

BeforeDiscovery {
    $script:canMount = $false
    if ($IsLinux -and (id -u) -eq '0') {
        $probe = Join-Path ([IO.Path]::GetTempPath()) "bertadapt-mount-probe-$PID"
        New-Item -ItemType Directory $probe -Force | Out-Null
        mount -t tmpfs -o size=64k tmpfs $probe 2>$null
        if ($LASTEXITCODE -eq 0) { $script:canMount = $true; umount $probe }
        Remove-Item $probe -Force -ErrorAction Ignore
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:size = New-TinyVocabulary $vocab
    $script:small = Join-Path $TestDrive 'small.txt'
    New-TinyCorpus $small -Documents 40 -Seed 3
    $script:cache = Join-Path $TestDrive 'cache'
    $script:mounts = [Collections.Generic.List[string]]::new()

    function script:Mount-SmallDisk([string] $Path, [string] $Size) {
        New-Item -ItemType Directory $Path -Force | Out-Null
        mount -t tmpfs -o "size=$Size" tmpfs $Path
        if ($LASTEXITCODE -ne 0) { throw "mount failed for $Path" }
        $mounts.Add($Path)
    }

    function script:Invoke-Training([string] $Out) {
        New-BertModel -Config (Get-TinyConfig $size) -Vocabulary $vocab -Seed 1 |
            Invoke-MlmTraining -Corpus $small -MaxSteps 30 -BatchSize 4 -SequenceLength 32 -LearningRate 1e-3 `
                -OutputPath $Out -CheckpointEvery 10 -KeepCheckpoints 3 -CacheDirectory $cache -ErrorAction Stop -WarningAction SilentlyContinue
    }

    function script:Get-Losses([string] $Out) {
        $records = @(Get-Content (Join-Path $Out 'metrics.jsonl') | ForEach-Object { $_ | ConvertFrom-Json })
        @($records | Where-Object run_id -EQ $records[-1].run_id | ForEach-Object loss)
    }
}

AfterAll {
    foreach ($path in $mounts) { umount $path 2>$null }
}

Describe 'A full disk' -Skip:(-not $canMount) {
    It 'under -CacheDirectory is FileSystemError and leaves no temporary shard files' {
        $big = Join-Path $TestDrive 'big.txt'
        New-TinyCorpus $big -Documents 6000 -Seed 4
        $disk = Join-Path $TestDrive 'cache-disk'
        Mount-SmallDisk $disk '1m'
        $thrown = { New-BertModel -Config (Get-TinyConfig $size) -Vocabulary $vocab -Seed 1 |
                Invoke-MlmTraining -Corpus $big -MaxSteps 1 -BatchSize 4 -SequenceLength 32 -CacheDirectory (Join-Path $disk 'cache') -ErrorAction Stop } |
            Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'FileSystemError,*'
        $thrown.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        "$thrown" | Should -Match 'No space left on device'
        @(Get-ChildItem -LiteralPath $disk -Recurse -Force -File) | Should -HaveCount 0 -Because 'the shard being built and its .lines and .documents files go with the failure'
    }

    It 'under -OutputPath keeps the earlier checkpoint, leaves no partial folder, and the same command finishes the run once there is room' {
        $reference = Join-Path $TestDrive 'reference'
        Invoke-Training $reference | Out-Null
        $expected = Get-Losses $reference
        $expected | Should -HaveCount 30
        $checkpointBytes = (Get-ChildItem (Join-Path $reference 'checkpoint-00000010') -Recurse -File | Measure-Object Length -Sum).Sum

        # Room for one checkpoint and the metrics, not two checkpoints.
        $disk = Join-Path $TestDrive 'run-disk'
        Mount-SmallDisk $disk "$([int]($checkpointBytes * 1.5 / 1KB))k"
        $out = Join-Path $disk 'run'
        $thrown = { Invoke-Training $out } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'CheckpointWriteFailed,*'
        $thrown.CategoryInfo.Category | Should -Be 'WriteError'
        "$thrown" | Should -Match 'No space left on device'
        @(Get-ChildItem -LiteralPath $out -Force -Directory -Filter '.checkpoint-*') | Should -HaveCount 0
        $model = Import-BertCheckpoint -LiteralPath (Join-Path $out 'checkpoint-00000010') -ErrorAction Stop -WarningAction SilentlyContinue
        $model.Dispose()

        mount -o remount,size=16m $disk
        $LASTEXITCODE | Should -Be 0
        Invoke-Training $out | Out-Null
        $actual = Get-Losses $out
        $actual | Should -HaveCount 30
        for ($i = 0; $i -lt 30; $i++) { $actual[$i] | Should -Be $expected[$i] -Because "step $($i + 1) continues the run exactly" }
    }
}
