# A hand-written -Config is checked key by key: a misspelt key is an error, not BERT-base.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
}

Describe 'New-BertModel -Config with keys BERT does not have' {
    It 'refuses a misspelt key and names the one meant' {
        $err = $null
        try { New-BertModel -Config @{ hiden_size = 128 } -Vocabulary $vocab; throw 'no error' }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'ConfigKeyUnknown,BertAdapt.PowerShell.Commands.NewBertModelCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*'hiden_size'*Did you mean 'hidden_size'?*"
        $err.TargetObject | Should -Be 'hiden_size'
    }

    It 'says when only the case differs' {
        { New-BertModel -Config @{ Hidden_Size = 64; num_attention_heads = 2 } -Vocabulary $vocab } |
            Should -Throw -ErrorId 'ConfigKeyUnknown,*' -ExpectedMessage "*Did you mean 'hidden_size'? Keys are case-sensitive*"
    }

    It 'lists the keys when nothing is close' {
        { New-BertModel -Config @{ colour = 'blue' } -Vocabulary $vocab } |
            Should -Throw -ErrorId 'ConfigKeyUnknown,*' -ExpectedMessage '*The keys are*num_hidden_layers*'
    }

    It 'builds the model that was asked for when every key is right' {
        $m = New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab
        $m.Config.HiddenSize | Should -Be 64
        $m.Config.NumHiddenLayers | Should -Be 2
    }

    It 'refuses a value config.json cannot hold (NaN) with an id' {
        $config = Get-TinyConfig $vocabSize
        $config.layer_norm_eps = [double]::NaN
        { New-BertModel -Config $config -Vocabulary $vocab } | Should -Throw -ErrorId 'ConfigInvalid,*' -ExpectedMessage '*layer_norm_eps*'
    }

    It 'refuses a value of the wrong type with an id' {
        $config = Get-TinyConfig $vocabSize
        $config.hidden_size = 'wide'
        { New-BertModel -Config $config -Vocabulary $vocab } | Should -Throw -ErrorId 'ConfigInvalid,*'
    }
}

Describe 'A config.json file keeps the keys Hugging Face writes' {
    It 'New-BertModel -Config <file> and Import-BertCheckpoint accept keys BERT does not use' {
        $file = Join-Path $TestDrive 'config.json'
        $config = Get-TinyConfig $vocabSize
        $config.transformers_version = '4.44.0'
        $config.torch_dtype = 'float32'
        $config.use_cache = $true
        $config | ConvertTo-Json | Set-Content $file
        $m = New-BertModel -Config $file -Vocabulary $vocab
        $m.Config.HiddenSize | Should -Be 64
        $dir = Join-Path $TestDrive 'with-extras'
        $m | Export-Checkpoint $dir
        (Get-Content -Raw (Join-Path $dir 'config.json') | ConvertFrom-Json).transformers_version | Should -Be '4.44.0'
        (Import-BertCheckpoint -LiteralPath $dir).Config.HiddenSize | Should -Be 64
    }
}
