@{
    Synopsis    = 'Predicts the most likely tokens for each [MASK] in texts with a model''s masked-language-model head.'

    Description = @'
Invoke-BertFillMask asks a model what belongs where a text says [MASK], the task BERT is pre-trained on. It is a quick way to see what a model has learned: after domain adaptation with Invoke-MlmTraining, a model should fill "restart the [MASK] service" with the services of your runbooks.

Write [MASK] literally in the text, in capitals ([mask] is ordinary text, as in Hugging Face). A text may have several masks; each is predicted on its own, with the other masks left in place. For each mask the cmdlet returns the -Top most probable vocabulary tokens with their probabilities (softmax over the whole vocabulary) and the text with that token put in place of the mask. Special tokens ([PAD], [UNK], [CLS], [SEP], [MASK]) are never offered. A word piece such as ##ing is shown with its ## in Token and written without it in Sequence.

A text without [MASK], or whose masks all lie past -MaxLength, gets a non-terminating error (FillMaskNoMask or FillMaskMaskTruncated) and the other texts go on, so one bad line does not stop a long pipeline; use -ErrorAction Stop to stop at the first one.

Texts stream in batches of -BatchSize, as with Invoke-BertClassifier. The model runs in evaluation mode without gradients and is put back in the mode it was in. The model needs no fine-tuning head, only its masked-LM head: a model whose MLM head was newly initialised on import (a sentence-embedding model, for example) predicts noise until it is trained.
'@

    Parameters  = @{
        Model     = 'The model to ask. Any BertModel works; the predictions are only as good as its masked-LM head. It may also be the path of a checkpoint, which is imported for this command and freed when it ends.'
        Text      = 'The texts, each with one or more [MASK] tokens. Strings piped to the cmdlet bind here, and so does the Text property of piped objects.'
        Top       = 'How many candidates to return for each mask (1 to 1000), most probable first.'
        BatchSize = 'How many texts run through the model at once. Results are written one batch at a time. Padding within a batch does not change the results.'
        MaxLength = 'The longest input in tokens, [CLS] and [SEP] included; longer texts are cut, and a mask past the cut is an error (FillMaskMaskTruncated) for that text. It can be at most the model''s max_position_embeddings and at least 8.'
    }

    Defaults    = @{
        MaxLength = '512, or the model''s max_position_embeddings when that is smaller'
    }

    Inputs      = @{
        'System.String'                         = 'Texts can be piped to -Text.'
        'System.Management.Automation.PSObject' = 'Objects with a Text property bind by property name.'
    }

    Outputs     = @{
        'BertAdapt.Engine.Inference.FillMaskResult' = @'
One result per text that has a mask, with these properties:
- Text: the input.
- Sequence: the text with every mask replaced by its most probable token.
- MaskCount: the number of masks.
- Candidates: the candidates of the first mask, best first, then those of the next mask, and so on; each has Mask (0 for the first mask), Rank (1 for the best), Token, TokenId, Score (its probability) and Sequence (the text with this mask filled).
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
$model = Import-BertCheckpoint ./out/bert-mini-adapted
'restart the [MASK] service on web01' | Invoke-BertFillMask -Model $model
'@
            Remarks = 'Shows the five best candidates for the mask with their probabilities, and the sentence with the best one filled in.'
        }
        @{
            Title   = 'Compare a model before and after domain adaptation'
            Code    = @'
$before = Import-BertCheckpoint ./out/bert-mini
$after = Import-BertCheckpoint ./out/bert-mini-adapted
foreach ($model in $before, $after) {
    (Invoke-BertFillMask -Model $model -Text 'then read the [MASK] logs' -Top 3).Candidates |
        Select-Object Token, Score
}
'@
            Remarks = 'The adapted model should rank the words of your corpus higher than the original one does.'
        }
        @{
            Title   = 'Skip lines without a mask'
            Code    = @'
$model = Import-BertCheckpoint ./out/bert-mini-adapted
Get-Content ./probes.txt | Invoke-BertFillMask -Model $model -ErrorAction SilentlyContinue -ErrorVariable skipped
"$($skipped.Count) line(s) had no [MASK]"
'@
            Remarks = 'Lines without a mask are reported as non-terminating errors; here they are silenced and counted instead.'
        }
    )

    RelatedLinks = @('Invoke-MlmTraining', 'Measure-Perplexity', 'Import-BertCheckpoint')
}
