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
        Model     = 'The model whose encoder makes the vectors. Any BertModel works; a sentence-embedding model (all-MiniLM-L6-v2 imported with Import-BertCheckpoint, for example) gives the most useful vectors. It may also be the path of a checkpoint, which is imported for this command and freed when it ends.'
        Text      = 'The texts to embed. Strings piped to the cmdlet bind here, and so does the Text property of piped objects (rows from Import-Csv, for example).'
        Pooling   = 'How the token vectors become one vector: Mean (the average over the text''s tokens, the default) or Cls (the [CLS] token''s vector). Use the pooling the model was trained with.'
        Normalize = 'Scales every vector to unit (L2) length, so that the dot product of two vectors is their cosine similarity.'
        BatchSize = 'How many texts run through the model at once. Vectors are written one batch at a time, so a smaller batch holds less memory and a larger one is faster on long inputs. Padding within a batch does not change the vectors.'
        MaxLength = 'The longest input in tokens, [CLS] and [SEP] included; longer texts are cut and their Truncated property is true. It can be at most the model''s max_position_embeddings and at least 8.'
    }

    Defaults    = @{
        MaxLength = '512, or the model''s max_position_embeddings when that is smaller'
    }

    Inputs      = @{
        'System.String'                         = 'Texts can be piped to -Text.'
        'System.Management.Automation.PSObject' = 'Objects with a Text property, such as rows from Import-Csv, bind by property name.'
    }

    Outputs     = @{
        'BertAdapt.Engine.Inference.EmbeddingResult' = @'
One result per text, with these properties:
- Text: the input.
- Vector: the embedding, a float[] of the model's hidden size.
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
$model = Import-BertCheckpoint ./all-MiniLM-L6-v2
$a, $b = 'The server is down.', 'The host is not responding.' | Get-BertEmbedding -Model $model -Normalize
$cosine = 0.0; for ($i = 0; $i -lt $a.Dimensions; $i++) { $cosine += $a.Vector[$i] * $b.Vector[$i] }
$cosine
'@
            Remarks = 'With normalised vectors the dot product is the cosine similarity: close to 1 for texts that mean the same, near 0 for unrelated ones.'
        }
        @{
            Title   = 'Embed a large file in constant memory'
            Code    = @'
$model = Import-BertCheckpoint ./all-MiniLM-L6-v2
Get-Content ./tickets.txt | Get-BertEmbedding -Model $model -Normalize -BatchSize 64 |
    ForEach-Object { [pscustomobject]@{ Text = $_.Text; Vector = $_.Vector -join ' ' } } |
    Export-Csv ./ticket-vectors.csv -NoTypeInformation
'@
            Remarks = 'The lines stream through in batches of 64 and each batch''s vectors are written before the next lines are read, so memory does not grow with the size of the file.'
        }
    )

    RelatedLinks = @('Invoke-BertClassifier', 'Import-BertCheckpoint')
}
