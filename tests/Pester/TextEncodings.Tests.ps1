# Corpus and data files in the encodings people's tools write: a byte-order mark says what a
# file is (Windows PowerShell 5.1's '>' writes UTF-16 LE with one), and -Encoding says what a
# file without one is. The same text in any of them trains and measures the same.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab
    function script:New-TinyModel([long] $Seed = 1) { New-BertModel -Config (Get-TinyConfig $vocabSize) -Vocabulary $vocab -Seed $Seed }
    $script:cache = Join-Path $TestDrive 'cache'

    # Over 64 KiB, so the text crosses the reader's buffers, with accents, a symbol outside the
    # Basic Multilingual Plane (a surrogate pair in UTF-16) and CRLF line ends, as Windows writes.
    $source = Join-Path $TestDrive 'source.txt'
    New-TinyCorpus $source -Documents 300 -Seed 4
    $script:text = ((Get-Content -LiteralPath $source -Raw) -replace "`n", "`r`n") -replace 'logs \.', "logs caf$([char]0xE9) $([char]::ConvertFromUtf32(0x1D11E)) ."
    $script:utf8 = Join-Path $TestDrive 'utf8.txt'
    [IO.File]::WriteAllText($utf8, $text, [Text.UTF8Encoding]::new($false))

    function script:Measure-File([string] $Path, [hashtable] $More = @{}) {
        New-TinyModel | Measure-Perplexity -Corpus $Path -SequenceLength 32 -CacheDirectory $cache @More
    }
    $script:expected = Measure-File $utf8
}

Describe 'A byte-order mark decides the encoding' {
    It 'reads <Name> with its BOM as the UTF-8 file reads' -ForEach @(
        @{ Name = 'UTF-16 LE'; Encoding = [Text.UnicodeEncoding]::new($false, $true) }
        @{ Name = 'UTF-16 BE'; Encoding = [Text.UnicodeEncoding]::new($true, $true) }
        @{ Name = 'UTF-32 LE'; Encoding = [Text.UTF32Encoding]::new($false, $true) }
        @{ Name = 'UTF-32 BE'; Encoding = [Text.UTF32Encoding]::new($true, $true) }
        @{ Name = 'UTF-8'; Encoding = [Text.UTF8Encoding]::new($true) }
    ) {
        $path = Join-Path $TestDrive "$Name.txt"
        [IO.File]::WriteAllText($path, $text, $Encoding)
        $result = Measure-File $path
        $result.Tokens | Should -Be $expected.Tokens
        $result.Perplexity | Should -Be $expected.Perplexity
    }

    It 'trains on what Out-File -Encoding unicode writes (the encoding of Windows PowerShell 5.1''s >)' {
        $path = Join-Path $TestDrive 'redirected.txt'
        $text | Out-File -LiteralPath $path -Encoding unicode
        $model = New-TinyModel | Invoke-MlmTraining -Corpus $path -MaxSteps 1 -SequenceLength 32 -CacheDirectory $cache
        $model.StepsTrained | Should -Be 1
    }

    It 'names the byte offset of an unpaired surrogate in a UTF-16 file' {
        $path = Join-Path $TestDrive 'broken-utf16.txt'
        # BOM, "ab" and LF, then a high surrogate with no low one after it, at byte 8.
        [IO.File]::WriteAllBytes($path, [byte[]](0xFF, 0xFE, 0x61, 0, 0x62, 0, 0x0A, 0, 0x00, 0xD8, 0x63, 0))
        $e = { Measure-File $path } | Should -Throw -ErrorId 'CorpusNotDecodable,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand' -PassThru
        $e.Exception.Message | Should -BeLike '*UTF-16*byte offset 8*'
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
    }
}

Describe '-Encoding for files without a byte-order mark' {
    BeforeAll {
        $script:latin1 = Join-Path $TestDrive 'latin1.txt'
        $accented = $text -replace [char]::ConvertFromUtf32(0x1D11E), 'x'
        [IO.File]::WriteAllText($latin1, $accented, [Text.Encoding]::Latin1)
        $script:latin1AsUtf8 = Join-Path $TestDrive 'latin1-as-utf8.txt'
        [IO.File]::WriteAllText($latin1AsUtf8, $accented, [Text.UTF8Encoding]::new($false))
    }

    It 'is strict UTF-8 by default, and the error says what to do' {
        $e = { Measure-File $latin1 } | Should -Throw -ErrorId 'CorpusNotUtf8,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand' -PassThru
        $e.Exception.Message | Should -BeLike '*-Encoding*'
    }

    # UTF-16 without a mark decodes as "valid" UTF-8 (ASCII letters with a NUL byte between
    # each), so before this was checked such a file trained on text no model had seen.
    It 'refuses <Name> without a byte-order mark, saying which -Encoding reads it, and reads it with that' -ForEach @(
        @{ Name = 'UTF-16 LE'; Encoding = [Text.UnicodeEncoding]::new($false, $false); Hint = 'unicode' }
        @{ Name = 'UTF-16 BE'; Encoding = [Text.UnicodeEncoding]::new($true, $false); Hint = 'bigendianunicode' }
        @{ Name = 'UTF-32 LE'; Encoding = [Text.UTF32Encoding]::new($false, $false); Hint = 'utf32' }
    ) {
        $plain = Get-Content -LiteralPath (Join-Path $TestDrive 'source.txt') -Raw
        $plain | Should -Match '^[\x00-\x7F]+$'
        $path = Join-Path $TestDrive "$Name-nobom.txt"
        [IO.File]::WriteAllText($path, $plain, $Encoding)
        $e = { Measure-File $path } | Should -Throw -ErrorId 'CorpusNotUtf8,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand' -PassThru
        $e.Exception.Message | Should -BeLike "*NUL byte*-Encoding $Hint*"
        $e.CategoryInfo.Category | Should -Be 'InvalidData'
        $result = Measure-File $path @{ Encoding = $Hint }
        $reference = Measure-File (Join-Path $TestDrive 'source.txt')
        $result.Tokens | Should -Be $reference.Tokens
        $result.Perplexity | Should -Be $reference.Perplexity
    }

    It 'reads -Encoding <_> as the UTF-8 file of the same text reads' -ForEach 'latin1', 'iso-8859-1', '28591' {
        $result = Measure-File $latin1 @{ Encoding = $_ }
        $reference = Measure-File $latin1AsUtf8
        $result.Tokens | Should -Be $reference.Tokens
        $result.Perplexity | Should -Be $reference.Perplexity
    }

    It 'takes an Encoding object too' {
        (Measure-File $latin1 @{ Encoding = [Text.Encoding]::Latin1 }).Tokens | Should -Be (Measure-File $latin1AsUtf8).Tokens
    }

    It 'keys the token cache by the encoding: the same bytes read two ways are two shards' {
        $own = Join-Path $TestDrive 'own-cache'
        $lenient = New-TinyModel | Measure-Perplexity -Corpus $latin1 -SequenceLength 32 -CacheDirectory $own -AllowInvalidUtf8
        $decoded = New-TinyModel | Measure-Perplexity -Corpus $latin1 -SequenceLength 32 -CacheDirectory $own -Encoding latin1
        @(Get-ChildItem $own -Filter *.shard) | Should -HaveCount 2
        $decoded.Tokens | Should -Be (Measure-File $latin1AsUtf8).Tokens
        $decoded.Tokens | Should -Not -Be $lenient.Tokens
    }

    It 'refuses an encoding name it does not know, naming the choices' {
        $e = { Measure-File $latin1 @{ Encoding = 'klingon' } } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,BertAdapt.PowerShell.Commands.MeasurePerplexityCommand' -PassThru
        $e.Exception.Message | Should -BeLike '*klingon*utf8*'
    }

    It 'applies to Add-BertVocabulary -FromCorpus' {
        $words = New-TinyModel | Add-BertVocabulary -FromCorpus $latin1 -Encoding latin1 -MinCount 1 -ReportOnly
        $words.Word | Should -Be (New-TinyModel | Add-BertVocabulary -FromCorpus $latin1AsUtf8 -MinCount 1 -ReportOnly).Word
    }

    It 'applies to a job''s training section' {
        $config = (Get-TinyConfig $vocabSize).GetEnumerator() | ForEach-Object { "$($_.Key): $($_.Value)" }
        $job = Join-Path $TestDrive 'latin1.job.yaml'
        Set-Content -LiteralPath $job -Value "model:`n  config: { $($config -join ', ') }`n  vocabulary: vocab.txt`ntraining:`n  corpus: latin1.txt`n  encoding: latin1`n  maxSteps: 1`n  sequenceLength: 32`n"
        (Invoke-BertJob -LiteralPath $job).StepsTrained | Should -Be 1
    }
}

Describe 'Labelled data files' {
    It 'fine-tunes from a CSV that Export-Csv -Encoding unicode wrote' {
        $path = Join-Path $TestDrive 'tickets-utf16.csv'
        $rows = New-TinyLabelledRows
        $rows | Export-Csv -LiteralPath $path -NoTypeInformation -Encoding unicode
        $model = New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $path -Epochs 1
        $model.Labels | Should -Be @('team0', 'team1')
    }

    It 'fine-tunes from a Latin-1 CSV with -Encoding latin1' {
        $path = Join-Path $TestDrive 'tickets-latin1.csv'
        $lines = @('text,label') + (1..24 | ForEach-Object { "caf$([char]0xE9) on web0$($_ % 2 + 1),team$($_ % 2)" })
        [IO.File]::WriteAllText($path, ($lines -join "`n"), [Text.Encoding]::Latin1)
        $model = New-TinyModel | Invoke-FineTune -Task SequenceClassification -TrainingData $path -Encoding latin1 -Epochs 1
        $model.Labels | Should -Be @('team0', 'team1')
    }
}
