BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    $script:corpus = Join-Path $TestDrive 'corpus.txt'
    New-TinyCorpus $corpus -Documents 10 -Seed 1
    $script:model = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab
    $script:good = Join-Path $TestDrive 'good'
    $model | Export-Checkpoint $good

    # Runs a script block that must fail terminally; returns its ErrorRecord.
    function script:Get-TerminatingError([scriptblock] $Action) {
        try { & $Action; throw 'expected a terminating error, but none was raised' }
        catch [System.Management.Automation.RuntimeException] {
            if ($_.FullyQualifiedErrorId -like 'RuntimeException*' -and $_.Exception.Message -like 'expected a terminating error*') { throw }
            $_
        }
    }

    # A copy without its manifest, as a hand-built or downloaded checkpoint would be, so that each
    # test below meets the reader's own check rather than CheckpointHashMismatch (Provenance.Tests.ps1).
    function script:Copy-Checkpoint([string] $Name) {
        $copy = Join-Path $TestDrive $Name
        Copy-Item $good $copy -Recurse
        Remove-Item -LiteralPath (Join-Path $copy 'bertadapt_manifest.json')
        $copy
    }
}

# A bad input item (a checkpoint to import, a piped model) is a non-terminating error, so these
# use -ErrorAction Stop to catch it; ErrorAction.Tests.ps1 checks that the next item goes on.
Describe 'Bad input gives an error with a stable id and the right category' {
    It 'Import-BertCheckpoint of a missing directory' {
        $e = Get-TerminatingError { Import-BertCheckpoint -Path (Join-Path $TestDrive 'nope') -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -Be 'CheckpointNotFound,BertAdapt.PowerShell.Commands.ImportBertCheckpointCommand'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'Import-BertCheckpoint with a malformed config.json' {
        $dir = Copy-Checkpoint 'badconfig'
        Set-Content (Join-Path $dir 'config.json') '{ "hidden_size": 64, "num_hidden_layers": '
        $e = Get-TerminatingError { Import-BertCheckpoint -LiteralPath $dir -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'ConfigInvalid,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'Import-BertCheckpoint with a config.json whose shape is impossible' {
        $dir = Copy-Checkpoint 'oddheads'
        $config = Get-Content -Raw (Join-Path $dir 'config.json') | ConvertFrom-Json
        $config.num_attention_heads = 3
        $config | ConvertTo-Json | Set-Content (Join-Path $dir 'config.json')
        $e = Get-TerminatingError { Import-BertCheckpoint -LiteralPath $dir -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'ConfigInvalid,*'
        $e.Exception.Message | Should -BeLike '*num_attention_heads*'
    }

    It 'Import-BertCheckpoint with a truncated model.safetensors' {
        $dir = Copy-Checkpoint 'truncated'
        $weights = Join-Path $dir 'model.safetensors'
        $bytes = [IO.File]::ReadAllBytes($weights)
        [IO.File]::WriteAllBytes($weights, $bytes[0..($bytes.Length / 2)])
        $e = Get-TerminatingError { Import-BertCheckpoint -LiteralPath $dir -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'SafeTensorsCorrupt,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'Import-BertCheckpoint with weights of the wrong shape names the tensor' {
        $dir = Copy-Checkpoint 'wrongshape'
        $config = Get-Content -Raw (Join-Path $dir 'config.json') | ConvertFrom-Json
        $config.intermediate_size = 256
        $config | ConvertTo-Json | Set-Content (Join-Path $dir 'config.json')
        $e = Get-TerminatingError { Import-BertCheckpoint -LiteralPath $dir -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'CheckpointShapeMismatch,*'
        $e.Exception.Message | Should -BeLike '*tensor bert.encoder.layer.0.intermediate.dense.*'
    }

    It 'Import-BertCheckpoint of a directory without weights' {
        $dir = Copy-Checkpoint 'noweights'
        Remove-Item (Join-Path $dir 'model.safetensors')
        $e = Get-TerminatingError { Import-BertCheckpoint -LiteralPath $dir -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'CheckpointWeightsNotFound,*'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e.Exception.Message | Should -BeLike '*no model.safetensors, pytorch_model.bin, .onnx file or TensorFlow checkpoint*'
    }

    It 'Import-BertCheckpoint of a pytorch_model.bin that calls os.system refuses it and runs nothing' {
        $marker = Join-Path $TestDrive 'pickle-ran'
        $env:BERTADAPT_PICKLE_MARKER = $marker
        try {
            $e = Get-TerminatingError { Import-BertCheckpoint -LiteralPath (Join-Path $PSScriptRoot '../fixtures/pytorch/malicious') -ErrorAction Stop }
        } finally { Remove-Item Env:BERTADAPT_PICKLE_MARKER }
        $e.FullyQualifiedErrorId | Should -Be 'PyTorchPickleGlobalRefused,BertAdapt.PowerShell.Commands.ImportBertCheckpointCommand'
        $e.CategoryInfo.Category | Should -Be 'SecurityError'
        $e.Exception.Message | Should -BeLike "*refuses the global 'posix.system'*"
        $marker | Should -Not -Exist
    }

    It 'Import-BertCheckpoint of a legacy-format (pre-1.6) pytorch_model.bin that calls os.system refuses it and runs nothing' {
        $marker = Join-Path $TestDrive 'legacy-pickle-ran'
        $env:BERTADAPT_PICKLE_MARKER = $marker
        try {
            $e = Get-TerminatingError { Import-BertCheckpoint -LiteralPath (Join-Path $PSScriptRoot '../fixtures/pytorch/malicious-legacy') -ErrorAction Stop }
        } finally { Remove-Item Env:BERTADAPT_PICKLE_MARKER }
        $e.FullyQualifiedErrorId | Should -Be 'PyTorchPickleGlobalRefused,BertAdapt.PowerShell.Commands.ImportBertCheckpointCommand'
        $e.CategoryInfo.Category | Should -Be 'SecurityError'
        $marker | Should -Not -Exist
    }

    It 'Export-Checkpoint onto an existing directory without -Force leaves it untouched' {
        $dir = Copy-Checkpoint 'existing'
        $before = Get-ChildItem $dir | ForEach-Object { "$($_.Name):$((Get-FileHash $_.FullName).Hash)" }
        $other = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 99
        $e = Get-TerminatingError { $other | Export-Checkpoint $dir }
        $e.FullyQualifiedErrorId | Should -Be 'CheckpointExists,BertAdapt.PowerShell.Commands.ExportCheckpointCommand'
        $e.CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-ChildItem $dir | ForEach-Object { "$($_.Name):$((Get-FileHash $_.FullName).Hash)" } | Should -Be $before
    }

    It 'Export-Checkpoint under a regular file writes nothing' {
        $blocker = Join-Path $TestDrive 'blocker.txt'
        Set-Content -LiteralPath $blocker -Value 'a file, not a folder'
        $e = Get-TerminatingError { $model | Export-Checkpoint (Join-Path $blocker 'parent/out') }
        $e.FullyQualifiedErrorId | Should -Be 'CheckpointPathNotWritable,BertAdapt.PowerShell.Commands.ExportCheckpointCommand'
        $e.CategoryInfo.Category | Should -Be 'WriteError'
        Get-Content -LiteralPath $blocker | Should -Be 'a file, not a folder'
        Get-ChildItem $TestDrive -Filter '.blocker*' -Force | Should -BeNullOrEmpty
    }

    It 'Invoke-MlmTraining on a missing corpus file' {
        $e = Get-TerminatingError { $model | Invoke-MlmTraining -Corpus (Join-Path $TestDrive 'missing.txt') -MaxSteps 1 }
        $e.FullyQualifiedErrorId | Should -Be 'CorpusFileNotFound,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'Invoke-MlmTraining on a wildcard that matches no file' {
        $e = Get-TerminatingError { $model | Invoke-MlmTraining -Corpus (Join-Path $TestDrive 'nothing-*.txt') -MaxSteps 1 }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusNoMatch,*'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'Invoke-MlmTraining on an empty corpus' {
        $empty = Join-Path $TestDrive 'empty.txt'
        Set-Content $empty "`n  `n"
        $steps = $model.StepsTrained
        $e = Get-TerminatingError { $model | Invoke-MlmTraining -Corpus $empty -MaxSteps 1 }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusEmpty,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $model.StepsTrained | Should -Be $steps
    }

    # Emoji are not in the vocabulary: every token is [UNK], which masked-LM never predicts.
    It '<Command> on a corpus with nothing to predict says so (CorpusNothingToPredict), not diverged or NaN' -ForEach @(
        @{ Command = 'Invoke-MlmTraining'; Run = { param($m, $c) $m | Invoke-MlmTraining -Corpus $c -MaxSteps 2 -BatchSize 4 -SequenceLength 32 } }
        @{ Command = 'Measure-Perplexity'; Run = { param($m, $c) $m | Measure-Perplexity -Corpus $c -SequenceLength 32 } }
    ) {
        $emoji = Join-Path $TestDrive 'emoji.txt'
        Set-Content -LiteralPath $emoji -Value (1..40 | ForEach-Object { "$([char]::ConvertFromUtf32(0x1F600)) $([char]::ConvertFromUtf32(0x1F680))" })
        $steps = $model.StepsTrained
        $e = Get-TerminatingError { & $Run $model $emoji }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusNothingToPredict,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -BeLike '*emoji.txt*[UNK]*'
        $model.StepsTrained | Should -Be $steps
    }

    # A pipe has no end until a writer closes it: reading one waits forever. Each case runs in a
    # child PowerShell under coreutils' timeout, so a regression fails instead of hanging the run.
    It 'refuses a named pipe as a corpus, also through a symbolic link, instead of waiting forever' -Skip:$IsWindows {
        $fifo = Join-Path $TestDrive 'pipe.txt'
        & mkfifo $fifo
        $link = Join-Path $TestDrive 'linked pipe.txt'
        New-Item -ItemType SymbolicLink -Path $link -Target $fifo | Out-Null
        $launcher = Get-PwshLauncher
        $module = Join-Path $PSScriptRoot '../../BertAdapt.psd1'
        foreach ($path in $fifo, $link) {
            $command = "Import-Module '$module'; try { Measure-Perplexity -Model '$good' -LiteralCorpus '$path' -SequenceLength 32 -ErrorAction Stop | Out-Null; 'no error' } " +
                "catch { `$_.FullyQualifiedErrorId; `$_.CategoryInfo.Category.ToString(); `$_.Exception.Message }"
            $output = & timeout 90 @launcher -NoProfile -NonInteractive -Command $command 2>&1
            $LASTEXITCODE | Should -Not -Be 124 -Because "reading '$path' must not wait for a writer"
            $output[0] | Should -BeLike 'CorpusNotRegularFile,*'
            $output[1] | Should -Be 'InvalidArgument'
            $output[2] | Should -BeLike '*is a named pipe, not a regular file*'
        }
    }

    It 'Invoke-MlmTraining -Objective MlmNsp on a model with one token type says so, not a libtorch index error' {
        $config = Get-TinyConfig $vocabSize
        $config.type_vocab_size = 1
        $single = New-BertModel -Config $config -Vocabulary $vocab
        $e = Get-TerminatingError { $single | Invoke-MlmTraining -Corpus $corpus -Objective MlmNsp -MaxSteps 1 -BatchSize 4 -SequenceLength 32 }
        $e.FullyQualifiedErrorId | Should -BeLike 'TrainingOptionInvalid,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.Exception.Message | Should -BeLike '*type_vocab_size 1*-Objective Mlm*'
        $single.StepsTrained | Should -Be 0
    }

    # A config.json of a few hundred bytes must not make the import build gigabytes of random layers.
    It 'Import-BertCheckpoint of a config with far more layers than its weights is CheckpointTooLarge, at once' {
        $big = Join-Path $TestDrive 'thousand-layers'
        Copy-Item -LiteralPath $good -Destination $big -Recurse
        Remove-Item -LiteralPath (Join-Path $big 'bertadapt_manifest.json') # edited by hand below
        $config = Get-Content -Raw (Join-Path $big 'config.json') | ConvertFrom-Json
        $config.num_hidden_layers = 1000
        $config | ConvertTo-Json | Set-Content (Join-Path $big 'config.json')
        $e = Get-TerminatingError { Import-BertCheckpoint $big -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'CheckpointTooLarge,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -BeLike '*1000 layers*holds only*'
    }

    It 'Import-BertCheckpoint over the ceiling that BERTADAPT_MAX_PARAMETERS sets is CheckpointTooLarge' {
        $launcher = Get-PwshLauncher
        $module = Join-Path $PSScriptRoot '../../BertAdapt.psd1'
        $command = "`$env:BERTADAPT_MAX_PARAMETERS = '1000'; Import-Module '$module'; try { Import-BertCheckpoint '$good' -ErrorAction Stop | Out-Null; 'no error' } catch { `$_.FullyQualifiedErrorId; `$_.Exception.Message }"
        $output = & $launcher[0] @($launcher | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $command 2>&1
        $output[0] | Should -BeLike 'CheckpointTooLarge,*'
        "$($output[1])" | Should -BeLike '*over the limit of 1,000 parameters*BERTADAPT_MAX_PARAMETERS*'
    }

    # Each of these was a raw .NET exception (ArgumentException, InvalidOperationException) before.
    It 'Import-BertCheckpoint with <Name> is <Id>' -ForEach @(
        @{ Name = 'a key twice in tokenizer_config.json'; File = 'tokenizer_config.json'; Text = '{"do_lower_case": true, "do_lower_case": false}'; Id = 'TokenizerConfigInvalid'; NoVocab = $false }
        @{ Name = 'a tokenizer.json that is an array'; File = 'tokenizer.json'; Text = '[1, 2]'; Id = 'TokenizerJsonInvalid'; NoVocab = $false }
        @{ Name = 'a tokenizer.json whose model type is a number'; File = 'tokenizer.json'; Text = '{"model": {"type": 5, "vocab": {}}}'; Id = 'TokenizerJsonInvalid'; NoVocab = $true }
        @{ Name = 'a token twice in tokenizer.json''s vocabulary'; File = 'tokenizer.json'; Text = '{"model": {"type": "WordPiece", "vocab": {"a": 0, "a": 1}}}'; Id = 'TokenizerJsonInvalid'; NoVocab = $true }
    ) {
        $variant = Join-Path $TestDrive ($Name -replace '[^a-z]', '-')
        Copy-Item -LiteralPath $good -Destination $variant -Recurse
        Remove-Item -LiteralPath (Join-Path $variant 'bertadapt_manifest.json') # edited by hand below
        Set-Content -LiteralPath (Join-Path $variant $File) -Value $Text
        if ($NoVocab) { Remove-Item -LiteralPath (Join-Path $variant 'vocab.txt') }
        $e = Get-TerminatingError { Import-BertCheckpoint -LiteralPath $variant -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'Export-Checkpoint to the root of a drive is CheckpointPathInvalid, not an ArgumentException' {
        $root = [IO.Path]::GetPathRoot($TestDrive)
        $e = Get-TerminatingError { $model | Export-Checkpoint -Path $root -Force -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'CheckpointPathInvalid,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'Measure-Perplexity on a corpus that is not UTF-8 names the byte offset' {
        $latin1 = Join-Path $TestDrive 'latin1.txt'
        [IO.File]::WriteAllBytes($latin1, [byte[]](0x6f, 0x6b, 0x0a, 0x63, 0x61, 0x66, 0xe9, 0x0a))
        $e = Get-TerminatingError { $model | Measure-Perplexity -Corpus $latin1 }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusNotUtf8,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -BeLike '*byte offset 6*'
    }

    It 'Invoke-MlmTraining on a truncated .gz corpus is CorpusGzipTruncated, not a shorter corpus' {
        $bytes = [Text.Encoding]::UTF8.GetBytes([IO.File]::ReadAllText($corpus))
        $memory = [IO.MemoryStream]::new()
        $gzip = [IO.Compression.GZipStream]::new($memory, [IO.Compression.CompressionLevel]::Optimal, $true)
        $gzip.Write($bytes, 0, $bytes.Length)
        $gzip.Dispose()
        $whole = $memory.ToArray()
        $cut = Join-Path $TestDrive 'cut.txt.gz'
        [IO.File]::WriteAllBytes($cut, $whole[0..($whole.Length - 9)])   # no trailer, as a copy stopped early leaves it
        $e = Get-TerminatingError { $model | Invoke-MlmTraining -Corpus $cut -MaxSteps 1 -SequenceLength 32 -CacheDirectory (Join-Path $TestDrive 'gz-cache') }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusGzipTruncated,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -BeLike '*cut.txt.gz*truncated*'
    }

    It 'Invoke-MlmTraining on plain text named .gz says it has no gzip magic number' {
        $plain = Join-Path $TestDrive 'plain.txt.gz'
        Copy-Item -LiteralPath $corpus -Destination $plain
        $e = Get-TerminatingError { $model | Invoke-MlmTraining -Corpus $plain -MaxSteps 1 -SequenceLength 32 -CacheDirectory (Join-Path $TestDrive 'gz-cache') }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusNotGzip,*'
        $e.Exception.Message | Should -BeLike '*magic number*'
        $e.Exception.Message | Should -Not -BeLike '*unsupported compression method*'
    }

    It 'Invoke-MlmTraining on a CSV corpus with a quote never closed names the line, not swallowing the rows after it' {
        $csv = Join-Path $TestDrive 'open-quote.csv'
        [IO.File]::WriteAllText($csv, "id,text`n1,restart the nginx service`n2,`"check the redis logs`n3,read the sshd logs`n")
        $e = Get-TerminatingError { $model | Invoke-MlmTraining -Corpus $csv -MaxSteps 1 -SequenceLength 32 -CacheDirectory (Join-Path $TestDrive 'csv-cache') }
        $e.FullyQualifiedErrorId | Should -BeLike 'CorpusRecordInvalid,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $e.Exception.Message | Should -BeLike '*line 3*never closed*'
    }

    It 'Invoke-MlmTraining on a corpus of one line of millions of characters trains on it in pieces' {
        $long = Join-Path $TestDrive 'long.txt'
        $words = 'restart the nginx service on web01 then read the nginx logs .'
        [IO.File]::WriteAllText($long, (@($words) * 60000) -join ' ')   # about 3.7 M characters, no newline
        $cache = Join-Path $TestDrive 'long-cache'
        $trained = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab | Invoke-MlmTraining -Corpus $long -MaxSteps 2 -SequenceLength 32 -LineByLine -CacheDirectory $cache
        $trained.StepsTrained | Should -Be 2
        # One shard, whose header (line count at byte 24) counts the pieces: 4 or more of at most 1 Mi characters.
        $shard = @(Get-ChildItem -LiteralPath $cache -Filter *.shard)
        $shard.Count | Should -Be 1
        $header = [IO.File]::ReadAllBytes($shard[0].FullName)[0..63]
        [BitConverter]::ToInt64([byte[]]$header, 24) | Should -BeGreaterOrEqual 4
    }

    It 'New-BertModel with a hashtable config whose hidden size does not divide into heads' {
        $config = Get-TinyConfig $vocabSize
        $config.hidden_size = 65
        $e = Get-TerminatingError { New-BertModel -Config $config -Vocabulary $vocab }
        $e.FullyQualifiedErrorId | Should -BeLike 'ConfigInvalid,*'
    }

    It 'New-BertModel with a missing vocabulary' {
        $e = Get-TerminatingError { New-BertModel -Preset tiny -Vocabulary (Join-Path $TestDrive 'none.txt') }
        $e.FullyQualifiedErrorId | Should -BeLike 'VocabularyNotFound,*'
        $e.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'New-BertModel with a vocabulary lacking [MASK]' {
        $bad = Join-Path $TestDrive 'nomask.txt'
        Set-Content $bad "[PAD]`n[UNK]`n[CLS]`n[SEP]`nhello"
        $e = Get-TerminatingError { New-BertModel -Preset tiny -Vocabulary $bad }
        $e.FullyQualifiedErrorId | Should -BeLike 'VocabularyInvalid,*'
    }

    It 'using a disposed model' {
        $gone = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab
        $gone.Dispose()
        $e = Get-TerminatingError { $gone | Measure-Perplexity -Corpus $corpus -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'ModelDisposed,*'
    }
}
