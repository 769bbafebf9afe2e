@{
    Synopsis    = 'Loads a BERT model from a Hugging Face checkpoint directory, a PyTorch state dict, an ONNX export or a TensorFlow checkpoint.'

    Description = @'
Import-BertCheckpoint reads a BERT checkpoint and returns it as a BertModel ready for Invoke-MlmTraining, Measure-Perplexity or Export-Checkpoint. It reads what Hugging Face transformers writes with save_pretrained, what Export-Checkpoint writes, older PyTorch and TensorFlow-era checkpoints, and BERT encoders exported to ONNX.

A path can name a checkpoint directory or one weights file in it. In a directory the weights are taken from the first of these that exists:
- model.safetensors: float32, float16, bfloat16 or float64 tensors (all are loaded as float32).
- pytorch_model.bin: a state dict saved by torch.save, in the zip format of PyTorch 1.6 and later or the legacy format before it (_use_new_zipfile_serialization=False). It is read by BertAdapt's own unpickler, which accepts only the tensor-rebuild functions, OrderedDict and the storage types. Any other Python global in the file (os.system, builtins.eval and so on) is refused with the error PyTorchPickleGlobalRefused before anything in the file is acted on; nothing in the file is ever executed.
- model.onnx (or onnx/model.onnx, or the only .onnx file): the initializers of a BERT encoder exported to ONNX. MatMul weights, which ONNX exporters often store without names, are matched to their layers through the bias that follows them in the graph. Without a config.json beside the file, the shape (including the number of attention heads and the LayerNorm epsilon) is read from the graph.
- bert_model.ckpt.index with its bert_model.ckpt.data-* shards (Google's original TensorFlow release), with bert_config.json as the config: read without TensorFlow, variable names mapped as Hugging Face's converter maps them. Such a release has no tokenizer_config.json, so do_lower_case follows the folder's name (cased_L-12_H-768_A-12 is cased, anything else lower-cases) and a warning says so.

The directory must also hold:
- config.json: the shape of the model (optional for ONNX). model_type must be "bert" with absolute position embeddings; fields BertAdapt does not use are kept and written back on export.
- vocab.txt, or tokenizer.json with a WordPiece model: the vocabulary. Its size must equal vocab_size.
- tokenizer_config.json (optional): the tokenizer's options, with Hugging Face's BertTokenizer meanings. do_lower_case lower-cases text (cased models set it to false); strip_accents null (the default) strips accents exactly when lower-casing, true strips them even from a cased model, false keeps them even when lower-casing; tokenize_chinese_chars false keeps a run of CJK ideographs as one word; never_split lists words kept whole, exactly as written; do_basic_tokenize false skips cleaning, lower-casing and punctuation splitting, so WordPiece sees the text split at whitespace only; do_split_on_punc false keeps punctuation inside words. Options it does not give come from tokenizer.json's BertNormalizer (lowercase, strip_accents, handle_chinese_chars) and pre-tokenizer (BertPreTokenizer, or WhitespaceSplit, which does not split at punctuation), and otherwise are Hugging Face's defaults (uncased). A tokenizer.json option BertAdapt cannot honour (another normaliser or pre-tokenizer, clean_text false, a continuation prefix other than ##) stops the import with TokenizerOptionUnsupported, which names it; -Force imports it anyway with a warning, using BERT's default for that option. Export-Checkpoint writes every option back into tokenizer_config.json.

Tensor names are matched the way Hugging Face's loader matches them. The target is BertForPreTraining: bert.embeddings.*, bert.encoder.layer.N.*, bert.pooler.*, cls.predictions.* and cls.seq_relationship.*. TensorFlow-era LayerNorm names (gamma and beta) are read as weight and bias; a bare BertModel saved without the bert. prefix is accepted; the bert.embeddings.position_ids buffer and the tied decoder's duplicate keys (cls.predictions.decoder.*) are ignored.

Before any weight is copied, every tensor is checked against the shape that the config implies; a tensor of the wrong shape or a non-floating-point type stops the import with an error that names it. Parameters the checkpoint lacks keep a fresh initialisation and are listed in one warning ("... were newly initialised: ..."); tensors the model does not use (for example a classification head) are listed in another ("... were ignored: ..."). A bare encoder, such as a sentence-embedding model, has no masked-LM head: the head is initialised (its decoder is always tied to the word embeddings) and learns quickly with Invoke-MlmTraining. The same lines stay available afterwards in the model's LoadReport property.

A checkpoint written by Export-Checkpoint (or saved under -OutputPath by a training cmdlet) holds bertadapt_manifest.json: the size and SHA-256 of every other file in it, the module version, and the model's lineage (the checkpoint it was imported from, with the SHA-256 of that checkpoint's weights file, the corpora it was trained on, with their sizes and SHA-256, each run's settings and seed, and the steps trained). When the manifest is there, every file it lists is checked before anything is loaded: a listed file that is missing, or whose size or SHA-256 differs, stops the import with the error CheckpointHashMismatch, which names the file. Files the manifest does not list (added later) are not checked. A checkpoint without a manifest, such as one from Hugging Face, loads as before. The imported model's Lineage property shows the base checkpoint, the earlier checkpoints and corpora from the manifest, and the steps in all; training adds to it, and the next Export-Checkpoint writes all of it into the new manifest.

Path accepts wildcards, which match directories and files; a pattern that matches nothing is an error. Use LiteralPath for names that contain wildcard characters such as [ and ].
'@

    Parameters  = @{
        Path        = 'One or more checkpoint directories or weights files (.safetensors, .bin, .onnx, a TensorFlow .index). Wildcards are expanded, and each match is imported as one model; a wildcard character escaped with a backtick (ckpt`[1`]) is read as itself. Relative paths are resolved against the current PowerShell location.'
        LiteralPath = 'One or more checkpoint directories or weights files, taken exactly as written: no character is treated as a wildcard. Objects piped from Get-ChildItem or Get-Item bind here through their PSPath property.'
        Force       = 'Imports a checkpoint whose tokenizer.json asks for an option BertAdapt cannot honour (a normaliser other than BertNormalizer, a pre-tokenizer other than BertPreTokenizer or WhitespaceSplit, and so on): each such option is written as a warning that names it and left at BERT''s default, so the model may tokenize text differently from the original. Without -Force such an option is the error TokenizerOptionUnsupported.'
        SkipHashCheck = 'Loads the checkpoint without checking the files against the hashes in its bertadapt_manifest.json, with a warning that they were not checked. Use it for a checkpoint whose files were changed on purpose (for example a config.json edited by hand). A manifest that cannot be read is then ignored, and so is the lineage it records.'
    }

    Inputs      = @{
        'System.String'           = 'Checkpoint directory paths can be piped to -Path.'
        'System.IO.DirectoryInfo' = 'Directories from Get-ChildItem -Directory or Get-Item bind to -LiteralPath by their PSPath property.'
        'System.IO.FileInfo'      = 'Weights files (a .safetensors, .bin or .onnx file in a checkpoint directory) bind to -LiteralPath the same way.'
    }

    Outputs     = @{
        'BertAdapt.BertModel' = 'One model per checkpoint. Its Source property is the full path of the checkpoint directory, LoadReport lists missing and unexpected tensors, Lineage shows the base checkpoint, the corpora and the steps recorded in its manifest, and Preset is empty (the model is shown by its Shape instead).'
    }

    Notes       = @'
Sharded checkpoints (model.safetensors.index.json), TorchScript archives and the tar files of PyTorch before 0.4 are not read; the error says so. Load them in Python and save them again with save_pretrained.

The whole model is created in memory before the weights are copied into it, so importing a large checkpoint needs as much free memory as the model itself. Warnings about missing and unexpected tensors can be silenced with -WarningAction SilentlyContinue; they are still recorded in LoadReport.
'@
    Examples    = @(
        @{
            Title   = 'Load a checkpoint written by Export-Checkpoint'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 | Export-Checkpoint ./out/bert-tiny -Force
$model = Import-BertCheckpoint ./out/bert-tiny
$model | Format-List Shape, StepsTrained, Source, LoadReport
'@
            Remarks = 'The first line writes a checkpoint to read. Import-BertCheckpoint reads config.json, vocab.txt, tokenizer_config.json and model.safetensors from the directory. A checkpoint written by Export-Checkpoint has every tensor, so LoadReport is empty. StepsTrained starts again at 0: the training history is not stored in the checkpoint, though the steps in all are, in the manifest, and show in the Lineage property.'
        }
        @{
            Title   = 'Continue pre-training a saved or downloaded model'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 | Export-Checkpoint ./out/bert-tiny -Force
$base = Import-BertCheckpoint -LiteralPath ./out/bert-tiny -WarningVariable loadWarnings
$loadWarnings.Count
$base | Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 20 -BatchSize 8 -SequenceLength 64 -LearningRate 2e-4 |
    Export-Checkpoint ./out/bert-tiny-runbooks -Force
'@
            Remarks = 'Loads a checkpoint, keeps the load warnings in $loadWarnings (a download from the Hugging Face Hub, with model.safetensors or pytorch_model.bin, may lack a head and say so there), adapts the model to the runbook domain and saves the result. For a pre-trained model use a lower learning rate, such as 2e-5, and many more steps.'
        }
        @{
            Title   = 'Start from a sentence-embedding model exported to ONNX'
            Code    = @'
$model = Import-BertCheckpoint ./artifacts/minilm/model.onnx -WarningAction SilentlyContinue
$model.LoadReport
$model | Measure-Perplexity -Corpus ./examples/data/runbooks-heldout.txt
'@
            Remarks = 'The build extracts all-MiniLM-L6-v2 (ONNX, with its vocab.txt) into ./artifacts/minilm. The encoder weights come from the ONNX initializers; the masked-LM and next-sentence heads are not in the file, so LoadReport lists them as newly initialised and the perplexity is very high until Invoke-MlmTraining has trained the head.'
        }
        @{
            Title   = 'Compare every checkpoint in a folder on held-out text'
            Code    = @'
1, 2 | ForEach-Object { New-BertModel -Preset tiny -Seed $_ | Export-Checkpoint "./out/compare/seed$_" -Force }
Get-ChildItem ./out/compare -Directory | ForEach-Object {
    $result = $_ | Import-BertCheckpoint | Measure-Perplexity -Corpus ./examples/data/runbooks-heldout.txt
    [pscustomobject]@{ Checkpoint = $_.Name; Perplexity = $result.Perplexity }
}
'@
            Remarks = 'The first line writes two checkpoints to compare. Each directory object binds to -LiteralPath through its PSPath property. Every model is scored on the same held-out text with the same seeded masking, so the perplexities can be compared, as long as the models share one vocabulary.'
        }
        @{
            Title   = 'Use wildcards'
            Code    = @'
1, 2 | ForEach-Object { New-BertModel -Preset tiny -Seed $_ | Export-Checkpoint "./out/compare/seed$_" -Force }
Import-BertCheckpoint ./out/compare/seed* -WarningAction SilentlyContinue | Format-Table
'@
            Remarks = 'Imports every directory whose name starts with seed in ./out/compare, without showing load warnings, and lists the models as a table.'
        }
    )

    RelatedLinks = @('Export-Checkpoint', 'New-BertModel', 'Measure-Perplexity')
}
