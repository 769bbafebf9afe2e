@{
    Synopsis    = 'Fine-tunes a BERT model to classify texts, score them, or tag their words, from labelled files or pipeline objects.'

    Description = @'
Invoke-FineTune trains a model for one of four tasks and returns it, ready for Export-Checkpoint or the inference cmdlets:
- SequenceClassification: one label per text, or per text pair with -TextPairColumn (Hugging Face's single_label_classification).
- MultiLabelClassification: any number of labels per text, separated by -LabelSeparator in CSV/TSV cells or given as a JSON array in JSONL (multi_label_classification).
- Regression: one number per text (regression).
- TokenClassification: one BIO tag per word (B-X, I-X, O), read from CoNLL-style files: one word per line with its tag in the last column, a blank line between sentences, -DOCSTART- lines ignored.

Labelled rows come from files given with -TrainingData (.csv, .tsv, .jsonl, each optionally .gz; for token classification, CoNLL-style files), or from objects piped in with -Model named, such as the rows of Import-Csv. Files piped from Get-ChildItem (Get-ChildItem ./data -Filter *.csv | Invoke-FineTune -Model $m ...) are read as data files, their names taken literally, never as rows; piping files and rows together is an error (FineTuneInputMixed). Files are UTF-8 unless a byte-order mark (UTF-8, UTF-16, UTF-32, as Export-Csv -Encoding unicode writes) or -Encoding says otherwise. -OutputPath and -MetricsPath are checked before any data is read: missing folders are created when needed, and a location that cannot be written is an error (OutputPathNotWritable, MetricsPathNotWritable) before the first step. Labels are mapped to ids automatically (sorted; numerically when every label is an integer) and stored in the model's config as id2label and label2id, with problem_type, exactly as Hugging Face does. A row without a label, with an empty text, with a number that is not a number for regression, or with a label the training data does not have in -ValidationData stops the run with an error naming the file and line; with -SkipInvalidRows such rows are skipped and counted in a warning instead.

The model gets Hugging Face's head for the task: dropout then a linear classifier over the pooled [CLS] output (sequence tasks) or over every position (token classification, where the tag of a word is learned and predicted at its first word-piece). A model that already has a head for the same task keeps it and its labels, so a fine-tuned model can be trained further. The losses are Hugging Face's: cross-entropy (optionally class-weighted), binary cross-entropy with logits, mean squared error, and token cross-entropy.

Training runs through the same loop as Invoke-MlmTraining: AdamW with warmup and a linear (or cosine, or constant) decay, gradient clipping and accumulation, optional bfloat16, and skipped non-finite steps. The defaults follow the BERT paper's fine-tuning ranges: learning rate 3e-5, 3 epochs, 10% warmup.

With -ValidationData the model is evaluated after every epoch (or every -EvalEvery steps): accuracy, macro-F1, weighted F1 and per-class precision, recall and F1 for classification; micro- and macro-F1, subset accuracy and Hamming loss for multi-label; entity-level precision, recall and F1 (seqeval's rules: an entity counts only if its type and both ends match) for token classification; Pearson and Spearman correlation, MSE and MAE for regression. Each evaluation also shows the score of the best constant prediction (the majority class or tag), so a number can be read against what learning nothing would reach; when the last evaluation is no better than that constant answer (for regression: when its MSE is not below the MSE of always predicting the mean), the cmdlet writes a warning saying so. The evaluations are kept on the model in its Evaluations property, one flat object each, ready for Export-Csv. With -OutputPath, the best model by the task's metric (macro-F1, micro-F1, entity F1 or Pearson r) is written to <OutputPath>/best as a Hugging Face checkpoint, and -EarlyStoppingPatience stops a run that has stopped improving.
'@

    SharedParameters = @('TrainingParameters')

    Parameters  = @{
        Model                 = 'The model to fine-tune, usually from Import-BertCheckpoint or Invoke-MlmTraining. With -TrainingData or -LiteralTrainingData it can be piped; when the rows or files are piped, give it by name. -Model also takes the path of a checkpoint (a string, or a FileInfo or DirectoryInfo), which is imported as Import-BertCheckpoint -LiteralPath would import it; an import error stops the command with the import''s error id inside the binding error.'
        Task                  = 'SequenceClassification, MultiLabelClassification, Regression or TokenClassification.'
        TrainingData          = 'The labelled training files: paths or wildcard patterns. .csv, .tsv and .jsonl (or .gz of them) for the sequence tasks; CoNLL-style files (word first, tag last, blank lines between sentences) for token classification. Escape a wildcard character with a backtick, or use -LiteralTrainingData, for a name such as tickets[1].csv.'
        LiteralTrainingData   = 'The labelled training files taken exactly as written: no character is a wildcard. Aliases: -LiteralPath, -LP.'
        InputObject           = 'Labelled rows as objects from the pipeline, for example from Import-Csv or ConvertFrom-Json: each object''s -TextColumn, -TextPairColumn and -LabelColumn properties are read (names match exactly first, then ignoring case). Hashtables work too. Token classification reads files only.'
        ValidationData        = 'Labelled files, in the same format as the training data, to evaluate on after every epoch (or every -EvalEvery steps). Without it nothing is evaluated and no best checkpoint is kept. Paths or wildcard patterns.'
        LiteralValidationData = 'Validation files taken exactly as written (no wildcards). It may be given together with -ValidationData; the files of both are used.'
        Encoding              = 'The encoding of data files that have no byte-order mark: utf8 (the default), unicode, bigendianunicode, utf32, bigendianutf32, ascii, latin1, ansi, oem, a code page number or name, or a System.Text.Encoding object. A file with a byte-order mark is read as its mark says.'
        TextColumn            = 'The column (CSV/TSV header) or field (JSONL, objects) holding each row''s text. Default: text.'
        TextPairColumn        = 'The column or field holding a second text, for tasks on text pairs (entailment, duplicate detection). The pair is encoded as [CLS] text [SEP] pair [SEP] with token type 1 for the pair.'
        LabelColumn           = 'The column or field holding each row''s label: a class name, several class names (multi-label), or a number (regression). Default: label.'
        LabelSeparator        = 'For multi-label rows in CSV/TSV files or string properties: the separator between labels in one cell. Default: | (a JSONL array or an object''s array property needs none).'
        SkipInvalidRows       = 'Skips rows without a label, with an empty text or an unparsable number, and validation rows with a label the training data lacks, instead of stopping with FineTuneRowInvalid or FineTuneLabelUnknown. The number of skipped rows and the first reasons are shown in a warning.'
        MaxLength             = 'The most tokens per example, [CLS] and [SEP] included (default 128). It is capped at the model''s max_position_embeddings, with a warning when the value given is larger. Longer texts are cut; for pairs the longer text loses tokens first. The number of cut examples is reported with -Verbose.'
        LabelAllSubTokens     = 'Token classification: trains every word-piece of a word on its tag (a B-X word''s later pieces get I-X) instead of only the first piece.'
        ClassWeights          = 'None (default) or Auto: weights each class (or tag) in the loss by n / (classes x count), so rare classes count as much as common ones in total. For single-label and token classification only; with the other tasks it has no effect and says so in a warning.'
        FreezeEmbeddings      = 'Keeps the embedding layer fixed during training.'
        FreezeLayers          = 'Keeps the first N encoder layers fixed during training. Freezing makes training faster and can help with very little data.'
        Threshold             = 'Multi-label: the sigmoid probability at which a label counts as predicted in evaluation (default 0.5).'
        Device                = 'Where to train: Auto (the default) takes a CUDA GPU when this build and machine have one, else the CPU; Cpu and Cuda force the choice, and cuda:N picks the GPU with index N (cuda:0 is the first). Cuda fails with CudaUnavailable on a CPU build, and cuda:N with CudaDeviceNotFound when there is no such GPU. The model stays on that device afterwards.'
        Threads               = 'How many CPU threads libtorch may use for each operation (1 to 1024). Without it: the BERTADAPT_THREADS environment variable, else OMP_NUM_THREADS, else the number of logical processors .NET reports (which respects CPU affinity and container limits). On a machine shared with other jobs, fewer threads leave cores to them. The previous count is restored when the cmdlet finishes; the verbose output and the metrics file say which count was used.'
    }

    Defaults    = @{
        Threads = 'BERTADAPT_THREADS, else OMP_NUM_THREADS, else the logical processors'
    }

    Inputs      = @{
        'BertAdapt.BertModel'                   = 'A model can be piped to -Model when the data comes from -TrainingData.'
        'System.Management.Automation.PSObject' = 'Labelled rows (objects or hashtables) can be piped to -InputObject when -Model is given by name.'
        'System.IO.FileInfo'                    = 'Data files from Get-ChildItem or Get-Item, piped with -Model given by name, are read as files (their names taken literally), as Select-String reads piped files.'
    }

    Outputs     = @{
        'BertAdapt.BertModel' = 'The fine-tuned model. Its Task and Labels properties describe the head; Evaluations holds one object per evaluation (Epoch, Step, TrainLoss, ValidationLoss, Metric, Score, BaselineScore and the task''s metrics, with the full per-class report in Report). Export-Checkpoint writes it as BertForSequenceClassification or BertForTokenClassification.'
    }

    Notes       = @'
Fine-tuning and further pre-training are different steps. Invoke-MlmTraining adapts a model's language knowledge to your text without labels; Invoke-FineTune teaches it a task from labelled examples. Running the first on your domain's unlabelled text before the second often helps when the domain's language differs from the model's original pre-training text.

Exporting a fine-tuned model leaves out the pre-training heads, as Hugging Face's task classes do; the encoder and the classifier are kept.
'@

    Examples    = @(
        @{
            Title   = 'Fine-tune a classifier from CSV files and keep the best epoch'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-FineTune -Task SequenceClassification -TrainingData ./examples/data/tickets-train.csv -ValidationData ./examples/data/tickets-dev.csv `
        -TextColumn summary -LabelColumn team -Epochs 2 -MaxLength 32 -LearningRate 1e-3 -OutputPath ./out/jobs/tickets -Verbose
$model.Evaluations | Format-Table Epoch, Accuracy, MacroF1, BaselineScore
$model.Evaluations | Export-Csv ./out/tickets-metrics.csv -NoTypeInformation
'@
            Remarks = 'Trains on the bundled help-desk tickets for 2 epochs, evaluates on the held-out tickets after each, writes the best model to ./out/jobs/tickets/best and the evaluations to a CSV file. Start from a pre-trained or domain-adapted checkpoint (Import-BertCheckpoint) with the default learning rate for a useful classifier; a new model needs the larger rate given here.'
        }
        @{
            Title   = 'Fine-tune from objects on the pipeline, with class weights'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1
Import-Csv ./examples/data/tickets-train.csv | Where-Object team |
    Invoke-FineTune -Model $model -Task SequenceClassification -TextColumn summary -LabelColumn team -ClassWeights Auto -Epochs 1 -MaxLength 32 -LearningRate 1e-3
'@
            Remarks = 'Rows piped from Import-Csv bind to -InputObject; the model is named with -Model. Rare teams weigh as much as common ones in the loss.'
        }
        @{
            Title   = 'Train a tagger on CoNLL files'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 |
    Invoke-FineTune -Task TokenClassification -TrainingData ./examples/data/runbook-entities-train.conll -ValidationData ./examples/data/runbook-entities-dev.conll -Epochs 2 -LearningRate 1e-3 |
    Export-Checkpoint ./out/runbook-ner -Force
'@
            Remarks = 'Learns the BIO tags (SERVICE, HOST, TEAM) of the bundled runbook sentences, reports entity-level F1 after each epoch, and saves a BertForTokenClassification checkpoint that Hugging Face transformers loads.'
        }
        @{
            Title   = 'Multi-label and regression'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1
$other = New-BertModel -Preset tiny -Seed 2
Invoke-FineTune -Model $model -Task MultiLabelClassification -TrainingData ./examples/data/incident-topics.jsonl -LabelColumn topics -Epochs 1 -MaxLength 32
Invoke-FineTune -Model $other -Task Regression -TrainingData ./examples/data/ticket-pairs.tsv -TextPairColumn pair -LabelColumn similarity -Epochs 1 -MaxLength 32
'@
            Remarks = 'In incident-topics.jsonl each record''s topics field is a JSON array of labels (its text field is read by default); in ticket-pairs.tsv the similarity column holds numbers from 0 to 5 for the pair of texts in the text and pair columns.'
        }
    )

    RelatedLinks = @('Invoke-MlmTraining', 'Import-BertCheckpoint', 'Export-Checkpoint', 'Invoke-BertClassifier', 'Invoke-BertTokenClassifier')
}
