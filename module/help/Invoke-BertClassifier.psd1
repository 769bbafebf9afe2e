@{
    Synopsis    = 'Classifies texts, or scores them, with a fine-tuned model''s sequence head, streaming the results batch by batch.'

    Description = @'
Invoke-BertClassifier runs texts through a model that has a sequence-classification head (single-label or multi-label) or a regression head, and writes one result per text, in the order the texts arrived.

Each text is tokenised exactly as fine-tuning tokenises its rows: [CLS] text [SEP], or [CLS] text [SEP] pair [SEP] with -TextPair, cut to -MaxLength tokens by taking tokens off the end of the longer text first. The model runs in evaluation mode (no dropout) and without gradients, and is put back in the mode it was in.

What a result holds depends on the head:
- Single-label classification: a Score_<label> property per class holds its softmax probability (they add up to 1), Label is the most probable class and Score its probability.
- Multi-label classification: each Score_<label> holds a sigmoid score between 0 and 1 on its own. Labels lists every class whose score is at least -Threshold, best first (possibly none); Label is the first of them, or empty when none reaches the threshold. Score is the highest class score either way.
- Regression: Value is the predicted number; Label and Score are empty and there are no Score_ columns.

Texts stream: pipeline input is gathered into batches of -BatchSize, and each batch's results are written as soon as the batch is full, so the first results appear while later texts are still being read, and memory holds one batch at a time however long the input is. The last, partial batch is written when the input ends. Ctrl+C stops after the batch that is running.

Texts can be piped as strings (from Get-Content, for example) or as objects: rows from Import-Csv give the text in their Text column, or in the column -TextProperty names, and their second text in TextPair or -TextPairProperty. Each result carries the input's position (Index) and, with -IdProperty, the row's key (Id), so predictions join back to their rows. Every property of a result is text or a number, so Export-Csv and ConvertTo-Json write results whole: Labels becomes the labels joined by -LabelSeparator, and every class has its own Score_<label> column.
'@

    Parameters  = @{
        Device    = 'Where to compute: Auto (the default) takes a CUDA GPU when this build and machine have one, else the CPU; Cpu and Cuda force the choice, and cuda:N picks the GPU with index N. The model is moved there first (an imported model starts on the CPU) and stays there afterwards.'
        Threads   = 'How many CPU threads libtorch may use for each operation (1 to 1024). Without it: the BERTADAPT_THREADS environment variable, else OMP_NUM_THREADS, else the number of logical processors .NET reports (which respects CPU affinity and container limits). On a machine shared with other jobs, fewer threads leave cores to them. The previous count is restored when the cmdlet finishes; the verbose output says which count was used.'
        Model     = 'The model to run. It must have a sequence-classification or regression head, from fine-tuning or from an imported fine-tuned checkpoint. A model without a head is refused with the error ModelHasNoClassifier, and a model with a token-classification head with ModelTaskMismatch (use Invoke-BertTokenClassifier for it). It may also be the path of a checkpoint, which is imported for this command and freed when it ends.'
        InputObject  = 'The texts. A string is its own text: strings piped from Get-Content, or given by position or with -Text (an alias of this parameter). Any other object gives the text in its -TextProperty (Text by default): rows from Import-Csv or ConvertFrom-Json, for example. An object without that property, or whose property holds a list or null instead of a text, is a non-terminating error for that one object (InputPropertyNotFound or InputNotText, category InvalidArgument) and the other inputs go on; it is never classified as its string form (@{summary=...}). Empty strings are allowed.'
        TextProperty = 'The property of a piped object that holds its text, for objects whose text column is not called Text: -TextProperty summary for rows of a CSV file with a summary column. A number, date or flag in the property is used as its invariant text. Strings are their own text whatever this says.'
        IdProperty   = 'A property of each input whose value every result carries in its Id property: the key column of a CSV file, for example, so that predictions join back to their rows. An input without the property is a non-terminating InputPropertyNotFound error. Every result also carries Index, the input''s position in the stream (0 for the first, counting inputs that failed), with or without -IdProperty. Get-Content lines carry their line number in ReadCount, so -IdProperty ReadCount numbers them.'
        TextPair     = 'A second text for sentence-pair tasks (entailment, question and answer, paraphrase), paired with every input; it follows the first text as segment B. Without -TextPair or -TextPairProperty, a piped object with a TextPair property (an Import-Csv row) gives its own pair.'
        TextPairProperty = 'The property of each piped object that holds its second text: -TextPairProperty hypothesis for rows with premise and hypothesis columns. An input without it is an InputPropertyNotFound error. It cannot be used with -TextPair.'
        LabelSeparator = 'What joins several predicted labels when Labels is written as text (by Export-Csv, for example): | by default, the separator Invoke-FineTune reads multi-label columns with, so the predictions of a multi-label model can be read back as training data.'
        BatchSize = 'How many texts run through the model at once. Results are written one batch at a time, so a smaller batch shows the first results sooner and holds less memory; a larger one is faster on long inputs. Texts in a batch are padded to the longest of them; padding does not change the results.'
        MaxLength = 'The longest input in tokens, [CLS] and [SEP] included; longer inputs are cut and their Truncated property is true. It can be at most the model''s max_position_embeddings and at least 8. Use the length the model was fine-tuned with for results like those of its evaluation.'
        SortWindow = 'How many texts are gathered and sorted by length before they run in batches of -BatchSize, so that texts of similar length share a batch and carry less padding (faster when lengths vary; 8 x -BatchSize is a good start). Results still come out in input order, written one window at a time, and memory holds one window. By default -BatchSize: each batch runs as it arrives. Sorting does not change the results.'
        Runtime = 'What runs the model: LibTorch (the default, on the model''s device) or OnnxRuntime (ONNX Runtime on the CPU, running the module''s own ONNX export of the model, built in memory when the first batch runs; the model is not changed and nothing is written to disk). Results agree with LibTorch''s within 1e-4. Building the session takes a moment (about 0.4 s for MiniLM), so it pays off for many texts per call; at -BatchSize 1 it was then 2 to 3 times as fast as LibTorch on the bench machine, and within 0.8x to 1.07x of calling ONNX Runtime directly (docs/performance.md). Its threads follow -Threads, and they spin between batches only when OMP_WAIT_POLICY is ACTIVE, as libtorch''s do.'
        Threshold = 'For multi-label models: a class is predicted when its sigmoid score is at least this value (0 to 1). Ignored by single-label and regression models.'
    }

    Defaults    = @{
        Threads = 'BERTADAPT_THREADS, else OMP_NUM_THREADS, else the logical processors'
        MaxLength = '512, or the model''s max_position_embeddings when that is smaller'
        SortWindow = '-BatchSize (no sorting across batches)'
        Runtime = 'LibTorch'
    }

    Inputs      = @{
        'System.String'                         = 'Texts can be piped; each string is its own text.'
        'System.Management.Automation.PSObject' = 'Any other object gives the text in its -TextProperty (Text by default), and its TextPair (or -TextPairProperty) its second text. Rows from Import-Csv, for example.'
    }

    Outputs     = @{
        'BertAdapt.Engine.Inference.ClassificationResult' = @'
One result per text, with these properties:
- Index: the input's position in the stream (0 for the first); Id: the value of -IdProperty (only with -IdProperty).
- Text, TextPair: the input.
- Task: SequenceClassification, MultiLabelClassification or Regression.
- Label: the predicted class (the top class over the threshold for multi-label; empty if none; empty for regression).
- Labels: every predicted class, best first (one for single-label, any number for multi-label); as text (in a CSV file) joined by -LabelSeparator.
- Score: the highest class score.
- Score_<label>: one property per class with its score, in the head's output order (Score_neg, Score_pos). The method GetScores() lists them as Label and Score pairs.
- Value: the predicted number (regression only).
- Truncated: whether the input was cut to -MaxLength.
'@
    }

    Notes       = @'
The class names come from the model's config (id2label). A checkpoint without them gets LABEL_0, LABEL_1 and so on, as in Hugging Face.

Results are written in input order. They are not written one by one: the results of a batch appear together when the batch is full, so with the default -BatchSize of 32 a pipeline shows its first results after the 32nd text.
'@

    Examples    = @(
        @{
            Title   = 'Classify a few texts'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-FineTune -Task SequenceClassification -TrainingData ./examples/data/tickets-train.csv -TextColumn summary -LabelColumn team -Epochs 1 -MaxLength 32 -LearningRate 1e-3
'the disk on db01 is full', 'please reset my password' | Invoke-BertClassifier -Model $model
'@
            Remarks = 'The first command fine-tunes a tiny model for one epoch on the bundled help-desk tickets (use Import-BertCheckpoint for a classifier you saved). The second shows the predicted Label and its Score for each text. Each result also has a Score_<label> property with the probability of every class.'
        }
        @{
            Title   = 'Classify the rows of a CSV file and keep the labels'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-FineTune -Task SequenceClassification -TrainingData ./examples/data/tickets-train.csv -TextColumn summary -LabelColumn team -Epochs 1 -MaxLength 32 -LearningRate 1e-3
New-Item -ItemType Directory -Force ./out | Out-Null
Import-Csv ./examples/data/tickets-dev.csv |
    Invoke-BertClassifier -Model $model -TextProperty summary -IdProperty team -BatchSize 64 |
    Export-Csv ./out/tickets-labelled.csv -NoTypeInformation
'@
            Remarks = 'Classifies the summary column of every row. The output file has one row per ticket with its Id (here the team it was labelled with, so wrong predictions are easy to find), Label, Score, a Score_<label> column per class, and the text. The results stream to the file batch by batch, so a file of any size is classified in the memory of one batch.'
        }
        @{
            Title   = 'Tag texts with several labels'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-FineTune -Task MultiLabelClassification -TrainingData ./examples/data/incident-topics.jsonl -LabelColumn topics -Epochs 2 -MaxLength 32 -LearningRate 1e-3
New-Item -ItemType Directory -Force ./out | Out-Null
Get-Content ./examples/data/tickets-new.txt | Invoke-BertClassifier -Model $model -Threshold 0.3 -IdProperty ReadCount |
    Select-Object Id, Labels, Text | Export-Csv ./out/incident-topics.csv -NoTypeInformation
'@
            Remarks = 'The first command fine-tunes a multi-label model on the bundled incidents, each tagged with one or two topics. For a multi-label model, Labels lists every topic whose sigmoid score reaches 0.3 (a lower threshold finds more topics and more false ones). In the CSV file the topics are joined by |, and Id is the line number.'
        }
        @{
            Title   = 'Score sentence pairs'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-FineTune -Task Regression -TrainingData ./examples/data/ticket-pairs.tsv -TextColumn text -TextPairColumn pair -LabelColumn similarity -Epochs 2 -MaxLength 32 -LearningRate 1e-3
Invoke-BertClassifier -Model $model -Text 'on web01 the disk is full' -TextPair 'on web01 no space left on the volume'
'@
            Remarks = 'The first command fine-tunes a regression model on pairs of ticket summaries scored from 0 (unrelated) to 5 (the same problem on the same host). A regression model writes its prediction in the Value property.'
        }
    )

    RelatedLinks = @('Invoke-BertTokenClassifier', 'Get-BertEmbedding', 'Import-BertCheckpoint')
}
