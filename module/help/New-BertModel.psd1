@{
    Synopsis    = 'Creates a new, randomly initialised BERT model with its masked-LM and next-sentence heads.'

    Description = @'
New-BertModel builds a BERT encoder together with the two pre-training heads that Hugging Face calls BertForPreTraining: the masked-language-model head (whose output projection shares its weights with the word embeddings) and the next-sentence-prediction head. The result is a BertModel object that you pass along the pipeline to Invoke-MlmTraining, Measure-Perplexity and Export-Checkpoint.

The shape of the network comes either from a preset or from a configuration. The presets are the published compact BERT sizes and the two original ones: tiny (2 layers, hidden size 128), mini (4 layers, 256), small (4 layers, 512), medium (8 layers, 512), base (12 layers, 768) and large (24 layers, 1024). Every preset uses one attention head per 64 hidden units, a feed-forward layer four times the hidden size and 512 positions. With -Config you give the shape yourself, as a hashtable of config.json fields or as the path of a config.json file, for example one copied from an existing Hugging Face model.

The vocabulary decides the size of the embedding matrix. Without -Vocabulary the model uses the uncased 30,522-token WordPiece vocabulary of bert-base-uncased that ships with the module. Any vocab.txt with one token per line works, as long as it contains [PAD], [UNK], [CLS], [SEP] and [MASK]. Text is lower-cased and stripped of accents before tokenisation unless you use -Cased.

Weights are initialised the way Hugging Face initialises BERT: weight matrices and embeddings from a normal distribution with a standard deviation of initializer_range (0.02), biases at zero and LayerNorm scales at one. The draw is seeded, so the same -Seed and shape always give the same weights. A new model lives on the CPU, is in evaluation mode and has StepsTrained 0.
'@

    Parameters  = @{
        Preset     = 'The size of the model to create. mini (4 layers, hidden size 256, about 11 million parameters with the default vocabulary) trains in minutes on a CPU; base and large are the sizes of the original BERT and need far more memory and time. The preset is also shown as the model''s name in its table view.'
        Config     = @'
The shape of the model, given in one of two forms. A hashtable of config.json fields, such as @{ hidden_size = 192; num_hidden_layers = 3; num_attention_heads = 3; intermediate_size = 768 }: fields you leave out take BERT-base values, and vocab_size defaults to the size of the vocabulary. Or the path of a config.json file (a string or a FileInfo object), whose vocab_size must then match the vocabulary.
Only model_type "bert" with absolute position embeddings is supported, and hidden_act must be gelu, gelu_new, gelu_pytorch_tanh or relu. In a hashtable every key must be one of BERT's config.json fields, spelt as config.json spells them: a misspelt key such as hiden_size stops the cmdlet with a ConfigKeyUnknown error that names the field you probably meant, rather than silently building BERT-base. A config.json file may carry other fields (Hugging Face writes transformers_version, torch_dtype and more); they are kept and written back by Export-Checkpoint.
'@
        Vocabulary = 'The path of a WordPiece vocabulary file (vocab.txt): UTF-8, one token per line, containing [PAD], [UNK], [CLS], [SEP] and [MASK]. The line number of a token is its id. When omitted, the bert-base-uncased vocabulary bundled with the module is used.'
        Cased      = 'Keeps the case and accents of the text when tokenising. Use it with a cased vocabulary such as the one of bert-base-cased; by default text is lower-cased and accents are removed, as the uncased BERT models expect. The choice is saved in tokenizer_config.json (do_lower_case) by Export-Checkpoint.'
        Seed       = 'The seed of the random weight initialisation. Two models created with the same shape, vocabulary and seed have identical weights.'
    }

    Inputs      = @{
        'System.Collections.Hashtable' = 'A hashtable of config.json fields can be piped to -Config.'
        'System.String'                = 'The path of a config.json file can be piped to -Config.'
        'System.IO.FileInfo'           = 'A config.json file from Get-Item or Get-ChildItem can be piped to -Config.'
    }

    Outputs     = @{
        'BertAdapt.BertModel' = 'The new model. Its Preset, Shape, ParameterCount, Device, StepsTrained (0), Vocabulary, Config and Source properties describe it; the default view is a table of the most useful ones (use Format-List for all of them).'
    }

    Notes       = @'
The model holds native (libtorch) memory for its weights. A mini model takes about 45 MB, base about 440 MB and large about 1.3 GB in float32, and training needs roughly four times that for gradients and optimizer state. Call the model's Dispose() method to free the memory of a model you no longer need, rather than waiting for the garbage collector.

Presets are shapes, not pre-trained weights: a new model knows nothing about language until it is trained. To start from pre-trained weights, download a Hugging Face checkpoint that has model.safetensors and read it with Import-BertCheckpoint.
'@

    Examples    = @(
        @{
            Title   = 'Create a small model and look at it'
            Code    = @'
$model = New-BertModel -Preset mini
$model | Format-List
'@
            Remarks = 'Creates a 4-layer model with hidden size 256 and the bundled uncased vocabulary, and shows all of its properties: preset, shape (L4 H256 A4 I1024 V30522), parameter count, device and training state.'
        }
        @{
            Title   = 'Train a new model on your own text and save it'
            Code    = @'
New-BertModel -Preset tiny -Seed 1 |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 20 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 |
    Export-Checkpoint ./out/bert-tiny-runbooks -Force
'@
            Remarks = 'Run from the repository root: creates a tiny model (2 layers, hidden size 128), trains it for 20 masked-LM steps on the bundled runbook corpus, and writes the result as a Hugging Face checkpoint directory; Export-Checkpoint creates ./out if it is missing, and -Force replaces an earlier export. For a model that has learned something, use -Preset mini and a few hundred steps.'
        }
        @{
            Title   = 'Give the shape as a hashtable'
            Code    = @'
$shape = @{
    hidden_size             = 192
    num_hidden_layers       = 3
    num_attention_heads     = 3
    intermediate_size       = 768
    max_position_embeddings = 256
}
$model = New-BertModel -Config $shape -Seed 7
$model.Shape
'@
            Remarks = 'Builds a model with a shape that no preset has. vocab_size is filled in from the vocabulary; every field you leave out keeps its BERT-base value. The last line prints "L3 H192 A3 I768 V30522".'
        }
        @{
            Title   = 'Use the shape and vocabulary of an existing checkpoint'
            Code    = @'
New-BertModel -Preset tiny | Export-Checkpoint ./out/bert-tiny -Force
Get-Item ./out/bert-tiny/config.json | New-BertModel -Vocabulary ./out/bert-tiny/vocab.txt -Seed 2
'@
            Remarks = 'The first line only makes a checkpoint to copy from; any Hugging Face BERT directory works the same way. The second pipes its config.json to -Config and pairs it with its vocabulary, giving a new, differently seeded model of the same shape. The vocab_size in config.json must equal the number of lines in vocab.txt, otherwise the cmdlet stops with a VocabularySizeMismatch error; for a cased vocabulary, such as the one of bert-base-cased, add -Cased.'
        }
    )

    RelatedLinks = @('Invoke-MlmTraining', 'Import-BertCheckpoint', 'Export-Checkpoint', 'Measure-Perplexity')
}
