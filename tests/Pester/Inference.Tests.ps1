#Requires -Version 7.4
# The inference cmdlets from the pipeline: output shapes, binding, streaming and error ids, on tiny
# random models (the numbers mean nothing; their shape and consistency do).

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../../BertAdapt.psd1') -Force
    . (Join-Path $PSScriptRoot 'TestFixtures.ps1')
    $script:vocab = Join-Path $TestDrive 'vocab.txt'
    $script:vocabSize = New-TinyVocabulary $vocab

    function script:New-TinyModel([string] $Task, [string[]] $Labels, [int] $Seed = 1) { New-TinyHeadModel $vocab $vocabSize $Task $Labels $Seed }

    $script:classifier = New-TinyModel SequenceClassification 'neg', 'pos'
    $script:multi = New-TinyModel MultiLabelClassification 'disk', 'network', 'auth' 2
    $script:regressor = New-TinyModel Regression @() 3
    $script:tagger = New-TinyModel TokenClassification 'O', 'B-SVC', 'I-SVC', 'B-HOST', 'I-HOST' 4
    $script:bare = New-TinyModel $null @() 5

    # Runs a script block that must fail terminally; returns its ErrorRecord.
    function script:Get-TerminatingError([scriptblock] $Action) {
        try { & $Action; throw 'expected a terminating error, but none was raised' }
        catch [System.Management.Automation.RuntimeException] {
            if ($_.FullyQualifiedErrorId -like 'RuntimeException*' -and $_.Exception.Message -like 'expected a terminating error*') { throw }
            $_
        }
    }

    # Feeds $Count texts through $Command one at a time and records, for each output, how many
    # inputs had been produced when it arrived. A cmdlet that held every input until the end
    # would show $Count for every output.
    function script:Measure-Streaming([string] $Command, [hashtable] $Parameters, [int] $Count) {
        $state = @{ Produced = 0 }
        $seen = [System.Collections.Generic.List[int]]::new()
        & { foreach ($i in 1..$Count) { $state.Produced = $i; "restart the nginx service on web0$($i % 3) $i" } } |
            & $Command @Parameters | ForEach-Object { $seen.Add($state.Produced) }
        , $seen.ToArray()
    }
}

AfterAll {
    foreach ($model in $classifier, $multi, $regressor, $tagger, $bare) { if ($model) { $model.Dispose() } }
}

Describe 'Invoke-BertClassifier' {
    It 'classifies piped strings, one result per text in order, with scores that add up to 1' {
        $texts = 'restart the nginx service', 'check the disk', '', 'read the logs then page oncall'
        $results = @($texts | Invoke-BertClassifier -Model $classifier)
        $results.Count | Should -Be 4
        $results[0] | Should -BeOfType ([BertAdapt.Engine.Inference.ClassificationResult])
        $results.Text | Should -Be $texts
        foreach ($r in $results) {
            @($r.GetScores().Label) | Should -Be @('neg', 'pos')
            $r.Score_neg | Should -Be $r.GetScores()[0].Score
            ($r.Score_neg + $r.Score_pos) | Should -BeGreaterThan 0.99999
            ($r.Score_neg + $r.Score_pos) | Should -BeLessThan 1.00001
            $best = $r.GetScores() | Sort-Object Score -Descending | Select-Object -First 1
            $r.Label | Should -Be $best.Label
            $r.Score | Should -Be $best.Score
            $r.Labels | Should -Be @($r.Label)
            $r.Value | Should -BeNullOrEmpty
            $r.Task | Should -Be 'SequenceClassification'
        }
    }

    It 'takes texts as a positional array and gives the same scores in any batch size' {
        $texts = 'restart the nginx service on web01', 'stop', 'check the redis logs on cache01 then page oncall'
        $big = Invoke-BertClassifier -Model $classifier $texts -BatchSize 3
        $small = Invoke-BertClassifier -Model $classifier $texts -BatchSize 1
        for ($i = 0; $i -lt 3; $i++) {
            [math]::Abs($big[$i].Score_pos - $small[$i].Score_pos) | Should -BeLessThan 1e-5
        }
    }

    It 'binds Text and TextPair from Import-Csv rows by property name' {
        $csv = Join-Path $TestDrive 'rows.csv'
        @(
            [pscustomobject]@{ Id = 1; Text = 'restart nginx'; TextPair = 'on web01' }
            [pscustomobject]@{ Id = 2; Text = 'check the disk'; TextPair = 'on db01' }
            [pscustomobject]@{ Id = 3; Text = 'read the logs'; TextPair = 'then page oncall' }
        ) | Export-Csv $csv -NoTypeInformation
        $results = @(Import-Csv $csv | Invoke-BertClassifier -Model $classifier)
        $results.Count | Should -Be 3
        $results.Text | Should -Be @('restart nginx', 'check the disk', 'read the logs')
        $results.TextPair | Should -Be @('on web01', 'on db01', 'then page oncall')
        # The pair reaches the model: the same text without it scores differently.
        $alone = Invoke-BertClassifier -Model $classifier -Text 'restart nginx'
        $alone.Score_pos | Should -Not -Be $results[0].Score_pos
    }

    It 'predicts every label over -Threshold for a multi-label model' {
        $r = 'check the disk on db01' | Invoke-BertClassifier -Model $multi
        $r.Task | Should -Be 'MultiLabelClassification'
        $over = @($r.GetScores() | Where-Object Score -GE 0.5 | Sort-Object Score -Descending | ForEach-Object Label)
        @($r.Labels) | Should -Be $over
        @(('check the disk on db01' | Invoke-BertClassifier -Model $multi -Threshold 0).Labels).Count | Should -Be 3
        $none = 'check the disk on db01' | Invoke-BertClassifier -Model $multi -Threshold 1
        @($none.Labels).Count | Should -Be 0
        $none.Label | Should -BeNullOrEmpty
    }

    It 'gives the Value of a regression model' {
        $results = @('restart nginx', 'check the disk on db01 then read the logs' | Invoke-BertClassifier -Model $regressor)
        $results.Count | Should -Be 2
        $results | ForEach-Object { $_.Value | Should -BeOfType ([double]) }
        $results[0].Value | Should -Not -Be $results[1].Value
        $results[0].Label | Should -BeNullOrEmpty
    }

    It 'writes each full batch before the rest of the input is read' {
        $seen = Measure-Streaming Invoke-BertClassifier @{ Model = $classifier; BatchSize = 2 } 9
        $seen.Count | Should -Be 9
        # Batches of two come out as soon as the second text of each arrives; the odd one at the end.
        $seen | Should -Be @(2, 2, 4, 4, 6, 6, 8, 8, 9)
    }

    It 'stops reading input when downstream has enough' {
        $state = @{ Produced = 0 }
        $first = & { foreach ($i in 1..1000) { $state.Produced = $i; "check the disk $i" } } |
            Invoke-BertClassifier -Model $classifier -BatchSize 4 | Select-Object -First 2
        @($first).Count | Should -Be 2
        $state.Produced | Should -BeLessThan 10
    }

    It 'refuses a model without a head with ModelHasNoClassifier, before any input' {
        $e = Get-TerminatingError { @() | Invoke-BertClassifier -Model $bare }
        $e.FullyQualifiedErrorId | Should -Be 'ModelHasNoClassifier,BertAdapt.PowerShell.Commands.InvokeBertClassifierCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidOperation'
    }

    It 'refuses a token-classification model with ModelTaskMismatch' {
        $e = Get-TerminatingError { 'restart nginx' | Invoke-BertClassifier -Model $tagger }
        $e.FullyQualifiedErrorId | Should -Be 'ModelTaskMismatch,BertAdapt.PowerShell.Commands.InvokeBertClassifierCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $e.Exception.Message | Should -BeLike '*Invoke-BertTokenClassifier*'
    }

    It 'refuses a -MaxLength beyond the model''s positions with MaxLengthTooLong' {
        $e = Get-TerminatingError { 'restart nginx' | Invoke-BertClassifier -Model $classifier -MaxLength 65 }
        $e.FullyQualifiedErrorId | Should -BeLike 'MaxLengthTooLong,*'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'marks inputs cut to -MaxLength as truncated' {
        $long = (@('nginx') * 40) -join ' '
        $r = $long, 'nginx' | Invoke-BertClassifier -Model $classifier -MaxLength 16
        $r.Truncated | Should -Be @($true, $false)
    }
}

Describe 'Invoke-BertTokenClassifier' {
    It 'tags every word with offsets into the original text and groups entities' {
        $texts = 'Restart NGINX on Zürich-web01, then page Ana.', 'check the redis logs', ''
        $results = @($texts | Invoke-BertTokenClassifier -Model $tagger)
        $results.Count | Should -Be 3
        $results[0] | Should -BeOfType ([BertAdapt.Engine.Inference.TokenClassificationResult])
        @($results[0].Words.Word) | Should -Be @('Restart', 'NGINX', 'on', 'Zürich', '-', 'web01', ',', 'then', 'page', 'Ana', '.')
        @($results[2].Words).Count | Should -Be 0
        foreach ($r in $results) {
            foreach ($w in $r.Words) {
                $r.Text.Substring($w.Start, $w.End - $w.Start) | Should -BeExactly $w.Word
                $w.Tag | Should -BeIn 'O', 'B-SVC', 'I-SVC', 'B-HOST', 'I-HOST'
                $w.Score | Should -BeGreaterThan 0
            }
            foreach ($e in $r.Entities) {
                $r.Text.Substring($e.Start, $e.End - $e.Start) | Should -BeExactly $e.Text
                $e.Type | Should -BeIn 'SVC', 'HOST'
            }
            # Every B- word starts an entity, so there are at least as many entities as B- tags.
            @($r.Entities).Count | Should -BeGreaterOrEqual @($r.Words | Where-Object Tag -Like 'B-*').Count
        }
    }

    It 'writes each full batch before the rest of the input is read' {
        $seen = Measure-Streaming Invoke-BertTokenClassifier @{ Model = $tagger; BatchSize = 3 } 7
        $seen | Should -Be @(3, 3, 3, 6, 6, 6, 7)
    }

    It 'refuses a sequence-classification model with ModelTaskMismatch' {
        $e = Get-TerminatingError { 'restart nginx' | Invoke-BertTokenClassifier -Model $classifier }
        $e.FullyQualifiedErrorId | Should -Be 'ModelTaskMismatch,BertAdapt.PowerShell.Commands.InvokeBertTokenClassifierCommand'
        $e.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'refuses a model without a head with ModelHasNoClassifier' {
        $e = Get-TerminatingError { 'restart nginx' | Invoke-BertTokenClassifier -Model $bare }
        $e.FullyQualifiedErrorId | Should -BeLike 'ModelHasNoClassifier,*'
    }

    It 'warns that tags that are not BIO give no entities' {
        $pos = New-TinyModel TokenClassification 'NOUN', 'VERB' 6
        try {
            $r = 'restart the nginx service' | Invoke-BertTokenClassifier -Model $pos -WarningVariable warnings -WarningAction SilentlyContinue
            @($warnings).Count | Should -Be 1
            "$($warnings[0])" | Should -BeLike '*not all BIO tags*'
            @($r.Words).Count | Should -Be 4
            @($r.Entities).Count | Should -Be 0
        } finally { $pos.Dispose() }
    }
}

Describe 'Invoke-BertFillMask' {
    It 'gives -Top candidates per mask, best first, with the text filled in' {
        $results = @('restart the [MASK] service', 'check [MASK] then read the [MASK] logs' | Invoke-BertFillMask -Model $bare -Top 3)
        $results.Count | Should -Be 2
        $results[0] | Should -BeOfType ([BertAdapt.Engine.Inference.FillMaskResult])
        @($results[0].Candidates).Count | Should -Be 3
        @($results[1].Candidates).Count | Should -Be 6
        $results[1].MaskCount | Should -Be 2
        foreach ($c in $results[0].Candidates) {
            $c.Token | Should -Not -BeIn '[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'
            $c.Sequence | Should -BeExactly ('restart the {0} service' -f ($c.Token -replace '^##', ''))
        }
        $scores = @($results[0].Candidates.Score)
        $scores | Should -Be @($scores | Sort-Object -Descending)
        $results[1].Sequence | Should -Not -BeLike '*`[MASK`]*'
    }

    It 'reports a text without [MASK] as a non-terminating FillMaskNoMask error and goes on' {
        $results = @('restart the [MASK] service', 'no mask here', 'read the [MASK]' |
                Invoke-BertFillMask -Model $bare -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 2
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'FillMaskNoMask,BertAdapt.PowerShell.Commands.InvokeBertFillMaskCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failures[0].TargetObject | Should -Be 'no mask here'
    }

    It 'stops at a text without [MASK] with -ErrorAction Stop' {
        $e = Get-TerminatingError { 'no mask here' | Invoke-BertFillMask -Model $bare -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'FillMaskNoMask,*'
    }

    It 'reports a mask past -MaxLength as FillMaskMaskTruncated' {
        $null = 'a b c d e f [MASK]' | Invoke-BertFillMask -Model $bare -MaxLength 8 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'FillMaskMaskTruncated,*'
    }
}

Describe 'Get-BertEmbedding' {
    It 'gives a float vector of the hidden size for every text' {
        $results = @('restart nginx', 'check the disk', '' | Get-BertEmbedding -Model $bare)
        $results.Count | Should -Be 3
        $results[0] | Should -BeOfType ([BertAdapt.Engine.Inference.EmbeddingResult])
        foreach ($r in $results) {
            $r.Vector | Should -HaveCount 64
            $r.Vector | ForEach-Object { $_ | Should -BeOfType ([float]) }
            $r.Dimensions | Should -Be 64
            $r.Pooling | Should -Be 'Mean'
        }
    }

    It 'normalises to unit length with -Normalize and pools [CLS] with -Pooling Cls' {
        $mean = 'restart the nginx service' | Get-BertEmbedding -Model $bare -Normalize
        $length = [math]::Sqrt(($mean.Vector | ForEach-Object { $_ * $_ } | Measure-Object -Sum).Sum)
        $length | Should -BeGreaterThan 0.99999
        $length | Should -BeLessThan 1.00001
        $cls = 'restart the nginx service' | Get-BertEmbedding -Model $bare -Pooling Cls -Normalize
        $cls.Pooling | Should -Be 'Cls'
        $cls.Vector | Should -Not -Be $mean.Vector
    }

    It 'gives the same vectors in any batch size' {
        $texts = 'restart the nginx service on web01', 'stop', 'check the redis logs on cache01 then page oncall'
        $a = $texts | Get-BertEmbedding -Model $bare -BatchSize 3
        $b = $texts | Get-BertEmbedding -Model $bare -BatchSize 1
        for ($i = 0; $i -lt 3; $i++) {
            $worst = 0.0
            for ($d = 0; $d -lt 64; $d++) { $worst = [math]::Max($worst, [math]::Abs($a[$i].Vector[$d] - $b[$i].Vector[$d])) }
            $worst | Should -BeLessThan 1e-5
        }
    }

    It 'writes each full batch before the rest of the input is read' {
        $seen = Measure-Streaming Get-BertEmbedding @{ Model = $bare; BatchSize = 4 } 10
        $seen | Should -Be @(4, 4, 4, 4, 8, 8, 8, 8, 10, 10)
    }

    It 'with -SortWindow sorts by length inside each window but writes the vectors in input order, as without it' {
        # Lengths out of order, an empty line among them, 7 texts: windows of 5 and 2, batches of 2.
        $texts = 'stop', 'restart the nginx service on web01 then check the nginx logs on web01', '', 'check the disk',
            'read the redis logs on cache01 then page oncall', 'reload', 'start the postgres service on db01'
        $plain = @($texts | Get-BertEmbedding -Model $bare -BatchSize 1)
        $sorted = @($texts | Get-BertEmbedding -Model $bare -BatchSize 2 -SortWindow 5)
        $sorted.Text | Should -Be $texts
        $sorted.Index | Should -Be @(0..6)
        for ($i = 0; $i -lt $texts.Count; $i++) {
            $worst = 0.0
            for ($d = 0; $d -lt 64; $d++) { $worst = [math]::Max($worst, [math]::Abs($sorted[$i].Vector[$d] - $plain[$i].Vector[$d])) }
            $worst | Should -BeLessThan 1e-5
        }
    }

    It 'with -SortWindow writes each full window before the rest of the input is read' {
        $seen = Measure-Streaming Get-BertEmbedding @{ Model = $bare; BatchSize = 2; SortWindow = 4 } 10
        $seen | Should -Be @(4, 4, 4, 4, 8, 8, 8, 8, 10, 10)
    }
}

Describe '-Runtime OnnxRuntime' {
    BeforeAll {
        $script:runtimeTexts = 'stop', 'restart the nginx service on web01 then check the nginx logs on web01', '', 'check the disk',
            'read the redis logs on cache01 then page oncall', 'reload', 'start the postgres service on db01'
        function script:Get-MaxDiff([double[]] $A, [double[]] $B) {
            $A.Count | Should -Be $B.Count
            $A.Count | Should -BeGreaterThan 0 -Because 'an empty comparison would pass whatever the runtime gave'
            $worst = 0.0
            for ($i = 0; $i -lt $A.Count; $i++) { $worst = [math]::Max($worst, [math]::Abs($A[$i] - $B[$i])) }
            $worst
        }
    }

    It 'gives the embeddings of the default runtime within 1e-4, in input order' {
        $plain = @($runtimeTexts | Get-BertEmbedding -Model $bare -BatchSize 1)
        $onnx = @($runtimeTexts | Get-BertEmbedding -Model $bare -BatchSize 2 -SortWindow 5 -Runtime OnnxRuntime)
        $onnx.Text | Should -Be $runtimeTexts
        $onnx.Index | Should -Be @(0..6)
        for ($i = 0; $i -lt $runtimeTexts.Count; $i++) { Get-MaxDiff $onnx[$i].Vector $plain[$i].Vector | Should -BeLessThan 1e-4 }
    }

    It 'gives the scores of <Name> within 1e-4' -ForEach @(
        @{ Name = 'a sequence classifier'; Model = { $classifier } }
        @{ Name = 'a multi-label classifier'; Model = { $multi } }
        @{ Name = 'a regressor'; Model = { $regressor } }
    ) {
        $model = & $Model
        $plain = @($runtimeTexts | Invoke-BertClassifier -Model $model)
        $onnx = @($runtimeTexts | Invoke-BertClassifier -Model $model -Runtime OnnxRuntime -BatchSize 3)
        for ($i = 0; $i -lt $runtimeTexts.Count; $i++) {
            $onnx[$i].Label | Should -Be $plain[$i].Label
            if ($null -ne $plain[$i].Value) { [math]::Abs($onnx[$i].Value - $plain[$i].Value) | Should -BeLessThan 1e-4 }
            else { Get-MaxDiff @($onnx[$i].GetScores().Score) @($plain[$i].GetScores().Score) | Should -BeLessThan 1e-4 }
        }
    }

    It 'gives the word tags and the fill-mask candidates of the default runtime' {
        $plain = @($runtimeTexts | Invoke-BertTokenClassifier -Model $tagger)
        $onnx = @($runtimeTexts | Invoke-BertTokenClassifier -Model $tagger -Runtime OnnxRuntime)
        for ($i = 0; $i -lt $runtimeTexts.Count; $i++) {
            @($onnx[$i].Words.Tag) | Should -Be @($plain[$i].Words.Tag)
            if ($plain[$i].Words.Count) { Get-MaxDiff @($onnx[$i].Words.Score) @($plain[$i].Words.Score) | Should -BeLessThan 1e-4 }
        }
        $masked = 'restart the [MASK] service', '[MASK] the disk on [MASK]'
        $plainMask = @($masked | Invoke-BertFillMask -Model $bare -Top 3)
        $onnxMask = @($masked | Invoke-BertFillMask -Model $bare -Top 3 -Runtime OnnxRuntime)
        for ($i = 0; $i -lt $masked.Count; $i++) {
            @($onnxMask[$i].Candidates.Token) | Should -Be @($plainMask[$i].Candidates.Token)
            Get-MaxDiff @($onnxMask[$i].Candidates.Score) @($plainMask[$i].Candidates.Score) | Should -BeLessThan 1e-4
        }
    }

    It 'streams each full batch as the default runtime does' {
        $seen = Measure-Streaming Invoke-BertClassifier @{ Model = $classifier; BatchSize = 3; Runtime = 'OnnxRuntime' } 7
        $seen | Should -Be @(3, 3, 3, 6, 6, 6, 7)
    }

    It 'says in -Verbose what runs the model' {
        $verbose = 'check the disk' | Get-BertEmbedding -Model $bare -Runtime OnnxRuntime -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -Match 'ONNX Runtime'
    }

    It 'refuses an unknown runtime at binding, naming the valid ones' {
        $err = Get-TerminatingError { 'check the disk' | Get-BertEmbedding -Model $bare -Runtime Bogus }
        $err.FullyQualifiedErrorId | Should -BeLike 'CannotConvertArgumentNoMessage,*'
        $err.Exception.Message | Should -Match 'LibTorch.*OnnxRuntime'
    }
}

Describe 'Objects from the pipeline' {
    BeforeAll {
        $script:tickets = Join-Path $TestDrive 'tickets.csv'
        @(
            [pscustomobject]@{ id = 'T-1'; summary = 'restart the nginx service on web01'; team = 'ops' }
            [pscustomobject]@{ id = 'T-2'; summary = 'check the disk on db01'; team = 'storage' }
            [pscustomobject]@{ id = 'T-3'; summary = 'read the logs then page oncall'; team = 'ops' }
        ) | Export-Csv $tickets -NoTypeInformation
        $script:summaries = @((Import-Csv $tickets).summary)
    }

    It 'classifies the -TextProperty of Import-Csv rows and carries the -IdProperty and the position' {
        $results = @(Import-Csv $tickets | Invoke-BertClassifier -Model $classifier -TextProperty summary -IdProperty id)
        $results.Count | Should -Be 3
        $results.Text | Should -Be $summaries
        $results.Id | Should -Be @('T-1', 'T-2', 'T-3')
        $results.Index | Should -Be @(0, 1, 2)
        # The model saw the summary itself, not the row's string form @{id=...; summary=...}.
        $plain = @($summaries | Invoke-BertClassifier -Model $classifier)
        for ($i = 0; $i -lt 3; $i++) { $results[$i].Score_pos | Should -Be $plain[$i].Score_pos }
    }

    It 'reports a row with no text as a non-terminating InputPropertyNotFound error, not as its string form, and goes on' {
        $items = @(
            [pscustomobject]@{ summary = 'restart nginx'; team = 'ops' }
            'check the disk'
            [pscustomobject]@{ Text = 'read the logs'; team = 'ops' }
        )
        $results = @($items | Invoke-BertClassifier -Model $classifier -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Text | Should -Be @('check the disk', 'read the logs')
        $results.Index | Should -Be @(1, 2)
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -Be 'InputPropertyNotFound,BertAdapt.PowerShell.Commands.InvokeBertClassifierCommand'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $failures[0].TargetObject.summary | Should -Be 'restart nginx'
        $failures[0].Exception.Message | Should -BeLike "*no 'Text' property*-TextProperty*summary, team*"
    }

    It 'stops at a row with no text with -ErrorAction Stop' {
        $e = Get-TerminatingError { [pscustomobject]@{ summary = 'restart nginx' } | Invoke-BertClassifier -Model $classifier -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'InputPropertyNotFound,*'
    }

    It 'takes -TextProperty and -IdProperty in <Command>, and reports a row without the property' -ForEach @(
        @{ Command = 'Invoke-BertClassifier'; Model = 'classifier'; Text = 'restart nginx' }
        @{ Command = 'Invoke-BertTokenClassifier'; Model = 'tagger'; Text = 'restart nginx on web01' }
        @{ Command = 'Invoke-BertFillMask'; Model = 'bare'; Text = 'restart the [MASK] service' }
        @{ Command = 'Get-BertEmbedding'; Model = 'bare'; Text = 'restart nginx' }
    ) {
        $m = Get-Variable -Scope Script -Name $Model -ValueOnly
        $rows = [pscustomobject]@{ key = 7; body = $Text }, [pscustomobject]@{ key = 8; other = $Text }
        $results = @($rows | & $Command -Model $m -TextProperty body -IdProperty key -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 1
        $results[0].Text | Should -Be $Text
        $results[0].Id | Should -Be 7
        $results[0].Index | Should -Be 0
        @($failures).Count | Should -Be 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InputPropertyNotFound,*'
        $failures[0].Exception.Message | Should -BeLike "*'body'*"
    }

    It 'reports a text property that holds a list or null as InputNotText' {
        $rows = [pscustomobject]@{ Text = @('a', 'b') }, [pscustomobject]@{ Text = $null }, [pscustomobject]@{ Text = 42 }
        $results = @($rows | Invoke-BertClassifier -Model $classifier -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Text | Should -Be @('42')
        @($failures).Count | Should -Be 2
        $failures | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'InputNotText,*' }
        $failures[0].Exception.Message | Should -BeLike '*System.Object`[`]*'
    }

    It 'refuses a file from Get-ChildItem instead of classifying its name' {
        $file = Get-Item $tickets
        $results = @($file | Invoke-BertClassifier -Model $classifier -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 0
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InputPropertyNotFound,*'
    }

    It 'reports a row without its -IdProperty and goes on' {
        $rows = [pscustomobject]@{ Text = 'restart nginx'; id = 1 }, [pscustomobject]@{ Text = 'stop nginx' }, [pscustomobject]@{ Text = 'check'; id = 3 }
        $results = @($rows | Get-BertEmbedding -Model $bare -IdProperty id -ErrorVariable failures -ErrorAction SilentlyContinue)
        $results.Id | Should -Be @(1, 3)
        $results.Index | Should -Be @(0, 2)
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InputPropertyNotFound,*'
        $failures[0].Exception.Message | Should -BeLike "*'id'*-IdProperty*"
    }

    It 'reads the second text from -TextPairProperty' {
        $rows = [pscustomobject]@{ premise = 'restart nginx'; hypothesis = 'on web01' }, [pscustomobject]@{ premise = 'check the disk'; hypothesis = 'on db01' }
        $results = @($rows | Invoke-BertClassifier -Model $classifier -TextProperty premise -TextPairProperty hypothesis)
        $results.TextPair | Should -Be @('on web01', 'on db01')
        $direct = Invoke-BertClassifier -Model $classifier -Text 'restart nginx' -TextPair 'on web01'
        $results[0].Score_pos | Should -Be $direct.Score_pos
        $e = Get-TerminatingError { [pscustomobject]@{ premise = 'x' } | Invoke-BertClassifier -Model $classifier -TextProperty premise -TextPairProperty hypothesis -ErrorAction Stop }
        $e.FullyQualifiedErrorId | Should -BeLike 'InputPropertyNotFound,*'
    }

    It 'takes the line numbers of Get-Content as ids' {
        $lines = Join-Path $TestDrive 'lines.txt'
        Set-Content -LiteralPath $lines -Value 'restart nginx', 'check the disk', 'stop redis'
        $results = @(Get-Content -LiteralPath $lines | Invoke-BertClassifier -Model $classifier -IdProperty ReadCount)
        $results.Id | Should -Be @(1, 2, 3)
        $results.Text | Should -Be @('restart nginx', 'check the disk', 'stop redis')
    }

    It 'carries Index and Id on the rows of -Expand' {
        $rows = [pscustomobject]@{ n = 'a'; Text = 'restart the [MASK] service' }, [pscustomobject]@{ n = 'b'; Text = 'check [MASK]' }
        $candidates = @($rows | Invoke-BertFillMask -Model $bare -Top 2 -IdProperty n -Expand Candidates)
        $candidates.Id | Should -Be @('a', 'a', 'b', 'b')
        $candidates[0] | Should -BeOfType ([BertAdapt.Engine.Inference.FillMaskCandidate])
        $words = @($rows[0] | Invoke-BertTokenClassifier -Model $tagger -IdProperty n -Expand Words)
        $words.Word | Should -Be @('restart', 'the', '[MASK]', 'service')
        $words.Id | Should -Be @('a', 'a', 'a', 'a')
    }
}

Describe 'Help and format views of the inference cmdlets' {
    It 'Get-Help shows examples for <_>' -ForEach 'Invoke-BertClassifier', 'Invoke-BertTokenClassifier', 'Invoke-BertFillMask', 'Get-BertEmbedding' {
        $help = Get-Help $_ -Examples
        @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        "$(@($help.examples.example)[0].code)" | Should -Match $_
    }

    It 'shows results as tables' {
        ('restart nginx' | Invoke-BertClassifier -Model $classifier | Out-String) | Should -Match 'Label\s+Score\s+Value\s+Text'
        $tagged = 'restart nginx on web01' | Invoke-BertTokenClassifier -Model $tagger
        ($tagged | Out-String) | Should -Match 'Entities\s+Text'
        ($tagged.Words | Out-String) | Should -Match 'Word\s+Tag\s+Score\s+Start\s+End'
        $filled = 'restart the [MASK] service' | Invoke-BertFillMask -Model $bare -Top 2
        ($filled | Out-String) | Should -Match 'Candidates\s+Sequence'
        ($filled.Candidates | Out-String) | Should -Match 'Mask\s+Rank\s+Token\s+Score\s+Sequence'
        ('restart nginx' | Get-BertEmbedding -Model $bare | Out-String) | Should -Match 'Dimensions\s+Vector\s+Text'
    }
}
