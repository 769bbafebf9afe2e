@{
    Synopsis    = 'Trains a BERT model with the masked-language-model objective on plain-text files.'

    Description = @'
Invoke-MlmTraining continues the pre-training of a model (or starts it, for a model from New-BertModel) on your own text, with the masked-language-model (MLM) objective of BERT. This is domain adaptation: a model that has read your runbooks, tickets or manuals predicts their vocabulary and phrasing much better, which usually helps whatever you fine-tune it for afterwards.

The corpus is one or more files: .txt (one sentence or paragraph per line, a blank line between documents), .jsonl (one document per record, -TextField) or .csv/.tsv (one document per row, -TextColumn), each optionally gzip-compressed (.gz). Files are strict UTF-8 unless a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) or -Encoding says otherwise: an invalid byte is an error naming the file and byte offset. Output locations (-OutputPath, -MetricsPath, -CacheDirectory) are checked before the corpus is read: a missing folder is created when it is needed, and one that cannot be written is an error (OutputPathNotWritable, MetricsPathNotWritable, MetricsPathIsDirectory, CacheDirectoryNotWritable) before the first training step. Each file is tokenized once into a token-id shard in the token cache (see -CacheDirectory) and read memory-mapped from there, so memory does not grow with the corpus. By default the text of all documents is packed into sequences of -SequenceLength tokens, with [SEP] between documents, so that no position is wasted on padding; -LineByLine makes one example per line instead, and -Objective MlmNsp builds sentence pairs for next-sentence prediction. Examples are shuffled each epoch by a seeded permutation.

Masking is dynamic: every time a sequence is put into a batch, a new -MaskProbability share (15% by default) of its ordinary tokens is chosen, so each epoch sees different masks. Of the chosen tokens, 80% are replaced by [MASK], 10% by a random token and 10% are left as they are, and the model is trained to predict the original token at every chosen position. The vocabulary projection is computed only at the chosen positions, not over the whole sequence, which saves most of the work of the output layer.

The optimizer is AdamW (betas 0.9 and 0.999, epsilon 1e-8). Weight decay applies to weight matrices and embeddings only, not to biases and LayerNorm parameters. The learning rate rises linearly from zero to -LearningRate over the warmup steps and then falls linearly to zero at the last step. Before each update the gradients are clipped to a global L2 norm of -MaxGradNorm. A step whose loss or gradient is not a finite number is skipped with a warning; after more than 10 such steps in a row training stops with an error, which usually means the learning rate is too high.

Training stops after -MaxSteps optimizer steps or -Epochs passes over the corpus, whichever comes first; with neither, it runs one epoch. Progress (step N of the total, loss, tokens per second, learning rate, and the time left) is shown in the progress bar, -Verbose reports the corpus size and the final loss, and -MetricsPath keeps one JSON line per step.

The model is trained in place and then written to the pipeline, so you can pipe it on to Measure-Perplexity or Export-Checkpoint. Its StepsTrained, LastLoss and History properties record the training, and TrainedOn lists the corpus files. Pressing Ctrl+C stops training cleanly after the current step; the model keeps the steps completed so far (a variable that holds it sees them), but the stopped pipeline emits nothing further. A termination signal (SIGTERM from systemctl stop, timeout or docker stop; SIGINT from kill -INT or a terminal) is handled the same way: a TrainingInterrupted error says where the run is saved, and pwsh exits with 143 for SIGTERM (131 for SIGQUIT, 129 for SIGHUP), and with 130 for SIGINT when it was started with -File or -Command; at an interactive prompt Ctrl+C only stops the command. With -OutputPath the checkpoint of the last step is saved first, and the same command resumes it.
'@

    SharedParameters = @('TrainingParameters', 'CorpusParameters')

    Parameters  = @{
        Objective             = 'Mlm (the default) trains masked-language modelling alone. MlmNsp adds BERT''s next-sentence prediction: each example is a pair of segments from one document, where half the time the second segment is replaced by text from another document; segment ids mark the two parts and NSP accuracy is reported. NSP needs a corpus with at least two documents.'
        WholeWordMask         = 'Masks whole words: when a word is chosen, every WordPiece piece of it is masked, so the model cannot guess a piece from its neighbours.'
        Device                = 'Where to train: Auto (the default) takes a CUDA GPU when this build and machine have one, else the CPU; Cpu and Cuda force the choice, and cuda:N picks the GPU with index N (cuda:0 is the first). Cuda fails with CudaUnavailable on a CPU build, and cuda:N with CudaDeviceNotFound when there is no such GPU. The model stays on that device afterwards.'
        Threads               = 'How many CPU threads libtorch may use for each operation (1 to 1024). Without it: the BERTADAPT_THREADS environment variable, else OMP_NUM_THREADS, else the number of logical processors .NET reports (which respects CPU affinity and container limits). On a machine shared with other jobs, fewer threads leave cores to them. The previous count is restored when the cmdlet finishes; the verbose output and the metrics file say which count was used.'
        ValidationCorpus      = 'Files to measure validation perplexity on instead of a split of the training corpus: paths or wildcard patterns.'
        LiteralValidationCorpus = 'Validation files taken exactly as written (no wildcards). It may be given together with -ValidationCorpus; the files of both are used.'
        Model           = 'The model to train, usually piped from New-BertModel or Import-BertCheckpoint. Several models can be piped; each is trained on the whole corpus in turn and written out when it is done. -Model also takes the path of a checkpoint (a string, or a FileInfo or DirectoryInfo), which is imported as Import-BertCheckpoint -LiteralPath would import it; an import error stops the command with the import''s error id inside the binding error.'
        Corpus          = 'The corpus files: paths or wildcard patterns (escape a wildcard character with a backtick, or use -LiteralCorpus, for a name such as run[1].txt). A pattern must match at least one file, a directory is refused (give a pattern such as ./runbooks/*.txt instead), and a file is read only once however often it is named. Files are UTF-8 unless a byte-order mark or -Encoding says otherwise; an invalid byte is an error that names the file and byte offset.'
        SequenceLength  = 'The length of the training sequences in tokens, [CLS] and [SEP] included. Longer sequences give the model more context per example but cost more memory and time per step (attention grows with the square of the length). It is capped at the max_position_embeddings of the model (512 for every preset), with a warning when the value given is larger.'
        MaskProbability = 'The share of ordinary tokens chosen for prediction in each sequence (special tokens are never chosen). Of the chosen tokens, 80% become [MASK], 10% a random token and 10% stay unchanged.'
        WhatIf          = 'Checks the output locations (an unwritable one is an error, not a What if), reads and packs the corpus, then shows what would be trained (the number of steps or epochs and of sequences) without training. No model is written to the pipeline.'
        Confirm         = 'Asks for confirmation before training each model.'
    }

    Defaults    = @{
        Threads = 'BERTADAPT_THREADS, else OMP_NUM_THREADS, else the logical processors'
    }

    Inputs      = @{
        'BertAdapt.BertModel' = 'Models can be piped to -Model.'
        'System.IO.FileInfo'  = 'Files from Get-ChildItem or Get-Item bind to -LiteralCorpus through their PSPath property, so their names are never read as wildcards.'
        'System.String'       = 'The path of a checkpoint, given to -Model, is imported.'
    }

    Outputs     = @{
        'BertAdapt.BertModel' = 'The trained model: the same object that came in, with its weights updated and StepsTrained, LastLoss, History and TrainedOn extended.'
    }

    Notes       = @'
All pipeline input is collected before training begins: models and corpus files can arrive in any order, and nothing is written to the pipeline until the whole corpus is known.

Because the model is updated in place, a variable that holds the model before training holds the trained model afterwards. To keep the untrained weights, save them with Export-Checkpoint first, or create a second model with the same -Seed.

Training runs through libtorch on the device that -Device chooses: a CUDA GPU when the build and the machine have one (Auto, the default), else the CPU, where libtorch uses as many threads as -Threads, BERTADAPT_THREADS or OMP_NUM_THREADS say, or one per logical processor. Speed depends heavily on the processor and on the model size, batch size and sequence length: before a long run, time a short one (for example -MaxSteps 20 -MetricsPath ./out/metrics.jsonl, whose lines include tokens_per_second), and scale -MaxSteps to the time you have. The progress bar also shows tokens per second while training runs.
'@

    Examples    = @(
        @{
            Title   = 'Adapt a new model to your own text and save it'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 20 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 |
    Export-Checkpoint ./out/bert-tiny-adapted -Force
'@
            Remarks = 'Run from the repository root: creates a tiny model, trains it for 20 steps of 8 sequences of 64 tokens on the bundled runbook corpus, and saves it as a Hugging Face checkpoint. Without -BatchSize and -SequenceLength a step is 16 sequences of 128 tokens. A real run uses -Preset mini or a pre-trained checkpoint and a few hundred steps or more.'
        }
        @{
            Title   = 'Pipe corpus files from Get-ChildItem'
            Code    = @'
$m = New-BertModel -Preset tiny
Get-ChildItem ./examples/data -Recurse -Filter *.txt | Invoke-MlmTraining -Model $m -MaxSteps 10 -BatchSize 8 -SequenceLength 64
'@
            Remarks = 'Collects every .txt file under ./examples/data, subfolders included; each file binds to -LiteralCorpus through its PSPath property, so a name with [ or ] is read as it is. The model is given with -Model because the pipeline carries the files. The trained model is written to the pipeline and shown as a table with its StepsTrained and LastLoss.'
        }
        @{
            Title   = 'Measure, train, measure again'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1
$before = $model | Measure-Perplexity -Corpus ./examples/data/runbooks-heldout.txt
$model | Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 40 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 -MetricsPath ./out/metrics.jsonl | Out-Null
$after = $model | Measure-Perplexity -Corpus ./examples/data/runbooks-heldout.txt
'Perplexity {0:N1} -> {1:N1}' -f $before.Perplexity, $after.Perplexity
'@
            Remarks = 'Scores a new model on held-out text, trains it for 40 steps with a learning rate suited to a model trained from scratch, and scores it again. Because training updates $model in place, the output of Invoke-MlmTraining can be discarded. ./out/metrics.jsonl (its folder is created if needed) receives one line per step; read it with Get-Content ./out/metrics.jsonl | ConvertFrom-Json.'
        }
        @{
            Title   = 'A daily job that goes on training as the corpus grows'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1
$model | Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 4 -BatchSize 4 -SequenceLength 64 -OutputPath ./out/daily -Continue -Verbose | Out-Null
'@
            Remarks = 'The first time, trains 4 steps and saves the run in ./out/daily. Run again unchanged, it says the run is finished and trains nothing. After the corpus has grown, -Continue starts a new run of 4 steps from the last weights; without -Continue it would stop with TrainingRunChanged and name what changed. Each run''s lines in ./out/daily/metrics.jsonl carry its own run_id.'
        }
        @{
            Title   = 'Check the size of a run first'
            Code    = @'
$model = New-BertModel -Preset tiny
$model | Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -Epochs 3 -SequenceLength 256 -WhatIf -Verbose
'@
            Remarks = 'Reads and packs the corpus, then reports the number of documents, sequences and tokens (-Verbose) and what would be trained (-WhatIf), without training.'
        }
    )

    RelatedLinks = @('New-BertModel', 'Measure-Perplexity', 'Export-Checkpoint', 'Import-BertCheckpoint')
}
