@{
    Synopsis    = 'Classifies texts, or scores them, with a fine-tuned model''s sequence head, streaming the results batch by batch.'

    Description = @'
Invoke-BertClassifier runs texts through a model that has a sequence-classification head (single-label or multi-label) or a regression head, and writes one result per text, in the order the texts arrived.

Each text is tokenised exactly as fine-tuning tokenises its rows: [CLS] text [SEP], or [CLS] text [SEP] pair [SEP] with -TextPair, cut to -MaxLength tokens by taking tokens off the end of the longer text first. The model runs in evaluation mode (no dropout) and without gradients, and is put back in the mode it was in.

What a result holds depends on the head:
- Single-label classification: Scores holds the softmax probability of every class (they add up to 1), Label is the most probable class and Score its probability.
- Multi-label classification: Scores holds a sigmoid score per class, each between 0 and 1 on its own. Labels lists every class whose score is at least -Threshold, best first (possibly none); Label is the first of them, or empty when none reaches the threshold. Score is the highest class score either way.
- Regression: Value is the predicted number; Label, Score and Scores are empty.

Texts stream: pipeline input is gathered into batches of -BatchSize, and each batch's results are written as soon as the batch is full, so the first results appear while later texts are still being read, and memory holds one batch at a time however long the input is. The last, partial batch is written when the input ends. Ctrl+C stops after the batch that is running.

Texts can be piped as strings (from Get-Content, for example), or as objects with a Text property, such as rows from Import-Csv; a TextPair property binds to -TextPair the same way.
'@

    Parameters  = @{
        Model     = 'The model to run. It must have a sequence-classification or regression head, from fine-tuning or from an imported fine-tuned checkpoint. A model without a head is refused with the error ModelHasNoClassifier, and a model with a token-classification head with ModelTaskMismatch (use Invoke-BertTokenClassifier for it). It may also be the path of a checkpoint, which is imported for this command and freed when it ends.'
        Text      = 'The texts to classify. Strings piped to the cmdlet bind here, and so does the Text property of piped objects (rows from Import-Csv, for example). Empty strings are allowed; the model then sees only [CLS] and [SEP].'
        TextPair  = 'A second text for sentence-pair tasks (entailment, question and answer, paraphrase). It follows the first text as segment B. Given on the command line it is paired with every text; it also binds from a TextPair property of piped objects, so each row of a CSV file can carry its own pair.'
        BatchSize = 'How many texts run through the model at once. Results are written one batch at a time, so a smaller batch shows the first results sooner and holds less memory; a larger one is faster on long inputs. Texts in a batch are padded to the longest of them; padding does not change the results.'
        MaxLength = 'The longest input in tokens, [CLS] and [SEP] included; longer inputs are cut and their Truncated property is true. It can be at most the model''s max_position_embeddings and at least 8. Use the length the model was fine-tuned with for results like those of its evaluation.'
        Threshold = 'For multi-label models: a class is predicted when its sigmoid score is at least this value (0 to 1). Ignored by single-label and regression models.'
    }

    Defaults    = @{
        MaxLength = '512, or the model''s max_position_embeddings when that is smaller'
    }

    Inputs      = @{
        'System.String'                       = 'Texts can be piped to -Text.'
        'System.Management.Automation.PSObject' = 'Objects with a Text property (and optionally a TextPair property), such as rows from Import-Csv, bind by property name.'
    }

    Outputs     = @{
        'BertAdapt.Engine.Inference.ClassificationResult' = @'
One result per text, with these properties:
- Text, TextPair: the input.
- Task: SequenceClassification, MultiLabelClassification or Regression.
- Label: the predicted class (the top class over the threshold for multi-label; empty if none; empty for regression).
- Labels: every predicted class, best first (one for single-label, any number for multi-label).
- Score: the highest class score; Scores: an ordered dictionary of every class name and its score, in the head's output order.
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
$model = Import-BertCheckpoint ./out/ticket-classifier
'the disk on db01 is full', 'please reset my password' | Invoke-BertClassifier -Model $model
'@
            Remarks = 'Shows the predicted Label and its Score for each text. $result.Scores holds the probability of every class.'
        }
        @{
            Title   = 'Classify the rows of a CSV file and keep the labels'
            Code    = @'
$model = Import-BertCheckpoint ./out/ticket-classifier
Import-Csv ./tickets.csv |
    Invoke-BertClassifier -Model $model -BatchSize 64 |
    Select-Object Text, Label, Score |
    Export-Csv ./tickets-labelled.csv -NoTypeInformation
'@
            Remarks = 'Each row''s Text column binds to -Text by property name. The results stream to the output file batch by batch, so a file of any size is classified in the memory of one batch.'
        }
        @{
            Title   = 'Tag texts with several labels'
            Code    = @'
$model = Import-BertCheckpoint ./out/incident-topics
Get-Content ./incidents.txt | Invoke-BertClassifier -Model $model -Threshold 0.3 |
    ForEach-Object { [pscustomobject]@{ Text = $_.Text; Topics = $_.Labels -join ', ' } }
'@
            Remarks = 'For a multi-label model, Labels lists every topic whose sigmoid score reaches 0.3; a lower threshold finds more topics and more false ones.'
        }
        @{
            Title   = 'Score sentence pairs'
            Code    = @'
$model = Import-BertCheckpoint ./out/similarity
Invoke-BertClassifier -Model $model -Text 'The service restarted.' -TextPair 'nginx came back up.'
'@
            Remarks = 'A regression model trained on sentence pairs writes its prediction in the Value property.'
        }
    )

    RelatedLinks = @('Invoke-BertTokenClassifier', 'Get-BertEmbedding', 'Import-BertCheckpoint')
}
