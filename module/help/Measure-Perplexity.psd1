@{
    Synopsis    = 'Measures the masked-token perplexity of a model on a corpus, with seeded, repeatable masking.'

    Description = @'
Measure-Perplexity tells you how well a model predicts the text of a corpus, in the same task it is trained on: tokens are masked, and the model has to predict them. The lower the perplexity, the better the model knows the text. Measuring a held-out corpus before and after Invoke-MlmTraining shows how much domain adaptation helped, and comparing it with the perplexity on the training corpus shows whether the model has begun to memorise.

The corpus is read, tokenised and packed into sequences exactly as Invoke-MlmTraining does. In each sequence a -MaskProbability share of the ordinary tokens is chosen and masked with BERT's 80/10/10 rule (80% become [MASK], 10% a random token, 10% stay unchanged). The masking is drawn from a random generator seeded with -Seed, so the same model, corpus and parameters always give the same number, and two models with the same vocabulary are scored on exactly the same masked positions. The model runs in evaluation mode (no dropout) and without gradients, and is put back in the mode it was in.

The result is the exponential of the mean cross-entropy over the chosen tokens. A model that guessed uniformly among all tokens would score the size of the vocabulary (30,522 with the default one); a new, untrained model scores about that, and every bit of training on text like the corpus brings the number down.
'@

    SharedParameters = @('CorpusParameters')

    Parameters  = @{
        Device    = 'Where to compute: Auto (the default) takes a CUDA GPU when this build and machine have one, else the CPU; Cpu and Cuda force the choice, and cuda:N picks the GPU with index N. The model is moved there first (an imported model starts on the CPU) and stays there afterwards.'
        Threads   = 'How many CPU threads libtorch may use for each operation (1 to 1024). Without it: the BERTADAPT_THREADS environment variable, else OMP_NUM_THREADS, else the number of logical processors .NET reports (which respects CPU affinity and container limits). On a machine shared with other jobs, fewer threads leave cores to them. The previous count is restored when the cmdlet finishes; the verbose output says which count was used.'
        Model           = 'The model to score, usually piped from New-BertModel, Import-BertCheckpoint or Invoke-MlmTraining. Several models can be piped; each gets one result, in the order they arrived. -Model also takes the path of a checkpoint (a string, or a FileInfo or DirectoryInfo), which is imported as Import-BertCheckpoint -LiteralPath would import it; an import error stops the command with the import''s error id inside the binding error. A model imported this way is freed when the command ends.'
        Corpus          = 'The text to score: paths or wildcard patterns (use -LiteralCorpus, or escape with a backtick, for a name such as run[1].txt). The files are read as for Invoke-MlmTraining: UTF-8 unless a byte-order mark or -Encoding says otherwise, one sentence or paragraph per line, blank lines between documents.'
        SequenceLength  = 'The length of the scored sequences in tokens, [CLS] and [SEP] included, capped at the model''s max_position_embeddings (with a warning when the value given is larger). Use the length the model was trained with: with more context a model predicts masked tokens better, so perplexities measured at different lengths are not comparable.'
        BatchSize       = 'The number of sequences scored at once. Larger batches are faster but need more memory. The masks are drawn batch by batch, so the batch size is part of what makes a measurement repeatable: compare only numbers measured with the same batch size.'
        MaskProbability = 'The share of ordinary tokens that are masked and scored in each sequence.'
        Seed            = 'Seeds the masking. The same seed, model, corpus, -SequenceLength, -BatchSize and -MaskProbability always give the same perplexity; use one seed for every model you want to compare.'
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
        'BertAdapt.Engine.Evaluation.PerplexityResult' = @'
One result per model, with these properties:
- Perplexity: exp(Loss), the headline number; lower is better.
- Loss: the mean cross-entropy of the masked tokens, in nats.
- Tokens: the number of tokens in the scored sequences, [CLS] and [SEP] included.
- MaskedTokens: the number of tokens that were masked and scored.
- Sequences: the number of sequences the corpus was packed into.
'@
    }

    Notes       = @'
Perplexity depends on the vocabulary: models with different vocabularies split the same text into different tokens, so their perplexities cannot be compared directly.

With a small corpus only a few hundred tokens may be masked, and the result then varies noticeably from seed to seed. Check MaskedTokens; a few thousand give a stable number.
'@

    Examples    = @(
        @{
            Title   = 'Score a saved model on held-out text'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 | Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 20 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 |
    Export-Checkpoint ./out/bert-tiny-runbooks -Force
Import-BertCheckpoint ./out/bert-tiny-runbooks | Measure-Perplexity -Corpus ./examples/data/runbooks-heldout.txt
'@
            Remarks = 'The first line trains and saves a small model (skip it when you have a checkpoint). The second loads the checkpoint and shows its Perplexity, Loss, Tokens, MaskedTokens and Sequences on the held-out runbooks as a table.'
        }
        @{
            Title   = 'See how much training helped'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1
$before = $model | Measure-Perplexity -Corpus ./examples/data/runbooks-heldout.txt -Seed 1
$model | Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 40 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 | Out-Null
$after = $model | Measure-Perplexity -Corpus ./examples/data/runbooks-heldout.txt -Seed 1
[pscustomobject]@{ Before = $before.Perplexity; After = $after.Perplexity; MaskedTokens = $after.MaskedTokens }
'@
            Remarks = 'Measures the same masked positions (same seed, same corpus, same batch size) before and after training, so the two numbers differ only because the model changed.'
        }
        @{
            Title   = 'Compare training and held-out perplexity'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1 |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 20 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3
Get-Item ./examples/data/runbooks.txt, ./examples/data/runbooks-heldout.txt | ForEach-Object {
    $result = $_ | Measure-Perplexity -Model $model
    [pscustomobject]@{ Corpus = $_.Name; Perplexity = [math]::Round($result.Perplexity, 2) }
}
'@
            Remarks = 'Each file binds to -LiteralCorpus through its PSPath property. A held-out perplexity far above the training perplexity means the model has memorised its training text rather than learned the domain.'
        }
    )

    RelatedLinks = @('Invoke-MlmTraining', 'Import-BertCheckpoint', 'New-BertModel')
}
