@{
    Synopsis    = 'Predicts the most likely tokens for each [MASK] in texts with a model''s masked-language-model head.'

    Description = @'
Invoke-BertFillMask asks a model what belongs where a text says [MASK], the task BERT is pre-trained on. It is a quick way to see what a model has learned: after domain adaptation with Invoke-MlmTraining, a model should fill "restart the [MASK] service" with the services of your runbooks.

Write [MASK] literally in the text, in capitals ([mask] is ordinary text, as in Hugging Face). A text may have several masks; each is predicted on its own, with the other masks left in place. For each mask the cmdlet returns the -Top most probable vocabulary tokens with their probabilities (softmax over the whole vocabulary) and the text with that token put in place of the mask. Special tokens ([PAD], [UNK], [CLS], [SEP], [MASK]) are never offered. A word piece such as ##ing is shown with its ## in Token and written without it in Sequence.

A text without [MASK], or whose masks all lie past -MaxLength, gets a non-terminating error (FillMaskNoMask or FillMaskMaskTruncated) and the other texts go on, so one bad line does not stop a long pipeline; use -ErrorAction Stop to stop at the first one.

Texts stream in batches of -BatchSize, as with Invoke-BertClassifier. The model runs in evaluation mode without gradients and is put back in the mode it was in. The model needs no fine-tuning head, only its masked-LM head: a model whose MLM head was newly initialised on import (a sentence-embedding model, for example) predicts noise until it is trained.
'@

    Parameters  = @{
        Device    = 'Where to compute: Auto (the default) takes a CUDA GPU when this build and machine have one, else the CPU; Cpu and Cuda force the choice, and cuda:N picks the GPU with index N. The model is moved there first (an imported model starts on the CPU) and stays there afterwards.'
        Threads   = 'How many CPU threads libtorch may use for each operation (1 to 1024). Without it: the BERTADAPT_THREADS environment variable, else OMP_NUM_THREADS, else the number of logical processors .NET reports (which respects CPU affinity and container limits). On a machine shared with other jobs, fewer threads leave cores to them. The previous count is restored when the cmdlet finishes; the verbose output says which count was used.'
        Model     = 'The model to ask. Any BertModel works; the predictions are only as good as its masked-LM head. It may also be the path of a checkpoint, which is imported for this command and freed when it ends.'
        InputObject  = 'The texts. A string is its own text: strings piped from Get-Content, or given by position or with -Text (an alias of this parameter). Any other object gives the text in its -TextProperty (Text by default): rows from Import-Csv or ConvertFrom-Json, for example. An object without that property, or whose property holds a list or null instead of a text, is a non-terminating error for that one object (InputPropertyNotFound or InputNotText, category InvalidArgument) and the other inputs go on; it is never classified as its string form (@{summary=...}). Empty strings are allowed.'
        TextProperty = 'The property of a piped object that holds its text, for objects whose text column is not called Text: -TextProperty summary for rows of a CSV file with a summary column. A number, date or flag in the property is used as its invariant text. Strings are their own text whatever this says.'
        IdProperty   = 'A property of each input whose value every result carries in its Id property: the key column of a CSV file, for example, so that predictions join back to their rows. An input without the property is a non-terminating InputPropertyNotFound error. Every result also carries Index, the input''s position in the stream (0 for the first, counting inputs that failed), with or without -IdProperty. Get-Content lines carry their line number in ReadCount, so -IdProperty ReadCount numbers them.'
        Expand       = 'Candidates writes one FillMaskCandidate row per candidate (Mask, Rank, Token, TokenId, Score, Sequence) instead of one result per text. Each row carries its text''s Index and, with -IdProperty, its Id.'
        Top       = 'How many candidates to return for each mask (1 to 1000), most probable first.'
        BatchSize = 'How many texts run through the model at once. Results are written one batch at a time. Padding within a batch does not change the results.'
        MaxLength = 'The longest input in tokens, [CLS] and [SEP] included; longer texts are cut, and a mask past the cut is an error (FillMaskMaskTruncated) for that text. It can be at most the model''s max_position_embeddings and at least 8.'
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
        'BertAdapt.Engine.Inference.FillMaskResult' = @'
One result per text that has a mask (without -Expand), with these properties:
- Index: the input's position in the stream (0 for the first); Id: the value of -IdProperty (only with -IdProperty).
- Text: the input.
- Sequence: the text with every mask replaced by its most probable token.
- MaskCount: the number of masks.
- Candidates: the candidates of the first mask, best first, then those of the next mask, and so on; each has Mask (0 for the first mask), Rank (1 for the best), Token, TokenId, Score (its probability) and Sequence (the text with this mask filled). As text (in a CSV file) it reads "token (0.412), token (0.108)".
'@
        'BertAdapt.Engine.Inference.FillMaskCandidate' = @'
With -Expand Candidates: one row per candidate, with Mask, Rank, Token, TokenId, Score and Sequence, and the Index (and Id) of its text.
'@
    }

    Notes       = @'
Scores are probabilities over the whole vocabulary, special tokens included, so the scores of the candidates add up to less than 1.

Predictions are made for each mask independently in one pass: with two masks, the best pair of words is not necessarily the two best words.
'@

    Examples    = @(
        @{
            Title   = 'See what a model predicts'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 40 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3
'restart the [MASK] service on web01' | Invoke-BertFillMask -Model $model
'@
            Remarks = 'The first command trains a tiny model briefly on the runbooks (use Import-BertCheckpoint for a model you saved). The second shows the five best candidates for the mask with their probabilities, and the sentence with the best one filled in.'
        }
        @{
            Title   = 'Compare a model before and after domain adaptation'
            Code    = @'
$before = New-BertModel -Preset tiny -Seed 1
$after = New-BertModel -Preset tiny -Seed 1 |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 40 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3
foreach ($model in $before, $after) {
    Invoke-BertFillMask -Model $model -Text 'then read the [MASK] logs' -Top 3 -Expand Candidates |
        Select-Object Token, Score
}
'@
            Remarks = 'Two models with the same starting weights, one of them trained on the runbooks. The adapted model should rank the words of the corpus higher than the untrained one does, and more so the longer it trains.'
        }
        @{
            Title   = 'Skip lines without a mask'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 40 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3
Get-Content ./examples/data/probes.txt | Invoke-BertFillMask -Model $model -ErrorAction SilentlyContinue -ErrorVariable skipped
"$($skipped.Count) line(s) had no [MASK]"
'@
            Remarks = 'Lines without a mask (the last line of probes.txt has none) are reported as non-terminating errors; here they are silenced and counted instead.'
        }
    )

    RelatedLinks = @('Invoke-MlmTraining', 'Measure-Perplexity', 'Import-BertCheckpoint')
}
