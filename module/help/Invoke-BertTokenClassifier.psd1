@{
    Synopsis    = 'Tags the words of texts with a fine-tuned token-classification model and groups them into entities with their character offsets.'

    Description = @'
Invoke-BertTokenClassifier runs texts through a model with a token-classification head (named-entity recognition, for example) and writes one result per text, in the order the texts arrived.

Each text is split into words by BERT's basic rules: whitespace separates words, and every punctuation mark and every CJK character is a word of its own. Each word keeps its place in the original text (Start and End are character offsets, End exclusive), and is then split into WordPiece tokens. The model predicts a tag for every token; a word gets the tag predicted at its first token, with that tag's softmax probability as its Score, which is how token-classification models are fine-tuned.

When the model's tags are BIO tags (O, B-TYPE, I-TYPE), consecutive words are grouped into entities: an entity starts at B-TYPE (or at I-TYPE after a word of another type) and runs over the I-TYPE words that follow. Each entity has its Type, its Text exactly as written in the input (from its first word's start to its last word's end, so "Zürich-West" stays one span with its accent and hyphen), its Start and End offsets, and the mean Score of its words. With tags that are not BIO tags (part-of-speech tags, for example) every word still gets its tag, Entities is empty, and a warning says so.

Every property of a result is text or a number in Export-Csv: Entities is written as "TYPE: text; TYPE: text" and Words as "word/TAG word/TAG"; -Expand writes the entities or words as rows of their own instead. Texts stream: pipeline input is gathered into batches of -BatchSize, each batch's results are written as soon as it is full, and memory holds one batch at a time. The model runs in evaluation mode without gradients and is put back in the mode it was in.
'@

    Parameters  = @{
        Device    = 'Where to compute: Auto (the default) takes a CUDA GPU when this build and machine have one, else the CPU; Cpu and Cuda force the choice, and cuda:N picks the GPU with index N. The model is moved there first (an imported model starts on the CPU) and stays there afterwards.'
        Threads   = 'How many CPU threads libtorch may use for each operation (1 to 1024). Without it: the BERTADAPT_THREADS environment variable, else OMP_NUM_THREADS, else the number of logical processors .NET reports (which respects CPU affinity and container limits). On a machine shared with other jobs, fewer threads leave cores to them. The previous count is restored when the cmdlet finishes; the verbose output says which count was used.'
        Model     = 'The model to run. It must have a token-classification head. A model without a head is refused with the error ModelHasNoClassifier, and a model with a sequence head with ModelTaskMismatch (use Invoke-BertClassifier for it). It may also be the path of a checkpoint, which is imported for this command and freed when it ends.'
        InputObject  = 'The texts. A string is its own text: strings piped from Get-Content, or given by position or with -Text (an alias of this parameter). Any other object gives the text in its -TextProperty (Text by default): rows from Import-Csv or ConvertFrom-Json, for example. An object without that property, or whose property holds a list or null instead of a text, is a non-terminating error for that one object (InputPropertyNotFound or InputNotText, category InvalidArgument) and the other inputs go on; it is never classified as its string form (@{summary=...}). Empty strings are allowed.'
        TextProperty = 'The property of a piped object that holds its text, for objects whose text column is not called Text: -TextProperty summary for rows of a CSV file with a summary column. A number, date or flag in the property is used as its invariant text. Strings are their own text whatever this says.'
        IdProperty   = 'A property of each input whose value every result carries in its Id property: the key column of a CSV file, for example, so that predictions join back to their rows. An input without the property is a non-terminating InputPropertyNotFound error. Every result also carries Index, the input''s position in the stream (0 for the first, counting inputs that failed), with or without -IdProperty. Get-Content lines carry their line number in ReadCount, so -IdProperty ReadCount numbers them.'
        Expand       = 'Writes parts of each result instead of the result: Entities writes one PredictedEntity row per entity (Type, Text, Start, End, Score), Words one PredictedWord row per word (Word, Tag, Score, Start, End). Each row carries its text''s Index and, with -IdProperty, its Id, so the rows join back to their texts. A text without entities writes no entity rows.'
        BatchSize = 'How many texts run through the model at once. Results are written one batch at a time; a smaller batch shows the first results sooner and holds less memory. Padding within a batch does not change the results.'
        MaxLength = 'The longest input in tokens, [CLS] and [SEP] included. Words whose first token lies past it get no tag: they are left out of Words, and the result''s Truncated property is true. It can be at most the model''s max_position_embeddings and at least 8.'
        SortWindow = 'How many texts are gathered and sorted by length before they run in batches of -BatchSize, so that texts of similar length share a batch and carry less padding (faster when lengths vary; 8 x -BatchSize is a good start). Results still come out in input order, written one window at a time, and memory holds one window. By default -BatchSize: each batch runs as it arrives. Sorting does not change the results.'
        Runtime = 'What runs the model: LibTorch (the default, on the model''s device) or OnnxRuntime (ONNX Runtime on the CPU, running the module''s own ONNX export of the model, built in memory when the first batch runs; the model is not changed and nothing is written to disk). Results agree with LibTorch''s within 1e-4. Building the session takes a moment (about 0.4 s for MiniLM), so it pays off for many texts per call; at -BatchSize 1 it was then 2 to 3 times as fast as LibTorch on the bench machine, and within 0.8x to 1.07x of calling ONNX Runtime directly (docs/performance.md). Its threads follow -Threads, and they spin between batches only when OMP_WAIT_POLICY is ACTIVE, as libtorch''s do.'
    }

    Defaults    = @{
        Threads = 'BERTADAPT_THREADS, else OMP_NUM_THREADS, else the logical processors'
        MaxLength = '512, or the model''s max_position_embeddings when that is smaller'
        SortWindow = '-BatchSize (no sorting across batches)'
        Runtime = 'LibTorch'
    }

    Inputs      = @{
        'System.String'                         = 'Texts can be piped; each string is its own text.'
        'System.Management.Automation.PSObject' = 'Any other object gives the text in its -TextProperty (Text by default). Rows from Import-Csv, for example.'
    }

    Outputs     = @{
        'BertAdapt.Engine.Inference.TokenClassificationResult' = @'
One result per text (without -Expand), with these properties:
- Index: the input's position in the stream (0 for the first); Id: the value of -IdProperty (only with -IdProperty).
- Text: the input.
- Entities: the entities in order, each with Type, Text (as written in the input), Start, End (character offsets, End exclusive, so $text.Substring($e.Start, $e.End - $e.Start) is $e.Text) and Score (the mean of its words' scores).
- Words: every tagged word, each with Word (as written), Tag, Score, Start and End.
As text (in a CSV file), Entities reads "TYPE: text; TYPE: text" and Words "word/TAG word/TAG".
'@
        'BertAdapt.Engine.Inference.PredictedEntity' = @'
With -Expand Entities: one row per entity, with Type, Text, Start, End and Score, and the Index (and Id) of its text.
'@
        'BertAdapt.Engine.Inference.PredictedWord' = @'
With -Expand Words: one row per word, with Word, Tag, Score, Start and End, and the Index (and Id) of its text.
- Truncated: whether words past -MaxLength were left untagged.
'@
    }

    Notes       = @'
Offsets count UTF-16 code units, as PowerShell and .NET strings do: an emoji or another character outside the Basic Multilingual Plane counts 2.

The words are split by BERT's rules, which may split differently from how the training data was split: a fine-tuning file with "New-York" as one word trains one tag for it, while here "New", "-" and "York" are three words. The grouping into entities usually hides the difference (B-LOC I-LOC I-LOC is still one entity).
'@

    Examples    = @(
        @{
            Title   = 'Find the entities in a text'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-FineTune -Task TokenClassification -TrainingData ./examples/data/runbook-entities-train.conll -Epochs 2 -LearningRate 1e-3
$result = 'Restart nginx on web01 and page Ana María.' | Invoke-BertTokenClassifier -Model $model
$result.Entities
'@
            Remarks = 'The first command fine-tunes a tiny tagger on the bundled runbook sentences, whose words are tagged SERVICE, HOST and TEAM (use Import-BertCheckpoint for a tagger you saved). The second tags a text. Each entity has its Type, Start, End, Score and Text: if the model tags web01 as a host, that entity has Type HOST, Start 17 and End 22, the characters of web01 in the text.'
        }
        @{
            Title   = 'Extract entities from every line of a file'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-FineTune -Task TokenClassification -TrainingData ./examples/data/runbook-entities-train.conll -Epochs 2 -LearningRate 1e-3
New-Item -ItemType Directory -Force ./out | Out-Null
Get-Content ./examples/data/runbooks-heldout.txt -TotalCount 100 |
    Invoke-BertTokenClassifier -Model $model -IdProperty ReadCount -Expand Entities |
    Export-Csv ./out/entities.csv -NoTypeInformation
'@
            Remarks = 'One output row per entity, with its line number in the Id column (drop -TotalCount to read the whole file). The lines stream through in batches, so a file of any size is processed in the memory of one batch.'
        }
        @{
            Title   = 'Look at the tag of every word'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-FineTune -Task TokenClassification -TrainingData ./examples/data/runbook-entities-train.conll -Epochs 2 -LearningRate 1e-3
(Invoke-BertTokenClassifier -Model $model -Text 'check the redis logs on cache01').Words | Format-Table
'@
            Remarks = 'Shows Word, Tag, Score, Start and End for each word, which helps to see why an entity was or was not found.'
        }
    )

    RelatedLinks = @('Invoke-BertClassifier', 'Invoke-BertFillMask', 'Import-BertCheckpoint')
}
