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

    Parameters  = @{
        AllowInvalidUtf8      = 'Reads a byte sequence that is not valid in the file''s encoding (UTF-8 unless a byte-order mark or -Encoding says otherwise) as the replacement character (U+FFFD) instead of stopping with a CorpusNotUtf8 (or, for other encodings, CorpusNotDecodable) error. Files are strict by default, so that a file in another encoding is caught rather than silently garbled.'
        Encoding              = 'The encoding of corpus files that have no byte-order mark: utf8 (the default), unicode (UTF-16 LE), bigendianunicode, utf32, bigendianutf32, ascii, latin1, ansi, oem, a code page number such as 1252, a name such as windows-1252, or a System.Text.Encoding object. A file that starts with a byte-order mark (UTF-8, UTF-16 LE or BE, UTF-32 LE or BE, as Windows PowerShell 5.1''s > and Out-File write) is read as its mark says, whatever -Encoding is. The encoding is part of the token cache key, so the same bytes read two ways never share a shard.'
        LiteralCorpus         = 'The corpus files, taken exactly as written: no character is a wildcard, so a file named run[1].txt is that file (with -Corpus it would be a pattern matching run1.txt). Files piped from Get-ChildItem or Get-Item bind here through their PSPath property; objects with a FullName property bind too. Aliases: -LiteralPath, -PSPath, -LP. A directory is read with -Recurse, as with -Corpus.'
        Recurse               = 'With a directory in -Corpus, reads every corpus file under it (.txt, .jsonl, .csv, .tsv, each optionally .gz), subdirectories included. Without -Recurse a directory is refused.'
        LineByLine            = 'Makes one example of each corpus line (truncated to -SequenceLength) instead of packing the text into full-length sequences. Packing wastes no positions on padding and is the default; line-by-line keeps sentences apart, which suits short, independent records.'
        TextField             = 'For .jsonl corpus files: the field of each JSON record that holds its text (default ''text''). Each record is one document; a record without the field is an error naming the file and line.'
        TextColumn            = 'For .csv and .tsv corpus files: the column (named in the header row) that holds each row''s text (default ''text''). Each row is one document.'
        CacheDirectory        = 'Where token-id shards are cached. Each corpus file is tokenized once per vocabulary and stored under a key made from the file''s content hash and the vocabulary''s hash, so later runs on the same files start at once and read the tokens memory-mapped. Defaults to the per-user cache (~/.cache/bertadapt/tokens, or %LOCALAPPDATA%\BertAdapt\tokens on Windows). A cache folder that does not exist yet is created; one that cannot be created (a path under a regular file, a folder that refuses new entries) is CacheDirectoryNotWritable before anything is read. An existing cache that is read-only still serves the shards it holds.'
        Objective             = 'Mlm (the default) trains masked-language modelling alone. MlmNsp adds BERT''s next-sentence prediction: each example is a pair of segments from one document, where half the time the second segment is replaced by text from another document; segment ids mark the two parts and NSP accuracy is reported. NSP needs a corpus with at least two documents.'
        WholeWordMask         = 'Masks whole words: when a word is chosen, every WordPiece piece of it is masked, so the model cannot guess a piece from its neighbours.'
        GroupByLength         = 'Puts examples of similar length into the same batch, which cuts padding when examples vary in length (line-by-line corpora; packed examples are all full length already). Batches stay in a seeded random order. The verbose summary and the metrics (padding_fraction) show how much padding is left.'
        GradientAccumulation  = 'Adds up the gradients of this many batches of -BatchSize sequences before each optimizer step (default 1), for a larger effective batch (BatchSize x GradientAccumulation) in the memory of one batch. -MaxSteps, -WarmupSteps, -EvalEvery and -CheckpointEvery count optimizer steps, not batches.'
        Schedule              = 'The learning-rate schedule after warmup: Linear (falls to zero at the last step; the default), Cosine (half a cosine down to zero) or Constant.'
        WarmupRatio           = 'The warmup length as a share of the run (default 0.1), used when -WarmupSteps is not given.'
        Device                = 'Where to train: Auto (the default) takes a CUDA GPU when this build and machine have one, else the CPU; Cpu and Cuda force the choice, and cuda:N picks the GPU with index N (cuda:0 is the first). Cuda fails with CudaUnavailable on a CPU build, and cuda:N with CudaDeviceNotFound when there is no such GPU. The model stays on that device afterwards.'
        Threads               = 'How many CPU threads libtorch may use for each operation (1 to 1024). Without it: the BERTADAPT_THREADS environment variable, else OMP_NUM_THREADS, else the number of logical processors .NET reports (which respects CPU affinity and container limits). On a machine shared with other jobs, fewer threads leave cores to them. The previous count is restored when the cmdlet finishes; the verbose output and the metrics file say which count was used.'
        Precision             = 'Float32 (the default), or BFloat16: matrix multiplications run in bfloat16 while the weights, optimizer state, LayerNorm, softmax and loss stay in float32 (mixed precision, done explicitly because TorchSharp has no autocast). Faster on processors and GPUs with bfloat16 units. Float16 does the same in float16 with dynamic loss scaling, for GPUs without bfloat16 (before Ampere): the loss is scaled up (from 65,536) before back-propagation so small gradients survive, a step whose float16 gradients overflow is skipped and the scale halved, and the scale doubles after 2,000 good steps. Each step''s scale is in the metrics file (loss_scale) and in checkpoints.'
        ValidationSplit       = 'Holds this share of the examples out of training (chosen by a seeded hash, so the same examples every run) and measures their perplexity every -EvalEvery steps.'
        ValidationCorpus      = 'Files to measure validation perplexity on instead of a split of the training corpus: paths or wildcard patterns.'
        LiteralValidationCorpus = 'Validation files taken exactly as written (no wildcards). It may be given together with -ValidationCorpus; the files of both are used.'
        EvalEvery             = 'Measures validation perplexity every this many steps and at the end (default 100 when validation data is given). The value is shown in the progress bar and written to the metrics as validation_perplexity.'
        EarlyStoppingPatience = 'Stops training when this many evaluations in a row have not improved on the best validation loss. The model that comes out holds the last weights; with -OutputPath, the weights with the best validation loss are kept as a Hugging Face checkpoint in its best folder.'
        OutputPath            = 'A run directory. Training locks it (a second job on it fails at once with OutputPathLocked), writes metrics.jsonl there and saves checkpoints in it: each one an HF checkpoint plus the optimizer, schedule, random-generator and data-position state, and the run''s settings with content fingerprints of the model and the data. Running the same command again on the same data resumes an interrupted run (after a crash, a reboot, kill -9, Ctrl+C or SIGTERM) from its newest checkpoint, exactly as the uninterrupted run would have gone on, and a finished run says so with a warning, trains nothing and outputs the model it trained. If the data or a setting changed, the command stops with a TrainingRunChanged error that names every change, unless -Continue or -Restart says what to do. Ctrl+C, SIGTERM, SIGINT, SIGQUIT and SIGHUP (on Windows also closing the console and shutting down) save a checkpoint of the last finished step before stopping. The folder and its missing parents are created; a path that cannot be written is OutputPathNotWritable before the first step.'
        Continue              = 'With -OutputPath: when the run there was made with other settings or data (a corpus that grew since yesterday), start a new run from that run''s last weights with these settings and data, instead of stopping with TrainingRunChanged. This is continued pre-training: the model''s steps and history go on, the new run gets its own run id, learning-rate schedule and optimizer state, and the old run''s checkpoints and best folder are replaced by the new run''s. With the same settings and data it changes nothing: an interrupted run resumes and a finished one is finished.'
        Restart               = 'With -OutputPath: start afresh from the given model, whatever the run there was. Its checkpoints, best folder and metrics.jsonl are removed first.'
        CheckpointEvery       = 'Saves a checkpoint in -OutputPath every this many steps (and always at the end). Each is written to a hidden temporary directory and renamed, so a kill leaves only complete checkpoints.'
        KeepCheckpoints       = 'How many of the newest checkpoints to keep in -OutputPath (default 2); older ones are deleted.'
        Model           = 'The model to train, usually piped from New-BertModel or Import-BertCheckpoint. Several models can be piped; each is trained on the whole corpus in turn and written out when it is done. -Model also takes the path of a checkpoint (a string, or a FileInfo or DirectoryInfo), which is imported as Import-BertCheckpoint -LiteralPath would import it; an import error stops the command with the import''s error id inside the binding error.'
        Corpus          = 'The corpus files: paths or wildcard patterns (escape a wildcard character with a backtick, or use -LiteralCorpus, for a name such as run[1].txt). A pattern must match at least one file, a directory is refused (give a pattern such as ./runbooks/*.txt instead), and a file is read only once however often it is named. Files are UTF-8 unless a byte-order mark or -Encoding says otherwise; an invalid byte is an error that names the file and byte offset.'
        SequenceLength  = 'The length of the training sequences in tokens, [CLS] and [SEP] included. Longer sequences give the model more context per example but cost more memory and time per step (attention grows with the square of the length). It is capped at the max_position_embeddings of the model (512 for every preset).'
        BatchSize       = 'The number of sequences in one forward and backward pass (a micro-batch), which is what decides the memory a step needs. One optimizer step adds up the gradients of -GradientAccumulation such batches, so it learns from BatchSize x GradientAccumulation sequences (just BatchSize without accumulation). Larger batches give smoother gradients and keep the processor busier. With -Epochs it also sets the number of steps: one epoch is the number of sequences divided by BatchSize, rounded up, then divided by GradientAccumulation, rounded up (a step never spans two epochs).'
        MaxSteps        = 'Stops after this many optimizer steps. Combined with -Epochs, training stops at whichever limit comes first. Skipped (non-finite) steps do not count.'
        Epochs          = 'Stops after this many passes over the corpus; the sequences are shuffled at the start of each pass. Without -MaxSteps or -Epochs, training runs one epoch.'
        LearningRate    = 'The peak learning rate, reached at the end of the warmup. 5e-5 suits continued pre-training of a pre-trained model; a model from New-BertModel learns much faster with a larger rate, from 1e-4 up to about 1e-3 for the small presets.'
        WarmupSteps     = 'The number of steps over which the learning rate rises linearly from zero to -LearningRate; afterwards it falls linearly to zero at the last step. By default the warmup is 10% of the run.'
        WeightDecay     = 'The AdamW weight decay, applied to weight matrices and embeddings but not to biases and LayerNorm parameters.'
        MaxGradNorm     = 'The largest global L2 norm of the gradients: before each update, gradients with a larger norm are scaled down to it. Clipping keeps a few unusual batches from undoing earlier progress.'
        MaskProbability = 'The share of ordinary tokens chosen for prediction in each sequence (special tokens are never chosen). Of the chosen tokens, 80% become [MASK], 10% a random token and 10% stay unchanged.'
        Seed            = 'Seeds the shuffling of the sequences, the masking, and libtorch''s random number generator (dropout). Two runs with the same model, corpus, parameters and seed on the same device produce the same losses.'
        MetricsPath     = 'A file that receives one JSON object per optimizer step, with the fields run_id, run_step, step, epoch, loss, learning_rate, grad_norm, tokens, masked_tokens, tokens_per_second and elapsed_seconds (step counts the model''s steps, run_step the steps of this run). Lines are appended, so the file can collect several runs, told apart by run_id; a resumed run keeps its run_id. Each line is flushed as soon as it is written, so you can follow the file while training runs. Missing parent folders are created; a path that cannot be written is MetricsPathNotWritable, and a folder is MetricsPathIsDirectory, before the first step.'
        WhatIf          = 'Checks the output locations (an unwritable one is an error, not a What if), reads and packs the corpus, then shows what would be trained (the number of steps or epochs and of sequences) without training. No model is written to the pipeline.'
        Confirm         = 'Asks for confirmation before training each model.'
    }

    Defaults    = @{
        Threads = 'BERTADAPT_THREADS, else OMP_NUM_THREADS, else the logical processors'
        MaxSteps    = 'None (one epoch unless -Epochs is given)'
        Epochs      = 'None (one epoch unless -MaxSteps is given)'
        WarmupSteps = '10% of the steps of the run'
        MetricsPath = 'None (no metrics file)'
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
