# Invoke-MlmTraining and Invoke-FineTune share one set of training parameters, declared once
# (TrainingCmdlet) with one set of ranges and one help text; Invoke-MlmTraining and
# Measure-Perplexity share the corpus parameters, declared alike and described once.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    $script:train, $null = New-TinyTeamCsv $TestDrive

    $script:shared = 'BatchSize', 'GradientAccumulation', 'MaxSteps', 'Epochs', 'LearningRate', 'Schedule', 'WarmupSteps',
        'WarmupRatio', 'WeightDecay', 'MaxGradNorm', 'GroupByLength', 'Precision', 'Seed', 'ValidationSplit', 'EvalEvery', 'EarlyStoppingPatience',
        'OutputPath', 'Continue', 'Restart', 'CheckpointEvery', 'KeepCheckpoints', 'MetricsPath'
    $script:corpusShared = 'Model', 'Corpus', 'LiteralCorpus', 'Recurse', 'SequenceLength', 'LineByLine', 'TextField', 'TextColumn',
        'AllowInvalidUtf8', 'Encoding', 'CacheDirectory'

    # What PowerShell binds by: type, parameter sets and their flags, aliases and validation.
    function script:Get-ParameterShape([string] $Command, [string] $Name) {
        $p = (Get-Command $Command).Parameters[$Name]
        $range = $p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] }
        [pscustomobject]@{
            Type     = $p.ParameterType.FullName
            Sets     = ($p.ParameterSets.GetEnumerator() | Sort-Object Key | ForEach-Object {
                    "$($_.Key -replace '^__AllParameterSets$', '*'):$($_.Value.IsMandatory):$($_.Value.Position):$($_.Value.ValueFromPipeline):$($_.Value.ValueFromPipelineByPropertyName)" }) -join ';'
            Aliases  = ($p.Aliases | Sort-Object) -join ','
            Range    = if ($range) { "$($range.MinRange)..$($range.MaxRange)" } else { '' }
            Validate = ($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateArgumentsAttribute] -or $_ -is [System.Management.Automation.ArgumentTransformationAttribute] } |
                    ForEach-Object { $_.GetType().Name } | Sort-Object) -join ','
        } | ConvertTo-Json -Compress
    }

    function script:Get-Metrics([string] $Path) { Get-Content $Path | ForEach-Object { $_ | ConvertFrom-Json } }
}

Describe 'One set of training parameters' {
    It 'declares each shared training parameter once, in TrainingCmdlet, for both training cmdlets' {
        foreach ($command in 'Invoke-MlmTraining', 'Invoke-FineTune') {
            $type = (Get-Command $command).ImplementingType
            foreach ($name in $shared) {
                $type.GetProperty($name).DeclaringType.Name | Should -Be 'TrainingCmdlet' -Because "$command -$name must come from the one declaration"
            }
        }
    }

    It 'binds and validates -<_> alike in both cmdlets' -ForEach @(
        'BatchSize', 'GradientAccumulation', 'MaxSteps', 'Epochs', 'LearningRate', 'Schedule', 'WarmupSteps',
        'WarmupRatio', 'WeightDecay', 'MaxGradNorm', 'GroupByLength', 'Precision', 'Seed', 'ValidationSplit', 'EvalEvery', 'EarlyStoppingPatience',
        'OutputPath', 'Continue', 'Restart', 'CheckpointEvery', 'KeepCheckpoints', 'MetricsPath'
    ) {
        Get-ParameterShape Invoke-FineTune $_ | Should -Be (Get-ParameterShape Invoke-MlmTraining $_)
    }

    It 'refuses the same out-of-range learning rate in both' {
        $model = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab
        { $model | Invoke-FineTune -Task SequenceClassification -TrainingData $train -TextColumn summary -LabelColumn team -LearningRate 2 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,BertAdapt.PowerShell.Commands.InvokeFineTuneCommand'
        { $model | Invoke-MlmTraining -Corpus $train -LearningRate 2 } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,BertAdapt.PowerShell.Commands.InvokeMlmTrainingCommand'
        $model.Dispose()
    }

    It 'keeps each objective''s own defaults: <Command> -<Name> is <Expected>' -ForEach @(
        @{ Command = 'Invoke-MlmTraining'; Name = 'LearningRate'; Expected = '5E-05' }
        @{ Command = 'Invoke-FineTune'; Name = 'LearningRate'; Expected = '3E-05' }
        @{ Command = 'Invoke-MlmTraining'; Name = 'Epochs'; Expected = '1' }
        @{ Command = 'Invoke-FineTune'; Name = 'Epochs'; Expected = '3' }
    ) {
        (Get-Help $Command -Parameter $Name).defaultValue | Should -Be $Expected
    }

    It 'writes the help of a shared parameter once: both cmdlets show the same text' {
        foreach ($name in $shared) {
            $mlm = (Get-Help Invoke-MlmTraining -Parameter $name).description.Text -join "`n"
            $mlm | Should -Not -BeNullOrEmpty
            (Get-Help Invoke-FineTune -Parameter $name).description.Text -join "`n" | Should -Be $mlm -Because "-$name"
        }
    }
}

Describe 'Invoke-FineTune has the training options Invoke-MlmTraining had' {
    BeforeAll {
        function script:Invoke-TinyFineTune([hashtable] $Extra) {
            $model = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed 3
            $model | Invoke-FineTune -Task SequenceClassification -TrainingData $train -TextColumn summary -LabelColumn team `
                -MaxLength 32 -BatchSize 4 -LearningRate 1e-3 -Seed 3 @Extra
        }
    }

    It '-WarmupSteps sets the warmup in steps' {
        $metrics = Join-Path $TestDrive 'warmup.jsonl'
        $model = Invoke-TinyFineTune @{ MaxSteps = 6; WarmupSteps = 4; MetricsPath = $metrics }
        $rates = @(Get-Metrics $metrics | ForEach-Object learning_rate)
        $rates | Should -HaveCount 6
        # The rate rises by a quarter of -LearningRate a step, to the peak at step 4. Without
        # -WarmupSteps, 10% of 6 steps rounds to no warmup at all: step 1 would have the peak.
        $rates[0] | Should -Be 2.5e-4
        for ($i = 1; $i -lt 4; $i++) { $rates[$i] | Should -BeGreaterThan $rates[$i - 1] -Because "step $($i + 1) is still warming up" }
        $rates[3] | Should -Be 1e-3
        $rates[5] | Should -BeLessThan $rates[3] -Because 'the rate falls after the warmup'
        $model.Dispose()
    }

    It '-MaxGradNorm clips the gradients' {
        $loose = Join-Path $TestDrive 'loose.jsonl'
        $tight = Join-Path $TestDrive 'tight.jsonl'
        (Invoke-TinyFineTune @{ MaxSteps = 3; MetricsPath = $loose }).Dispose()
        (Invoke-TinyFineTune @{ MaxSteps = 3; MetricsPath = $tight; MaxGradNorm = 1e-4 }).Dispose()
        # The same first step (same seed) reports the same gradient norm; clipping changes what follows.
        $a = @(Get-Metrics $loose); $b = @(Get-Metrics $tight)
        $b[0].grad_norm | Should -Be $a[0].grad_norm
        $b[2].loss | Should -Not -Be $a[2].loss -Because 'gradients scaled down to 1e-4 barely move the weights'
    }

    It '-ValidationSplit holds out rows and evaluates on them after each epoch' {
        $model = Invoke-TinyFineTune @{ Epochs = 2; ValidationSplit = 0.25 }
        $model.Evaluations | Should -HaveCount 2
        $model.Evaluations[0].Examples | Should -BeGreaterThan 0
        $model.Evaluations[0].Examples | Should -BeLessThan 36 -Because 'only part of the 36 rows is held out'
        $model.Dispose()
    }

    It 'refuses -ValidationSplit with validation files in both cmdlets, rather than ignore one' {
        $model = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab
        { $model | Invoke-FineTune -Task SequenceClassification -TrainingData $train -ValidationData $train -TextColumn summary -LabelColumn team -ValidationSplit 0.2 -MaxSteps 1 } |
            Should -Throw -ErrorId 'TrainingOptionInvalid,*'
        $corpus = Join-Path $TestDrive 'corpus.txt'
        New-TinyCorpus $corpus -Documents 10 -Seed 1
        { $model | Invoke-MlmTraining -Corpus $corpus -ValidationCorpus $corpus -ValidationSplit 0.2 -MaxSteps 1 -SequenceLength 32 -CacheDirectory (Join-Path $TestDrive 'cache') } |
            Should -Throw -ErrorId 'TrainingOptionInvalid,*'
        $model.Dispose()
    }

    It '-CheckpointEvery and -KeepCheckpoints keep the newest checkpoints' {
        $out = Join-Path $TestDrive 'ft-checkpoints'
        (Invoke-TinyFineTune @{ MaxSteps = 6; OutputPath = $out; CheckpointEvery = 2; KeepCheckpoints = 2 }).Dispose()
        @(Get-ChildItem $out -Directory -Filter 'checkpoint-*').Name | Sort-Object | Should -Be 'checkpoint-00000004', 'checkpoint-00000006'
    }
}

Describe 'One set of corpus parameters' {
    It 'binds and validates -<_> alike in Invoke-MlmTraining and Measure-Perplexity' -ForEach @(
        'Model', 'Corpus', 'LiteralCorpus', 'Recurse', 'SequenceLength', 'LineByLine', 'TextField', 'TextColumn',
        'AllowInvalidUtf8', 'Encoding', 'CacheDirectory'
    ) {
        Get-ParameterShape Measure-Perplexity $_ | Should -Be (Get-ParameterShape Invoke-MlmTraining $_)
    }
}
