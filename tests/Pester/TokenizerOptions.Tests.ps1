BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    # A vocabulary with the word both with and without its accent, so the tokens show which rule cut it.
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $tokens = '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'hello', 'héllo', 'world'
    [IO.File]::WriteAllText($vocab, ($tokens -join "`n") + "`n", [Text.UTF8Encoding]::new($false))
    $script:helloId = 5
    $script:accentedId = 6
    $script:checkpoint = Join-Path $TestDrive 'base'
    New-BertModel -Config (Get-TinyConfig $tokens.Count) -Vocabulary $vocab -Seed 1 | Export-Checkpoint $checkpoint
    function script:Copy-Checkpoint([string] $Name, [hashtable] $ConfigChanges, [string] $TokenizerJson) {
        $directory = Join-Path $TestDrive $Name
        Copy-Item -LiteralPath $checkpoint -Destination $directory -Recurse
        # Edited by hand, as someone else's checkpoint would be: without the manifest of our export, whose hashes it no longer matches.
        Remove-Item -LiteralPath (Join-Path $directory 'bertadapt_manifest.json')
        $configPath = Join-Path $directory 'tokenizer_config.json'
        $config = Get-Content -Raw -LiteralPath $configPath | ConvertFrom-Json -AsHashtable
        foreach ($key in $ConfigChanges.Keys) { $config[$key] = $ConfigChanges[$key] }
        $config | ConvertTo-Json | Set-Content -LiteralPath $configPath
        if ($TokenizerJson) { Set-Content -LiteralPath (Join-Path $directory 'tokenizer.json') -Value $TokenizerJson }
        $directory
    }
}

Describe 'Tokenizer options of a checkpoint' {
    It 'strips accents by default for an uncased model, and keeps them with strip_accents false' {
        (Import-BertCheckpoint $checkpoint).Vocabulary.Encode('Héllo world') | Should -Be @($helloId, 7)
        $kept = Copy-Checkpoint 'keep-accents' @{ strip_accents = $false }
        $model = Import-BertCheckpoint $kept
        $model.Vocabulary.Encode('Héllo world') | Should -Be @($accentedId, 7)
        "$($model.Vocabulary)" | Should -BeLike '*strip_accents=false*'
    }

    It 'keeps the options through Export-Checkpoint and Import-BertCheckpoint' {
        $source = Copy-Checkpoint 'round-trip' @{ strip_accents = $false; never_split = @('i.e.'); do_split_on_punc = $false }
        $out = Join-Path $TestDrive 'round-trip-out'
        Import-BertCheckpoint $source | Export-Checkpoint $out
        $written = Get-Content -Raw -LiteralPath (Join-Path $out 'tokenizer_config.json') | ConvertFrom-Json
        $written.strip_accents | Should -BeFalse
        $written.do_split_on_punc | Should -BeFalse
        @($written.never_split) | Should -Be @('i.e.')
        (Import-BertCheckpoint $out).Vocabulary.Encode('Héllo') | Should -Be @($accentedId)
    }

    It 'refuses a tokenizer.json option it cannot honour, by name, and imports it with -Force and a warning' {
        $json = '{"normalizer":{"type":"NFKC"},"pre_tokenizer":{"type":"BertPreTokenizer"},"model":{"type":"WordPiece","vocab":{}}}'
        $odd = Copy-Checkpoint 'odd-normalizer' @{} $json
        Remove-Item -LiteralPath (Join-Path $odd 'tokenizer_config.json')
        { Import-BertCheckpoint $odd -ErrorAction Stop } |
            Should -Throw -ErrorId 'TokenizerOptionUnsupported,BertAdapt.PowerShell.Commands.ImportBertCheckpointCommand' -ExpectedMessage '*normalizer NFKC*'
        $model = Import-BertCheckpoint $odd -Force -WarningVariable warnings -WarningAction SilentlyContinue
        $model | Should -Not -BeNullOrEmpty
        "$warnings" | Should -BeLike '*normalizer NFKC*'
    }
}
