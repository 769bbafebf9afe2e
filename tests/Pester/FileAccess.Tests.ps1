#Requires -Version 7.4
# A corpus, data file or checkpoint that exists but cannot be opened: held locked by another
# program, gone between listing and opening, or unreadable. Each gives a stable id and the right
# category (FileSystemError/ResourceUnavailable, PathNotFound/ObjectNotFound,
# PathAccessDenied/PermissionDenied), never a bare .NET exception (issue 17).
#
# The lock is a FileStream opened with FileShare.None, as another program's exclusive open is:
# on Windows that is a sharing mode; on Linux and macOS .NET takes an advisory flock for it, which
# conflicts with the shared flock .NET takes to read, whether the other open is in this process
# or another (util-linux's flock -x holding the file gives the same errors).

BeforeDiscovery {
    # Root reads a file whatever its mode bits say, so an unreadable file can only be made for another user.
    $script:canMakeUnreadable = -not $IsWindows -and (id -u) -ne '0'
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 10 -Seed 1
    $script:rows = Join-Path $TestDrive 'rows.csv'
    New-TinyLabelledRows | Export-Csv $rows -NoTypeInformation
    $script:model = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab
    $script:saved = Join-Path $TestDrive 'saved'
    $model | Export-Checkpoint $saved
    $script:cache = Join-Path $TestDrive 'cache'

    # Runs a script block that must fail terminally; returns its ErrorRecord.
    function script:Get-TerminatingError([scriptblock] $Action) {
        try { & $Action; throw 'expected a terminating error, but none was raised' }
        catch [System.Management.Automation.RuntimeException] {
            if ($_.FullyQualifiedErrorId -like 'RuntimeException*' -and $_.Exception.Message -like 'expected a terminating error*') { throw }
            $_
        }
    }

    # Runs $Action while $Path is held open exclusively; returns the ErrorRecord it fails with.
    function script:Get-ErrorWhileLocked([string] $Path, [scriptblock] $Action) {
        $lock = [IO.FileStream]::new($Path, [IO.FileMode]::Open, [IO.FileAccess]::ReadWrite, [IO.FileShare]::None)
        try { Get-TerminatingError $Action } finally { $lock.Dispose() }
    }

    # A copy of $File (a corpus, a checkpoint folder) under $Name, so that a test can lock, remove or restrict it alone.
    function script:Copy-Fixture([string] $File, [string] $Name) {
        $copy = Join-Path $TestDrive $Name
        Copy-Item -LiteralPath $File $copy -Recurse
        $copy
    }
}

Describe 'A file another program holds locked' {
    It 'as an Invoke-MlmTraining corpus is FileSystemError (ResourceUnavailable)' {
        $locked = Copy-Fixture $corpus 'locked-train.txt'
        $e = Get-ErrorWhileLocked $locked { $model | Invoke-MlmTraining -Corpus $locked -MaxSteps 1 -SequenceLength 16 -CacheDirectory $cache }
        $e.FullyQualifiedErrorId | Should -Be 'FileSystemError,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
        $e.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $e.Exception.Message | Should -BeLike "*$locked*"
    }

    It 'as a Measure-Perplexity corpus is FileSystemError (ResourceUnavailable)' {
        $locked = Copy-Fixture $corpus 'locked-measure.txt'
        $e = Get-ErrorWhileLocked $locked { $model | Measure-Perplexity -Corpus $locked -SequenceLength 16 -CacheDirectory $cache }
        $e.FullyQualifiedErrorId | Should -Be 'FileSystemError,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand'
        $e.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
    }

    It 'as Invoke-FineTune -TrainingData is FileSystemError (ResourceUnavailable)' {
        $locked = Copy-Fixture $rows 'locked-rows.csv'
        $e = Get-ErrorWhileLocked $locked { $model | Invoke-FineTune -Task SequenceClassification -TrainingData $locked -Epochs 1 -MaxLength 16 }
        $e.FullyQualifiedErrorId | Should -Be 'FileSystemError,BertAdapt.PowerShell.Commands.InvokeFineTuneCommand'
        $e.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
    }

    It 'as the weights of Import-BertCheckpoint is FileSystemError (ResourceUnavailable)' {
        $copy = Copy-Fixture $saved 'locked-import'
        $e = Get-ErrorWhileLocked (Join-Path $copy 'model.safetensors') { Import-BertCheckpoint -Path $copy -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'FileSystemError,BertAdapt.PowerShell.Commands.ImportBertCheckpointCommand'
        $e.CategoryInfo.Category | Should -Be 'ResourceUnavailable'
    }

    It 'as the weights of a checkpoint given to -Model fails binding with the id FileSystemError inside' {
        # Binding wraps what -Model's import throws, as it does CheckpointNotFound (LiteralPaths.Tests.ps1): the id is the inner exception's.
        $copy = Copy-Fixture $saved 'locked-model'
        $e = Get-ErrorWhileLocked (Join-Path $copy 'model.safetensors') { Measure-Perplexity -Model $copy -Corpus $corpus -SequenceLength 16 -CacheDirectory $cache }
        $e.FullyQualifiedErrorId | Should -Be 'ParameterArgumentTransformationError,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand'
        $e.Exception.InnerException | Should -BeOfType ([BertAdapt.BertAdaptException])
        $e.Exception.InnerException.ErrorId | Should -Be 'FileSystemError'
        $e.Exception.InnerException.Kind | Should -Be 'ResourceUnavailable'
        $e.Exception.InnerException.InnerException | Should -BeOfType ([IO.IOException])
    }
}

Describe 'A file listed but gone when it is opened' {
    # A dangling symbolic link is listed by a wildcard, and opening it finds no file: what a file
    # deleted between the listing and the reading meets. Windows makes links only with a privilege.
    BeforeAll {
        if (-not $IsWindows) {
            $script:gone = Join-Path $TestDrive 'gone'
            New-Item -ItemType Directory $gone | Out-Null
            New-Item -ItemType SymbolicLink -Path (Join-Path $gone 'deleted.txt') -Target (Join-Path $TestDrive 'nothing.txt') | Out-Null
            New-Item -ItemType SymbolicLink -Path (Join-Path $gone 'deleted.csv') -Target (Join-Path $TestDrive 'nothing.csv') | Out-Null
        }
    }

    It 'as an Invoke-MlmTraining corpus is PathNotFound (ObjectNotFound)' -Skip:$IsWindows {
        $e = Get-TerminatingError { $model | Invoke-MlmTraining -Corpus (Join-Path $gone '*.txt') -MaxSteps 1 -SequenceLength 16 -CacheDirectory $cache }
        $e.FullyQualifiedErrorId | Should -Be 'PathNotFound,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'as a Measure-Perplexity corpus is PathNotFound (ObjectNotFound)' -Skip:$IsWindows {
        $e = Get-TerminatingError { $model | Measure-Perplexity -Corpus (Join-Path $gone '*.txt') -SequenceLength 16 -CacheDirectory $cache }
        $e.FullyQualifiedErrorId | Should -Be 'PathNotFound,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'as Invoke-FineTune -TrainingData is PathNotFound (ObjectNotFound)' -Skip:$IsWindows {
        $e = Get-TerminatingError { $model | Invoke-FineTune -Task SequenceClassification -TrainingData (Join-Path $gone '*.csv') -Epochs 1 -MaxLength 16 }
        $e.FullyQualifiedErrorId | Should -Be 'PathNotFound,BertAdapt.PowerShell.Commands.InvokeFineTuneCommand'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }
}

Describe 'A file this user may not read' {
    # Needs a user other than root on Linux or macOS (mode 000 stops only them); root and Windows skip.
    It 'as an Invoke-MlmTraining corpus is PathAccessDenied (PermissionDenied)' -Skip:(-not $canMakeUnreadable) {
        $denied = Copy-Fixture $corpus 'denied.txt'
        chmod 000 $denied
        try { $e = Get-TerminatingError { $model | Invoke-MlmTraining -Corpus $denied -MaxSteps 1 -SequenceLength 16 -CacheDirectory $cache } }
        finally { chmod 644 $denied }
        $e.FullyQualifiedErrorId | Should -Be 'PathAccessDenied,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
        $e.CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'as the weights of a checkpoint given to -Model fails binding with the id PathAccessDenied inside' -Skip:(-not $canMakeUnreadable) {
        $copy = Copy-Fixture $saved 'denied-model'
        $weights = Join-Path $copy 'model.safetensors'
        chmod 000 $weights
        try { $e = Get-TerminatingError { Measure-Perplexity -Model $copy -Corpus $corpus -SequenceLength 16 -CacheDirectory $cache } }
        finally { chmod 644 $weights }
        $e.Exception.InnerException.ErrorId | Should -Be 'PathAccessDenied'
        $e.Exception.InnerException.Kind | Should -Be 'PermissionDenied'
    }
}
