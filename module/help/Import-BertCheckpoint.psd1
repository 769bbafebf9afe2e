@{
    Synopsis    = 'Loads a BERT model from a Hugging Face checkpoint directory.'

    Description = @'
Import-BertCheckpoint reads a checkpoint directory in the layout that Hugging Face transformers writes with save_pretrained, and that Export-Checkpoint writes, and returns it as a BertModel ready for Invoke-MlmTraining, Measure-Perplexity or Export-Checkpoint.

It reads these files from the directory:
- config.json: the shape of the model. model_type must be "bert" with absolute position embeddings; fields BertAdapt does not use are kept and written back on export.
- vocab.txt: the WordPiece vocabulary. Its number of lines must equal vocab_size in config.json.
- tokenizer_config.json (optional): do_lower_case decides whether text is lower-cased before tokenisation. Without the file the model is treated as uncased.
- model.safetensors: the weights, in float32, float16 or bfloat16 (all are loaded as float32). Tensor names follow BertForPreTraining: bert.embeddings.*, bert.encoder.layer.N.*, bert.pooler.*, cls.predictions.* and cls.seq_relationship.*.

Before any weight is copied, every tensor is checked against the shape that config.json implies; a tensor of the wrong shape or of an unsupported data type stops the import with an error that names it. Tensors the model does not have (for example a classification head) are skipped, and each one is reported with a warning "Unexpected key, ignored". Parameters the checkpoint lacks keep a fresh random initialisation, and each one is reported with a warning "Missing from the checkpoint, initialised". A checkpoint saved from BertForMaskedLM, for instance, has neither the pooler nor the next-sentence head, so you see warnings for bert.pooler.* and cls.seq_relationship.*; neither is used by masked-LM training or perplexity. The same lines stay available afterwards in the model's LoadReport property.

Path accepts wildcards, which match directories only; a pattern that matches no directory is an error. Use LiteralPath for names that contain wildcard characters such as [ and ].
'@

    Parameters  = @{
        Path        = 'One or more checkpoint directories. Wildcards are expanded, and only the directories they match are imported, one model per directory. Relative paths are resolved against the current PowerShell location.'
        LiteralPath = 'One or more checkpoint directories, taken exactly as written: no character is treated as a wildcard. Directory objects piped from Get-ChildItem or Get-Item bind here through their PSPath property.'
    }

    Inputs      = @{
        'System.String'           = 'Checkpoint directory paths can be piped to -Path.'
        'System.IO.DirectoryInfo' = 'Directories from Get-ChildItem -Directory or Get-Item bind to -LiteralPath by their PSPath property.'
    }

    Outputs     = @{
        'BertAdapt.BertModel' = 'One model per checkpoint directory. Its Source property is the full path of the directory, LoadReport lists missing and unexpected tensors, and Preset is empty (the model is shown by its Shape instead).'
    }

    Notes       = @'
Only the safetensors format is read; a checkpoint that has only pytorch_model.bin must be converted first (in Python, load it with transformers and save it again with save_pretrained(..., safe_serialization=True)).

The whole model is created in memory before the weights are copied into it, so importing a large checkpoint needs as much free memory as the model itself. Warnings about missing and unexpected tensors can be silenced with -WarningAction SilentlyContinue; they are still recorded in LoadReport.
'@

    Examples    = @(
        @{
            Title   = 'Load a checkpoint written by Export-Checkpoint'
            Code    = @'
$model = Import-BertCheckpoint ./out/bert-mini-adapted
$model | Format-List Shape, StepsTrained, Source, LoadReport
'@
            Remarks = 'Reads config.json, vocab.txt, tokenizer_config.json and model.safetensors from the directory. A checkpoint written by Export-Checkpoint has every tensor, so LoadReport is empty. StepsTrained starts again at 0: the training history is not stored in the checkpoint.'
        }
        @{
            Title   = 'Continue pre-training a downloaded Hugging Face model'
            Code    = @'
$base = Import-BertCheckpoint -LiteralPath ./models/bert-base-uncased -WarningVariable loadWarnings
$loadWarnings.Count
$base | Invoke-MlmTraining -Corpus ./runbooks/*.txt -MaxSteps 1000 -LearningRate 2e-5 |
    Export-Checkpoint ./out/bert-base-runbooks
'@
            Remarks = 'Loads a model downloaded from the Hugging Face Hub (the folder must contain model.safetensors), keeps the load warnings in $loadWarnings, adapts it to the runbook domain with a lower learning rate, and saves the result.'
        }
        @{
            Title   = 'Compare every checkpoint in a folder on held-out text'
            Code    = @'
Get-ChildItem ./out -Directory | ForEach-Object {
    $result = $_ | Import-BertCheckpoint | Measure-Perplexity -Corpus ./runbooks-heldout.txt
    [pscustomobject]@{ Checkpoint = $_.Name; Perplexity = $result.Perplexity }
}
'@
            Remarks = 'Each directory object binds to -LiteralPath through its PSPath property. Every model is scored on the same held-out text with the same seeded masking, so the perplexities can be compared, as long as the models share one vocabulary.'
        }
        @{
            Title   = 'Use wildcards'
            Code    = @'
Import-BertCheckpoint ./out/bert-mini-* -WarningAction SilentlyContinue | Format-Table
'@
            Remarks = 'Imports every directory whose name starts with bert-mini- in ./out, without showing load warnings, and lists the models as a table.'
        }
    )

    RelatedLinks = @('Export-Checkpoint', 'New-BertModel', 'Measure-Perplexity')
}
