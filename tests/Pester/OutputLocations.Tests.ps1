# Nothing trained is thrown away for want of a folder: missing parent folders are made, and a
# location that cannot be written is an error before the first training step. A location under
# a regular file can never be written, whoever runs the test (root included); /sys is a real,
# existing directory that even root cannot create files in.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    function script:New-TinyModel([long] $Seed = 1) { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed $Seed }
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 12 -Seed 4
    $script:cache = Join-Path $TestDrive 'cache'
    $script:file = Join-Path $TestDrive 'a-file.txt'
    Set-Content -LiteralPath $file -Value 'not a folder'
    $script:underFile = Join-Path $file 'out'
    $script:unwritable = if ($IsLinux) { '/sys/bertadapt-test' }

    $rows = New-TinyLabelledRows
    $script:trainCsv = Join-Path $TestDrive 'train.csv'
    $rows | Export-Csv -LiteralPath $trainCsv -NoTypeInformation

    # Trains with a metrics file, so a test can tell whether any training step ran.
    function script:Invoke-Training([string] $Metrics, [hashtable] $More = @{}) {
        $arguments = @{ Corpus = $corpus; MaxSteps = 2; SequenceLength = 32; CacheDirectory = $cache; MetricsPath = $Metrics }
        foreach ($key in $More.Keys) { $arguments[$key] = $More[$key] }
        New-TinyModel | Invoke-MlmTraining @arguments
    }
}

Describe 'Missing parent folders are created' {
    It 'exports a trained model into ./out/x when ./out does not exist' {
        $target = Join-Path $TestDrive 'new/deep/model'
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $corpus -MaxSteps 2 -SequenceLength 32 -CacheDirectory $cache | Export-Checkpoint $target -PassThru
        $model.StepsTrained | Should -Be 2
        Join-Path $target 'model.safetensors' | Should -Exist
    }

    It 'writes -MetricsPath into a folder that does not exist yet' {
        $metrics = Join-Path $TestDrive 'logs/nightly/metrics.jsonl'
        Invoke-Training $metrics | Out-Null
        Get-Content -LiteralPath $metrics | Should -HaveCount 2
    }

    It 'writes a report into a folder that does not exist yet' {
        $model = Invoke-Training (Join-Path $TestDrive 'for-report.jsonl')
        $report = $model | Export-BertTrainingReport (Join-Path $TestDrive 'reports/today/run.html') -PassThru
        $report | Should -Exist
    }

    It 'creates no folder with -WhatIf' {
        $target = Join-Path $TestDrive 'whatif/parent/model'
        New-TinyModel | Export-Checkpoint $target -WhatIf
        Join-Path $TestDrive 'whatif' | Should -Not -Exist
    }
}

Describe 'Unwritable locations fail before the first training step' {
    It 'Export-Checkpoint under a regular file stops the upstream training before it starts' {
        $metrics = Join-Path $TestDrive 'never-1.jsonl'
        { Invoke-Training $metrics | Export-Checkpoint $underFile } |
            Should -Throw -ErrorId 'CheckpointPathNotWritable,BertAdapt.PowerShell.Commands.ExportCheckpointCommand'
        $metrics | Should -Not -Exist
    }

    It 'Export-Checkpoint onto an existing checkpoint without -Force stops the upstream training before it starts' {
        $taken = Join-Path $TestDrive 'taken'
        New-TinyModel | Export-Checkpoint $taken
        $metrics = Join-Path $TestDrive 'never-2.jsonl'
        { Invoke-Training $metrics | Export-Checkpoint $taken } | Should -Throw -ErrorId 'CheckpointExists,BertAdapt.PowerShell.Commands.ExportCheckpointCommand'
        $metrics | Should -Not -Exist
    }

    It 'Export-BertTrainingReport under a regular file stops the upstream training before it starts' {
        $metrics = Join-Path $TestDrive 'never-3.jsonl'
        { Invoke-Training $metrics | Export-BertTrainingReport (Join-Path $underFile 'r.html') } |
            Should -Throw -ErrorId 'ReportPathNotWritable,BertAdapt.PowerShell.Commands.ExportBertTrainingReportCommand'
        $metrics | Should -Not -Exist
    }

    It 'Invoke-MlmTraining -<Parameter> under a regular file is <Id>, and no step runs' -ForEach @(
        @{ Parameter = 'OutputPath'; Id = 'OutputPathNotWritable' }
        @{ Parameter = 'CacheDirectory'; Id = 'CacheDirectoryNotWritable' }
    ) {
        $metrics = Join-Path $TestDrive "never-$Parameter.jsonl"
        { Invoke-Training $metrics @{ $Parameter = $underFile } } | Should -Throw -ErrorId "$Id,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand"
        $metrics | Should -Not -Exist
    }

    It 'Invoke-MlmTraining -MetricsPath under a regular file is MetricsPathNotWritable, and nothing is written' {
        $out = Join-Path $TestDrive 'never-run'
        { Invoke-Training (Join-Path $underFile 'm.jsonl') @{ OutputPath = $out } } |
            Should -Throw -ErrorId 'MetricsPathNotWritable,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
        $out | Should -Not -Exist
    }

    It 'Invoke-MlmTraining -MetricsPath naming a folder is MetricsPathIsDirectory' {
        { Invoke-Training $TestDrive } | Should -Throw -ErrorId 'MetricsPathIsDirectory,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
    }

    It 'Invoke-MlmTraining -OutputPath in a directory that even root cannot write is OutputPathNotWritable' -Skip:(-not $IsLinux) {
        $metrics = Join-Path $TestDrive 'never-sys.jsonl'
        { Invoke-Training $metrics @{ OutputPath = $unwritable } } | Should -Throw -ErrorId 'OutputPathNotWritable,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
        $metrics | Should -Not -Exist
    }

    It 'Measure-Perplexity -CacheDirectory in a directory that even root cannot write is CacheDirectoryNotWritable' -Skip:(-not $IsLinux) {
        { New-TinyModel | Measure-Perplexity -Corpus $corpus -CacheDirectory $unwritable } |
            Should -Throw -ErrorId 'CacheDirectoryNotWritable,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand'
    }

    It 'Invoke-FineTune -<Parameter> under a regular file is <Id>' -ForEach @(
        @{ Parameter = 'OutputPath'; Id = 'OutputPathNotWritable' }
        @{ Parameter = 'MetricsPath'; Id = 'MetricsPathNotWritable' }
    ) {
        $arguments = @{ $Parameter = Join-Path $underFile 'x' }
        { New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $trainCsv -Epochs 1 @arguments } |
            Should -Throw -ErrorId "$Id,BertAdapt.PowerShell.Commands.InvokeFineTuneCommand"
    }

    It 'Invoke-BertJob checks the export path before the training section runs' {
        $jobs = New-Item -ItemType Directory (Join-Path $TestDrive 'jobs')
        Copy-Item -LiteralPath $vocab, $corpus $jobs
        Set-Content -LiteralPath (Join-Path $jobs 'blocker') -Value 'a file'
        $config = (Get-TinyConfig $vocabSize).GetEnumerator() | ForEach-Object { "$($_.Key): $($_.Value)" }
        $job = Join-Path $jobs 'export-blocked.job.yaml'
        Set-Content -LiteralPath $job -Value ("model:`n  config: { $($config -join ', ') }`n  vocabulary: vocab.txt`n" +
            "training:`n  corpus: corpus.txt`n  maxSteps: 2`n  sequenceLength: 32`n  metricsPath: out/metrics.jsonl`n" +
            "export:`n  path: blocker/model`n")
        { Invoke-BertJob -Path $job } | Should -Throw -ErrorId 'CheckpointPathNotWritable,BertAdapt.PowerShell.Commands.InvokeBertJobCommand'
        Join-Path $jobs 'out' | Should -Not -Exist
    }
}

Describe '-WhatIf does not claim a write that would fail' {
    It 'Export-Checkpoint -WhatIf under a regular file is an error, not a "What if"' {
        { New-TinyModel | Export-Checkpoint $underFile -WhatIf } |
            Should -Throw -ErrorId 'CheckpointPathNotWritable,BertAdapt.PowerShell.Commands.ExportCheckpointCommand'
    }

    It 'Export-Checkpoint -WhatIf in a directory that even root cannot write is an error' -Skip:(-not $IsLinux) {
        { New-TinyModel | Export-Checkpoint $unwritable -WhatIf } |
            Should -Throw -ErrorId 'CheckpointPathNotWritable,BertAdapt.PowerShell.Commands.ExportCheckpointCommand'
    }

    It 'Invoke-MlmTraining -WhatIf with an unwritable -OutputPath is an error' {
        { New-TinyModel | Invoke-MlmTraining -Corpus $corpus -MaxSteps 1 -CacheDirectory $cache -OutputPath $underFile -WhatIf } |
            Should -Throw -ErrorId 'OutputPathNotWritable,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
    }

    It 'Export-BertTrainingReport -WhatIf under a regular file is an error' {
        $model = Invoke-Training (Join-Path $TestDrive 'for-whatif.jsonl')
        { $model | Export-BertTrainingReport (Join-Path $underFile 'r.html') -WhatIf } |
            Should -Throw -ErrorId 'ReportPathNotWritable,BertAdapt.PowerShell.Commands.ExportBertTrainingReportCommand'
    }
}

# An export stages its files in hidden folders beside the checkpoint, named after its process;
# one that is killed leaves them there. These folders are what such a kill leaves, made by hand
# with the id of a process that has ended.
Describe 'What a killed Export-Checkpoint left behind' {
    BeforeAll {
        $ended = Start-Process sh -ArgumentList '-c true' -PassThru
        $ended.WaitForExit()
        $script:deadPid = $ended.Id
        $script:running = Start-Process sleep -ArgumentList 600 -PassThru
    }
    AfterAll { $running | Stop-Process -ErrorAction Ignore }

    It 'is cleared by the next export of the same name, which says so with -Verbose' {
        $parent = Join-Path $TestDrive 'killed'
        New-TinyModel | Export-Checkpoint (Join-Path $parent 'ckpt')
        $partial = Join-Path $parent ".ckpt.partial-$deadPid-0123456789abcdef"
        New-Item -ItemType Directory $partial | Out-Null
        Set-Content (Join-Path $partial 'model.safetensors') 'half written'
        New-Item -ItemType Directory (Join-Path $parent '.other.partial-1-x') | Out-Null
        $verbose = New-TinyModel -Seed 2 | Export-Checkpoint (Join-Path $parent 'ckpt') -Force -Verbose 4>&1
        ($verbose.Message -join "`n") | Should -Match "Removed '.*\.ckpt\.partial-$deadPid-0123456789abcdef'"
        $partial | Should -Not -Exist
        Join-Path $parent '.other.partial-1-x' | Should -Exist -Because 'only leftovers of this name are cleared'
        @(Get-ChildItem -LiteralPath $parent -Force -Directory -Filter '.ckpt.*') | Should -HaveCount 0
    }

    It 'puts back a checkpoint that a killed export was replacing, so it is not lost' {
        $parent = Join-Path $TestDrive 'killed-replacing'
        $old = Join-Path $parent 'ckpt'
        New-TinyModel | Export-Checkpoint $old
        $hash = (Get-FileHash (Join-Path $old 'model.safetensors')).Hash
        # Killed between moving the old checkpoint aside and moving the new one in.
        Move-Item -LiteralPath $old -Destination (Join-Path $parent ".ckpt.replaced-$deadPid-00")
        $e = { New-TinyModel -Seed 2 | Export-Checkpoint $old -ErrorAction Stop } | Should -Throw -ErrorId 'CheckpointExists,*' -PassThru
        (Get-FileHash (Join-Path $old 'model.safetensors')).Hash | Should -Be $hash
        @(Get-ChildItem -LiteralPath $parent -Force -Directory -Filter '.ckpt.*') | Should -HaveCount 0
    }

    It 'leaves alone the staging folder of an export that is still running' {
        $parent = Join-Path $TestDrive 'running'
        $live = Join-Path $parent ".ckpt.partial-$($running.Id)-00"
        New-Item -ItemType Directory $live -Force | Out-Null
        New-TinyModel | Export-Checkpoint (Join-Path $parent 'ckpt')
        $live | Should -Exist
    }
}
