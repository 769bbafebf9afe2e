@{
    # Nested rather than root, so PowerShell finds the cmdlets' MAML help in module/bin/en-US
    # while this manifest stays at the repository root. The loader comes first: it sets up the
    # isolated load context for module/bin/Dependencies before the cmdlets are inspected.
    NestedModules        = @('module/bin/BertAdapt.Loader.dll', 'module/bin/BertAdapt.PowerShell.dll')
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0c6a3e-8f0e-4b8e-9f5e-6a2b1c9d4e71'
    Author               = 'BertAdapt contributors'
    CompanyName          = 'BertAdapt contributors'
    Copyright            = '(c) BertAdapt contributors. MIT licence.'
    Description          = 'Adapt BERT models to your own text from PowerShell: continued MLM pre-training, perplexity, fine-tuning (classification, regression, tagging), pipeline inference, and Hugging Face checkpoints (safetensors, PyTorch .bin, ONNX), on a TorchSharp (libtorch) core.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('module/BertAdapt.Format.ps1xml')
    CmdletsToExport      = @(
        'New-BertModel'
        'Import-BertCheckpoint'
        'Export-Checkpoint'
        'Invoke-MlmTraining'
        'Measure-Perplexity'
        'Invoke-FineTune'
        'Add-BertVocabulary'
        'Invoke-BertJob'
        'Test-BertCorpusOverlap'
        'Export-BertTrainingReport'
        'Invoke-BertClassifier'
        'Invoke-BertTokenClassifier'
        'Invoke-BertFillMask'
        'Get-BertEmbedding'
        'Compare-BertAdaptation'
    )
    FunctionsToExport    = @()
    # Bert-prefixed names for the design card's cmdlets whose noun lacks the prefix.
    AliasesToExport      = @('Export-BertCheckpoint', 'Invoke-BertMlmTraining', 'Invoke-BertFineTune', 'Measure-BertPerplexity')
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            # No LicenseUri or ProjectUri: the project has no public address yet. The MIT licence
            # ships as LICENSE beside this manifest.
            Tags = @('BERT', 'NLP', 'MLM', 'TorchSharp', 'MachineLearning', 'Windows', 'Linux')
        }
    }
}