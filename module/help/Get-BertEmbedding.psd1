@{
    Synopsis    = 'Turns texts into fixed-size vectors (sentence embeddings) from a model''s last hidden states, streaming them batch by batch.'

    Description = @'
Get-BertEmbedding runs texts through a model's encoder and pools the last hidden states of each text into one vector, for semantic search, clustering, deduplication or as features for another model.

Two poolings are offered:
- Mean (the default): the average of the hidden states of every token of the text, [CLS] and [SEP] included, padding excluded. This is the pooling of sentence-transformers models such as all-MiniLM-L6-v2, and the vectors match theirs.
- Cls: the hidden state of the [CLS] token, which some models are trained to use as the sentence vector.

With -Normalize each vector is scaled to length 1, so the dot product of two vectors is their cosine similarity.

Texts are tokenised as for Invoke-BertClassifier ([CLS] text [SEP], cut to -MaxLength). Texts stream: pipeline input is gathered into batches of -BatchSize, each batch's vectors are written as soon as it is full, and memory holds one batch at a time however many texts go through. The model runs in evaluation mode without gradients and is put back in the mode it was in. No fine-tuning head is needed.
'@

    Parameters  = @{
        Device    = 'Where to compute: Auto (the default) takes a CUDA GPU when this build and machine have one, else the CPU; Cpu and Cuda force the choice, and cuda:N picks the GPU with index N. The model is moved there first (an imported model starts on the CPU) and stays there afterwards.'
        Threads   = 'How many CPU threads libtorch may use for each operation (1 to 1024). Without it: the BERTADAPT_THREADS environment variable, else OMP_NUM_THREADS, else the number of logical processors .NET reports (which respects CPU affinity and container limits). On a machine shared with other jobs, fewer threads leave cores to them. The previous count is restored when the cmdlet finishes; the verbose output says which count was used.'
        Model     = 'The model whose encoder makes the vectors. Any BertModel works; a sentence-embedding model (all-MiniLM-L6-v2 imported with Import-BertCheckpoint, for example) gives the most useful vectors. It may also be the path of a checkpoint, which is imported for this command and freed when it ends.'
        InputObject  = 'The texts. A string is its own text: strings piped from Get-Content, or given by position or with -Text (an alias of this parameter). Any other object gives the text in its -TextProperty (Text by default): rows from Import-Csv or ConvertFrom-Json, for example. An object without that property, or whose property holds a list or null instead of a text, is a non-terminating error for that one object (InputPropertyNotFound or InputNotText, category InvalidArgument) and the other inputs go on; it is never classified as its string form (@{summary=...}). Empty strings are allowed.'
        TextProperty = 'The property of a piped object that holds its text, for objects whose text column is not called Text: -TextProperty summary for rows of a CSV file with a summary column. A number, date or flag in the property is used as its invariant text. Strings are their own text whatever this says.'
        IdProperty   = 'A property of each input whose value every result carries in its Id property: the key column of a CSV file, for example, so that predictions join back to their rows. An input without the property is a non-terminating InputPropertyNotFound error. Every result also carries Index, the input''s position in the stream (0 for the first, counting inputs that failed), with or without -IdProperty. Get-Content lines carry their line number in ReadCount, so -IdProperty ReadCount numbers them.'
        Pooling   = 'How the token vectors become one vector: Mean (the average over the text''s tokens, the default) or Cls (the [CLS] token''s vector). Use the pooling the model was trained with.'
        Normalize = 'Scales every vector to unit (L2) length, so that the dot product of two vectors is their cosine similarity.'
        BatchSize = 'How many texts run through the model at once. Vectors are written one batch at a time, so a smaller batch holds less memory and a larger one is faster on long inputs. Padding within a batch does not change the vectors.'
        MaxLength = 'The longest input in tokens, [CLS] and [SEP] included; longer texts are cut and their Truncated property is true. It can be at most the model''s max_position_embeddings and at least 8.'
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
        'BertAdapt.Engine.Inference.EmbeddingResult' = @'
One result per text, with these properties:
- Index: the input's position in the stream (0 for the first); Id: the value of -IdProperty (only with -IdProperty).
- Text: the input.
- Vector: the embedding, a list of floats of the model's hidden size. As text (in a CSV file) its values are written in the invariant culture, separated by spaces, each so that it reads back as the same float: [float[]]($row.Vector -split ' '). ConvertTo-Json writes it as an array of numbers.
- Dimensions: the length of Vector.
- Pooling, Normalized: how the vector was made.
- Truncated: whether the text was cut to -MaxLength.
'@
    }

    Notes       = @'
The vectors of all-MiniLM-L6-v2 imported from its ONNX export match what ONNX Runtime computes on the same file within 1e-4 (BertAdapt's tests check this on two dozen texts).

A model that was not trained for sentence embeddings (a plain BERT, or one adapted with Invoke-MlmTraining) still gives vectors, but their cosine similarities say less about meaning.
'@

    Examples    = @(
        @{
            Title   = 'Compare two sentences'
            Code    = @'
$model = Import-BertCheckpoint ./artifacts/minilm/model.onnx -WarningAction SilentlyContinue
$a, $b = 'The server is down.', 'The host is not responding.' | Get-BertEmbedding -Model $model -Normalize
$cosine = 0.0; for ($i = 0; $i -lt $a.Dimensions; $i++) { $cosine += $a.Vector[$i] * $b.Vector[$i] }
$cosine
'@
            Remarks = 'all-MiniLM-L6-v2, a sentence-embedding model that the build extracts into ./artifacts/minilm, is imported from its ONNX file (the warning about its missing pre-training heads does not matter here). With normalised vectors the dot product is the cosine similarity: close to 1 for texts that mean the same, near 0 for unrelated ones.'
        }
        @{
            Title   = 'Embed a large file in constant memory'
            Code    = @'
$model = Import-BertCheckpoint ./artifacts/minilm/model.onnx -WarningAction SilentlyContinue
New-Item -ItemType Directory -Force ./out | Out-Null
Get-Content ./examples/data/tickets-new.txt | Get-BertEmbedding -Model $model -Normalize -BatchSize 64 -IdProperty ReadCount |
    Select-Object Id, Text, Vector | Export-Csv ./out/ticket-vectors.csv -NoTypeInformation
$first = Import-Csv ./out/ticket-vectors.csv | Select-Object -First 1
$vector = [float[]]($first.Vector -split ' ')
'@
            Remarks = 'The lines stream through in batches of 64 and each batch''s vectors are written before the next lines are read, so memory does not grow with the size of the file. Id is the line number. The Vector column holds the values separated by spaces, which read back as exactly the same floats. Export-Csv does not create folders, hence the New-Item line.'
        }
    )

    RelatedLinks = @('Invoke-BertClassifier', 'Import-BertCheckpoint')
}
