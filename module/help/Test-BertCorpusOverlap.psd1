@{
    Synopsis    = 'Checks that a pre-training corpus does not contain the validation or test texts of a task, and reports each copy and near copy it finds.'

    Description = @'
Test-BertCorpusOverlap answers the question to ask before continued pre-training: does my unlabelled corpus contain the texts I will evaluate on? Task-adaptive pre-training reads the task's own text, and a domain corpus gathered from the same wiki, ticket system or log store often holds the very tickets or pages that ended up in the validation set. A model pre-trained on them has seen the answers' context, and the fine-tuned score it reaches is then too good.

Every held-out text (each non-blank line of a .txt file, or the -HeldOutColumn text of each record of a .csv, .tsv or .jsonl file) is compared with every document of the corpus after normalisation: text is decomposed, accents and case are dropped, and punctuation, symbols and white space only separate words (CJK ideographs are words of their own). A corpus line equal to a held-out text is an Exact match. Otherwise the held-out text is cut into its runs of -NgramSize consecutive words; a corpus document that holds all of them is Contained (the text is inside a longer document, across its lines), and one that holds at least -Threshold of them is a NearDuplicate (a copy with a few words changed). Held-out texts shorter than four words are matched only by whole lines, since short phrases occur everywhere.

The held-out texts are indexed in memory; the corpus is streamed, so its size does not matter. The result is one report with the counts and a Matches list that names, for each leaked held-out text, its strongest match and the corpus file and line (or record) it was found in.
'@

    Parameters  = @{
        Corpus        = 'The pre-training corpus to check: paths or wildcard patterns (use -LiteralCorpus, or escape with a backtick, for a name such as run[1].txt), or directories with -Recurse. The formats are those of Invoke-MlmTraining: .txt (blank lines between documents), .jsonl, .csv, .tsv, each optionally .gz.'
        LiteralCorpus = 'Corpus files named exactly, never read as wildcards. Files piped from Get-ChildItem bind here through their PSPath property.'
        Recurse       = 'Reads every corpus file (.txt, .jsonl, .csv, .tsv, each optionally .gz) under a directory given to -Corpus or -LiteralCorpus.'
        HeldOut       = 'The texts that must not be in the corpus: the validation and test files of the task (the files given to Invoke-FineTune -ValidationData, for example). Paths or wildcard patterns; .txt files give one text per non-blank line, .csv, .tsv and .jsonl files one per record.'
        HeldOutColumn = 'The column of the held-out .csv and .tsv files, or the field of their .jsonl files, that holds the text to look for. For a sentence-pair task, run the check once for each text column.'
        TextField     = 'The field that holds the text of each record of a .jsonl corpus file.'
        TextColumn    = 'The column (named in the header row) that holds the text of each row of a .csv or .tsv corpus file.'
        NgramSize     = 'How many consecutive words make one run (4 to 64). Shorter runs find more paraphrases and also more chance matches of common phrases; 8 suits sentences and short paragraphs, 13 is what large-scale contamination studies use for long documents.'
        Threshold     = 'The share of a held-out text''s runs one corpus document must hold to be reported as a near duplicate (0.01 to 1). At 1, only texts whose every run is present are reported.'
        AllowInvalidUtf8 = 'Reads an invalid UTF-8 byte in a corpus or held-out file as U+FFFD instead of stopping with CorpusNotUtf8.'
        Encoding      = 'The encoding of corpus and held-out files without a byte-order mark; UTF-8 by default.'
        Quiet         = 'Returns $true when no held-out text is in the corpus and $false when one is, instead of the report, for an if statement or a scheduled job''s gate.'
    }

    Inputs      = @{
        'System.IO.FileInfo' = 'Corpus files from Get-ChildItem or Get-Item bind to -LiteralCorpus through their PSPath property.'
    }

    Outputs     = @{
        'BertAdapt.Engine.Data.Overlap.CorpusOverlapReport' = @'
One report, with these properties:
- HeldOutTexts, LeakedTexts, LeakedPercent: how many held-out texts there are, how many were found in the corpus, and that share.
- ExactMatches, NearDuplicates: the leaked texts split by their strongest match (Contained counts as a near duplicate).
- ShortHeldOutTexts: held-out texts of fewer than four words, compared with whole lines only.
- CorpusFiles, CorpusDocuments, CorpusWords: what was read.
- NgramSize, Threshold: the settings used.
- Matches: one entry per leaked held-out text, in held-out order: HeldOutSource, HeldOutText, Kind (Exact, Contained, NearDuplicate), Containment (the share of its runs found), CorpusSource (file:line of the document's first line, or "file, text N" for a record) and Documents (how many corpus documents held it).
'@
        'System.Boolean' = 'With -Quiet: $true when nothing leaked.'
    }

    Notes       = @'
Normalisation removes differences of case, accents, spacing and punctuation, and runs of words find a text inside a longer document or with a few words changed. It does not find paraphrases that share no run of -NgramSize words, or a translation.

Export the matches for review with: (Test-BertCorpusOverlap ...).Matches | Export-Csv leaks.csv
'@

    Examples    = @(
        @{
            Title   = 'Check a domain corpus against a validation set'
            Code    = @'
Test-BertCorpusOverlap -Corpus ./examples/data/runbooks.txt -HeldOut ./examples/data/runbooks-heldout.txt
'@
            Remarks = 'Shows how many held-out runbook lines are in the training runbooks, exactly or as near copies.'
        }
        @{
            Title   = 'List each leaked ticket and where it was found'
            Code    = @'
$report = Test-BertCorpusOverlap -Corpus ./examples/data/tickets-train.csv -TextColumn summary -HeldOut ./examples/data/tickets-dev.csv -HeldOutColumn summary
$report.Matches | Select-Object -First 5 Kind, Containment, HeldOutText, CorpusSource
'@
            Remarks = 'Task-adaptive pre-training on the training tickets reads their summaries; this lists the validation tickets whose summaries the training file already holds.'
        }
        @{
            Title   = 'Stop a scheduled job when validation text has leaked'
            Code    = @'
if (-not (Get-ChildItem ./examples/data -Filter runbooks.txt | Test-BertCorpusOverlap -HeldOut ./examples/data/runbooks-heldout.txt -Threshold 0.9 -Quiet)) {
    Write-Warning 'Held-out runbooks are in the pre-training corpus; remove them before training.'
}
'@
            Remarks = 'With -Quiet the command returns $true or $false. The corpus comes from the pipeline.'
        }
    )
}
