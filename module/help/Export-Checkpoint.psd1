@{
    Synopsis    = 'Saves a model as a Hugging Face checkpoint directory, or as an ONNX export for ONNX Runtime, atomically.'

    Description = @'
Export-Checkpoint writes a BertModel to a new directory in the layout of Hugging Face transformers' save_pretrained, so that the model can be loaded again with Import-BertCheckpoint or in Python with BertForPreTraining.from_pretrained, AutoModelForMaskedLM.from_pretrained and BertTokenizer.from_pretrained. The directory gets:
- config.json: the model's configuration, with architectures set to BertForPreTraining, and any extra fields the model was created or imported with.
- model.safetensors: every parameter in float32, under its Hugging Face name.
- vocab.txt, tokenizer_config.json and special_tokens_map.json: the vocabulary and whether it is lower-cased.
- bertadapt_manifest.json: the size and SHA-256 of every other file, the module version, and the model's lineage: the checkpoint it was imported from (path and SHA-256 of its weights file) and those before it, the corpora and data files it was trained on (paths as given, sizes, SHA-256 of their content), each training run's settings and seed, and the steps trained. Import-BertCheckpoint checks the files against it (see its help); transformers ignores it. It is written last, into the same temporary directory, so it is part of the atomic write.

With -Format Onnx the directory gets model.onnx instead of model.safetensors, beside the same config.json, tokenizer files and manifest (the layout of Hugging Face Optimum's exports). model.onnx is the model's inference pass (dropout off) as a standard ONNX graph (opset 17, no custom operators) that ONNX Runtime loads as it is. Its inputs are input_ids, attention_mask and token_type_ids, int64 tensors of shape [batch_size, sequence_length]; both axes are dynamic, so one file serves every batch size and sequence length up to max_position_embeddings. Its outputs follow the model's head: a model without a fine-tuning head (pre-trained, or imported for embeddings) gives last_hidden_state [batch_size, sequence_length, hidden] and pooler_output [batch_size, hidden]; a SequenceClassification, MultiLabelClassification or Regression model gives logits [batch_size, labels] (apply softmax or sigmoid yourself); a TokenClassification model gives logits [batch_size, sequence_length, labels]. The pre-training heads (MLM and NSP) are not exported. The weights are float32, inside the file; a model whose file would pass ONNX's 2 GiB limit is OnnxExportTooLarge, reported before anything is written. Import-BertCheckpoint reads the folder back, head and labels included.

The write is atomic. Everything is first written into a hidden temporary directory next to the target (named .<name>.partial-<id>), which is renamed to the target name only when it is complete. If anything fails, the temporary directory is removed and nothing is left behind. When -Force replaces an existing directory, the old one is moved aside only at the last moment and deleted after the new one is in place, so at every instant the target path holds either the old checkpoint or the complete new one.

The target must not exist unless you use -Force. Missing parent folders are created, as Hugging Face's save_pretrained does. The target is checked when the command begins, before any input arrives: PowerShell begins every command of a pipeline first, so in New-BertModel | Invoke-MlmTraining ... | Export-Checkpoint ./out/x a target that exists (without -Force), is a file (CheckpointPathIsFile) or cannot be written (CheckpointPathNotWritable: a path under a regular file, a folder that refuses new entries) stops the pipeline before the first training step, with -WhatIf too. Path is taken literally (it names something new, so wildcards are not expanded); LiteralPath does exactly the same. Use -WhatIf to see what would be written or replaced, and -PassThru to send the model on down the pipeline, for example to Measure-Perplexity.
'@

    Parameters  = @{
        Model       = 'The model to save, usually piped from New-BertModel, Import-BertCheckpoint or Invoke-MlmTraining. -Model also takes the path of a checkpoint (a string, or a FileInfo or DirectoryInfo), which is imported as Import-BertCheckpoint -LiteralPath would import it; an import error stops the command with the import''s error id inside the binding error. With a path, Export-Checkpoint converts a checkpoint (a PyTorch .bin or an ONNX file, for example) into a safetensors directory.'
        Path        = 'The checkpoint directory to create. Wildcard characters are not expanded. A relative path is resolved against the current PowerShell location; missing parent folders are created.'
        LiteralPath = 'The checkpoint directory to create, taken exactly as written. It behaves like -Path; use whichever reads better in your script.'
        Format      = 'What the weights are written as. SafeTensors (the default) writes a Hugging Face checkpoint with model.safetensors, which transformers loads. Onnx writes model.onnx, a graph ONNX Runtime runs, with dynamic batch and sequence axes and the outputs of the model''s head (last_hidden_state and pooler_output, or logits); see the description.'
        Force       = 'Replaces the target directory if it exists. Without -Force an existing target is an error and nothing is written. The old directory is kept until the new checkpoint is complete.'
        PassThru    = 'Writes the model to the pipeline after saving it. By default Export-Checkpoint writes nothing.'
        WhatIf      = 'Shows which directory would be written or replaced, without writing anything. A target that could not be written is still an error, so -WhatIf never promises a write that would fail. With -PassThru the model is still passed on.'
        Confirm     = 'Asks for confirmation before writing the checkpoint.'
    }

    Inputs      = @{
        'BertAdapt.BertModel' = 'A model can be piped to -Model.'
    }

    Outputs     = @{
        'BertAdapt.BertModel' = 'With -PassThru, the model that was saved (the same object that came in). Without -PassThru there is no output.'
    }

    Notes       = @'
Every model piped to one Export-Checkpoint call is written to the same target, so piping several models only makes sense with -Force (the last one wins). To save several models, call Export-Checkpoint once per model, for example inside ForEach-Object.

The training history (StepsTrained, LastLoss, History, TrainedOn) is not part of a Hugging Face checkpoint and is not saved. Use the -MetricsPath parameter of Invoke-MlmTraining to keep a record of the training run.
'@

    Examples    = @(
        @{
            Title   = 'Train a model and save it'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 20 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 |
    Export-Checkpoint ./out/bert-tiny-adapted
'@
            Remarks = 'Trains a new tiny model for 20 steps and writes it to ./out/bert-tiny-adapted, creating ./out if it is missing. Running the same command again fails with a CheckpointExists error before any training, because the directory is never overwritten without -Force.'
        }
        @{
            Title   = 'Replace a checkpoint and keep working with the model'
            Code    = @'
$model = New-BertModel -Preset tiny -Seed 1
$model | Export-Checkpoint ./out/bert-tiny -Force -PassThru |
    Measure-Perplexity -Corpus ./examples/data/runbooks-heldout.txt
'@
            Remarks = 'Writes (or overwrites) the checkpoint of the model in $model, then passes the model on to measure its perplexity on held-out text. An old checkpoint stays in place until the new one has been written completely.'
        }
        @{
            Title   = 'See what would happen'
            Code    = @'
$model = New-BertModel -Preset tiny
$model | Export-Checkpoint -LiteralPath ./out/bert-tiny -Force -WhatIf
'@
            Remarks = 'Prints "What if: Performing the operation "Replace with a Hugging Face checkpoint" on target ..." when the directory exists (or "Write a Hugging Face checkpoint" when it does not) and writes nothing.'
        }
        @{
            Title   = 'Export a model for ONNX Runtime'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 | Export-Checkpoint ./out/bert-tiny-onnx -Format Onnx -Force
Get-ChildItem ./out/bert-tiny-onnx | Select-Object Name, Length
'@
            Remarks = 'Writes ./out/bert-tiny-onnx/model.onnx with config.json, vocab.txt, the tokenizer files and bertadapt_manifest.json beside it. An ONNX Runtime InferenceSession on model.onnx takes input_ids, attention_mask and token_type_ids of any batch size and length and returns last_hidden_state and pooler_output; a fine-tuned model returns logits instead.'
        }
    )

    RelatedLinks = @('Import-BertCheckpoint', 'New-BertModel', 'Invoke-MlmTraining')
}
