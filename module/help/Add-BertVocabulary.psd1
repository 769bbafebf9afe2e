@{
    Synopsis    = 'Adds domain words to the vocabulary of a model, or reports the words of a corpus that the vocabulary fragments most.'

    Description = @'
Add-BertVocabulary gives a model whole-word tokens for the words of your domain. A general BERT vocabulary splits words it has never seen into several WordPiece pieces: with the standard uncased vocabulary, "systemctl" becomes "system", "##ct", "##l". Every such word costs several positions of each sequence and has to be reassembled by the model from pieces that mean something else. A new token fixes both.

For each new token the word-embedding matrix and the output bias of the masked-language-model head get one more row, and the configuration's vocab_size grows to match. The new row does not start at random: it is the mean of the embedding rows of the pieces the word was split into until now, and its output bias is the mean of those pieces' biases. The model's view of the word therefore barely moves at first, and continued training with Invoke-MlmTraining refines it from there. Every existing parameter is kept exactly. New ids are appended after the last line of vocab.txt, so existing ids never change.

Tokens are normalised exactly as the tokenizer normalises text: composed (Unicode NFC, so an accent typed as a separate combining mark joins its letter), and for an uncased (lower-cased) vocabulary also lower-cased and stripped of accents, so "Café" is added as "cafe" and "İZMİR" as "izmir". The skip warnings and the -WhatIf message show the tokens in this form. A token that is already in the vocabulary (or named twice) is skipped with a warning. A token that BERT's basic tokenizer would split before WordPiece ever sees it (one with whitespace, punctuation such as - . / # [ ], or Chinese, Japanese or Korean ideographs) could never be produced, so it is an error with the id VocabularyTokenInvalid and nothing is changed.

With -FromCorpus the words come from your text. Add-BertVocabulary reads the corpus files, splits them into words as BERT's basic tokenizer does, and counts every word that the current vocabulary splits into two or more pieces. The words are ranked by the tokens a new entry would save: count x (pieces - 1). Words seen fewer than -MinCount times are left out, and the best -Top words are added. With -ReportOnly nothing is added: the ranked words are written to the pipeline instead, each with its Word, Count, Pieces, PieceCount and TokensSaved, so you can review them and pass your choice to -Token.

The model is changed in place and then written to the pipeline, so it can go straight on to Invoke-MlmTraining or Export-Checkpoint. Export-Checkpoint saves the longer vocab.txt and the new vocab_size, and Import-BertCheckpoint reads them back.
'@

    Parameters  = @{
        Model      = 'The model whose vocabulary grows, usually piped from New-BertModel or Import-BertCheckpoint. It is changed in place: a variable that holds it sees the new vocabulary. -Model also takes the path of a checkpoint (a string, or a FileInfo or DirectoryInfo), which is imported as Import-BertCheckpoint -LiteralPath would import it; an import error stops the command with the import''s error id inside the binding error.'
        Token      = 'The words to add. They are normalised as text is (composed; lower-cased and without accents for an uncased vocabulary); words already present are skipped with a warning, and a word with whitespace or punctuation is an error.'
        FromCorpus = 'Corpus files to find fragmented words in: paths or wildcard patterns. A pattern must match at least one file, and a directory is refused (give a pattern such as ./runbooks/*.txt). Files are UTF-8 unless a byte-order mark or -Encoding says otherwise.'
        LiteralFromCorpus = 'Corpus files to find fragmented words in, taken exactly as written: no character is a wildcard, so a file named notes[1].txt is that file.'
        Encoding   = 'The encoding of corpus files that have no byte-order mark: utf8 (the default), unicode, bigendianunicode, utf32, bigendianutf32, ascii, latin1, ansi, oem, a code page number or name, or a System.Text.Encoding object. A file with a byte-order mark is read as its mark says.'
        Top        = 'How many of the highest-ranked words -FromCorpus adds, or reports with -ReportOnly.'
        MinCount   = 'Leaves out words that occur fewer times than this in the corpus. Rare words are not worth a token of their own, and one-off strings such as hashes or ticket numbers should not take one.'
        ReportOnly = 'Writes the ranked fragmented words of the corpus to the pipeline instead of adding them. The model is not changed and not written to the pipeline.'
        WhatIf     = 'Shows how many tokens would be added, and which, without changing the model. No model is written to the pipeline.'
        Confirm    = 'Asks for confirmation before the vocabulary of each model is extended.'
    }

    Inputs      = @{
        'BertAdapt.BertModel' = 'A model can be piped to -Model.'
    }

    Outputs     = @{
        'BertAdapt.BertModel'                           = 'The model that came in, with its extended vocabulary (the same object). Not written with -ReportOnly or -WhatIf.'
        'BertAdapt.Engine.Tokenization.FragmentedWord' = 'With -FromCorpus -ReportOnly, one object per fragmented word, best first: Word, Count (occurrences in the corpus), Pieces (the WordPiece pieces it is split into now), PieceCount and TokensSaved (Count x (PieceCount - 1)).'
    }

    Notes       = @'
New tokens start from an average and only become good representations through training, so follow Add-BertVocabulary with Invoke-MlmTraining on text that uses the new words. A few hundred steps are usually enough for the new rows to settle; the rest of the model is not disturbed by the addition itself.

The words counted by -FromCorpus include numbers and identifiers that happen to be frequent (port numbers, host names). Look at the report with -ReportOnly first when the corpus has many of them, and pass the words you want to -Token.
'@

    Examples    = @(
        @{
            Title   = 'See which words of a corpus the vocabulary fragments most'
            Code    = @'
$m = New-BertModel -Preset tiny
$m | Add-BertVocabulary -FromCorpus ./examples/data/runbooks.txt -ReportOnly | Format-Table
'@
            Remarks = 'Lists the 20 words, seen at least 5 times, whose own token would save the most tokens, with the pieces each one is split into now. The model is not changed. The report depends only on the vocabulary, so it is the same for any model with the bundled one.'
        }
        @{
            Title   = 'Add chosen words and train them in'
            Code    = @'
$m = New-BertModel -Preset tiny -Seed 1
$m | Add-BertVocabulary -Token systemctl, journalctl -Verbose |
    Invoke-MlmTraining -Corpus ./examples/data/runbooks.txt -MaxSteps 20 -BatchSize 8 -SequenceLength 64 -LearningRate 1e-3 |
    Export-Checkpoint ./out/bert-tiny-runbooks-vocab -Force
'@
            Remarks = 'Adds two tokens (-Verbose names them and the new vocabulary size), trains on the runbooks so the new embeddings settle (use more steps in a real run), and saves the model with its longer vocab.txt.'
        }
        @{
            Title   = 'Add the most fragmented words of a corpus'
            Code    = @'
$m = New-BertModel -Preset tiny
$m | Add-BertVocabulary -FromCorpus ./examples/data/runbooks.txt -Top 50 -MinCount 20 -WhatIf
$m | Add-BertVocabulary -FromCorpus ./examples/data/runbooks.txt -Top 50 -MinCount 20 | Out-Null
$m.Vocabulary.Count
'@
            Remarks = 'The second line shows which of the up to 50 words seen at least 20 times would be added; the third adds them, and the last shows the new vocabulary size.'
        }
    )

    RelatedLinks = @('Invoke-MlmTraining', 'Export-Checkpoint', 'Import-BertCheckpoint', 'New-BertModel')
}
