using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Tests.Corpora;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.FineTuning;

public sealed class FineTuneExamplesTests : IDisposable
{
    const int Ignored = FineTuneExample.IgnoredLabel;

    readonly CorpusScratch scratch = new();
    readonly BertVocabulary vocabulary = TinyFixtures.Vocabulary();

    public void Dispose() => scratch.Dispose();

    /// <summary>Ids of space-separated vocabulary tokens, looked up one by one.</summary>
    int[] Ids(string tokens) => [.. tokens.Split(' ').Select(t => vocabulary.IdOf(t) ?? throw new ArgumentException($"'{t}' is not in the tiny vocabulary"))];

    static LabeledRow Row(string text, string? pair = null, string? label = "pos") => new(text, pair, label, "test:1");

    [Fact]
    public void APairIsCutLongestFirst()
    {
        // 8 + 2 tokens into 10 − 3 = 7: A alone is longer each time, so A loses three.
        var map = LabelMap.Sorted(["neg", "pos"]);
        var options = new FineTuneEncodingOptions { MaxLength = 10 };
        var set = FineTuneExamples.FromRows([Row("restart the nginx service on web01 then read", "stop redis")], FineTuneTask.SequenceClassification, map, vocabulary, options);
        var example = set.Get(0);
        Assert.Equal(Ids("[CLS] restart the nginx service on [SEP] stop redis [SEP]"), example.TokenIds);
        Assert.Equal([0, 0, 0, 0, 0, 0, 0, 1, 1, 1], example.TokenTypeIds);
        Assert.Equal(1, example.ClassLabel);
        Assert.Null(example.Targets);
        Assert.Equal(1, set.Truncated);

        // 5 + 5 into 7: equal, so B loses one (5, 4); then A is longer (4, 4); equal again (4, 3).
        var even = FineTuneExamples.FromRows([Row("a b c d e", "f g h i j")], FineTuneTask.SequenceClassification, map, vocabulary, options).Get(0);
        Assert.Equal(Ids("[CLS] a b c d [SEP] f g h [SEP]"), even.TokenIds);
        Assert.Equal([0, 0, 0, 0, 0, 0, 1, 1, 1, 1], even.TokenTypeIds);
    }

    [Fact]
    public void ASingleTextIsCutFromItsEndAndAShortOneIsLeftWhole()
    {
        var map = LabelMap.Sorted(["neg", "pos"]);
        var set = FineTuneExamples.FromRows([Row("a b c d e f g h"), Row("disk full", label: "neg")], FineTuneTask.SequenceClassification, map, vocabulary, new FineTuneEncodingOptions { MaxLength = 8 });
        Assert.Equal(Ids("[CLS] a b c d e f [SEP]"), set.Get(0).TokenIds);
        Assert.Equal(Ids("[CLS] disk full [SEP]"), set.Get(1).TokenIds);
        Assert.Equal(new int[4], set.Get(1).TokenTypeIds);
        Assert.Equal((1, 0), (set.Get(0).ClassLabel, set.Get(1).ClassLabel));
        Assert.Equal(1, set.Truncated);
        Assert.Equal([1L, 1L], set.LabelCounts);
    }

    [Fact]
    public void MultiLabelRowsAreMultiHotAndRegressionRowsCarryTheirValue()
    {
        var map = LabelMap.Sorted(["alert", "disk", "net"]);
        LabeledRow[] rows = [Row("disk full") with { Labels = ["net", "alert"] }, Row("clean tmp") with { Labels = [] }];
        var multi = FineTuneExamples.FromRows(rows, FineTuneTask.MultiLabelClassification, map, vocabulary);
        Assert.Equal([1f, 0f, 1f], multi.Get(0).Targets!);
        Assert.Equal([0f, 0f, 0f], multi.Get(1).Targets!);
        Assert.Equal(-1, multi.Get(0).ClassLabel);
        Assert.Equal([1L, 0L, 1L], multi.LabelCounts);

        var regression = FineTuneExamples.FromRows([Row("disk full", label: "0.75") with { Value = 0.75 }, Row("clean tmp", label: "-2")], FineTuneTask.Regression, null, vocabulary);
        Assert.Equal([0.75f], regression.Get(0).Targets!);
        Assert.Equal([-2f], regression.Get(1).Targets!);
        Assert.Null(regression.Labels);
        Assert.Null(regression.LabelCounts);
    }

    [Fact]
    public void AnEvaluationLabelMissingFromTheTrainingMapIsAnErrorOrSkipped()
    {
        var train = scratch.Write("train.csv", "text,label\ndisk full,neg\nclean tmp,pos\n");
        var eval = scratch.Write("eval.jsonl", "{\"text\":\"disk full\",\"label\":\"neg\"}\n{\"text\":\"read logs\",\"label\":\"maybe\"}\n");
        var map = LabelMap.FromTraining(LabeledRows.Read(train, FineTuneTask.SequenceClassification).Items, FineTuneTask.SequenceClassification);
        var rows = LabeledRows.Read(eval, FineTuneTask.SequenceClassification).Items;

        var ex = Assert.Throws<BertAdaptException>(() => FineTuneExamples.FromRows(rows, FineTuneTask.SequenceClassification, map, vocabulary));
        Assert.Equal(("FineTuneLabelUnknown", BertAdaptErrorKind.InvalidData), (ex.ErrorId, ex.Kind));
        Assert.Equal($"Invalid row at {eval}:2: the label 'maybe' is not one of the 2 labels ('neg', 'pos').", ex.Message);

        var skipped = FineTuneExamples.FromRows(rows, FineTuneTask.SequenceClassification, map, vocabulary, new FineTuneEncodingOptions { SkipInvalidRows = true });
        Assert.Equal(1, skipped.Count);
        Assert.Equal($"{eval}:1", skipped.SourceOf(0));
        Assert.Equal(1, skipped.Skipped.Count);
        Assert.Equal([1L, 0L], skipped.LabelCounts);
    }

    [Fact]
    public void TrainingLabelsMustBeWithinAnImportedMap()
    {
        var map = LabelMap.FromId2Label(new Dictionary<string, string> { ["0"] = "NEGATIVE", ["1"] = "POSITIVE" }, "'model/config.json'");
        var ex = Assert.Throws<BertAdaptException>(() =>
            FineTuneExamples.FromRows([Row("disk full", label: "POSITIVE"), Row("clean tmp", label: "neg")], FineTuneTask.SequenceClassification, map, vocabulary));
        Assert.Equal("FineTuneLabelUnknown", ex.ErrorId);
        Assert.Contains("'neg'", ex.Message);
    }

    // Words [restart, web03, now, .] → pieces restart | w ##e ##b ##0 ##3 | n ##o ##w | . (the
    // tiny vocabulary has single letters and digits, so "web03" and "now" split by hand that way).
    // Tags sort B-HOST (0), I-HOST (1), O (2).
    static readonly TaggedSentence Sentence = new(["restart", "web03", "now", "."], ["O", "B-HOST", "O", "O"], "train.conll:3");
    static readonly LabelMap Tags = LabelMap.Sorted(["O", "B-HOST", "I-HOST"]);

    [Fact]
    public void TokenLabelsGoOnTheFirstSubTokenOfEachWord()
    {
        var set = FineTuneExamples.FromSentences([Sentence], Tags, vocabulary);
        var example = set.Get(0);
        Assert.Equal(Ids("[CLS] restart w ##e ##b ##0 ##3 n ##o ##w . [SEP]"), example.TokenIds);
        Assert.Equal([Ignored, 2, 0, Ignored, Ignored, Ignored, Ignored, 2, Ignored, Ignored, 2, Ignored], example.TokenLabels!);
        Assert.Equal([-1, 0, 1, 1, 1, 1, 1, 2, 2, 2, 3, -1], example.WordIds!);
        Assert.Equal(new int[12], example.TokenTypeIds);
        Assert.Equal(-1, example.ClassLabel);
        Assert.Equal(0, set.Truncated);
        Assert.Equal([1L, 0L, 3L], set.LabelCounts);
        Assert.Equal("train.conll:3", set.SourceOf(0));
    }

    [Fact]
    public void LabellingAllSubTokensContinuesABeginningTagAsInside()
    {
        var set = FineTuneExamples.FromSentences([Sentence], Tags, vocabulary, new FineTuneEncodingOptions { LabelAllSubTokens = true });
        Assert.Equal([Ignored, 2, 0, 1, 1, 1, 1, 2, 2, 2, 2, Ignored], set.Get(0).TokenLabels!);
        Assert.Equal([1L, 4L, 5L], set.LabelCounts); // B-HOST once; I-HOST on web03's four continuations; O on restart, n ##o ##w and .
    }

    [Fact]
    public void SentencesAreCutAtMaxLengthEvenInsideAWordAndCounted()
    {
        var set = FineTuneExamples.FromSentences([Sentence, new(["now"], ["O"], "train.conll:9")], Tags, vocabulary, new FineTuneEncodingOptions { MaxLength = 8 });
        var cut = set.Get(0);
        Assert.Equal(Ids("[CLS] restart w ##e ##b ##0 ##3 [SEP]"), cut.TokenIds);
        Assert.Equal([Ignored, 2, 0, Ignored, Ignored, Ignored, Ignored, Ignored], cut.TokenLabels!);
        Assert.Equal([-1, 0, 1, 1, 1, 1, 1, -1], cut.WordIds!);
        Assert.Equal(1, set.Truncated);
        Assert.Equal(2, set.Count);
        Assert.Equal([1L, 0L, 2L], set.LabelCounts);
    }

    [Fact]
    public void AWordWithoutWordPiecesBecomesUnknownSoTagsStayAligned()
    {
        Assert.Empty(vocabulary.Encode("\u0007")); // a control character: BERT's cleaning drops it
        var set = FineTuneExamples.FromSentences([new(["\u0007", "now"], ["B-HOST", "O"], "f:1")], Tags, vocabulary);
        Assert.Equal(Ids("[CLS] [UNK] n ##o ##w [SEP]"), set.Get(0).TokenIds);
        Assert.Equal([Ignored, 0, 2, Ignored, Ignored, Ignored], set.Get(0).TokenLabels!);
        Assert.Equal([-1, 0, 1, 1, 1, -1], set.Get(0).WordIds!);
    }

    [Fact]
    public void AnUnknownTagIsAnErrorNamingTheSentence()
    {
        var sentence = new TaggedSentence(["Peter"], ["B-PER"], "dev.conll:14");
        var ex = Assert.Throws<BertAdaptException>(() => FineTuneExamples.FromSentences([sentence], Tags, vocabulary));
        Assert.Equal("FineTuneLabelUnknown", ex.ErrorId);
        Assert.Contains("dev.conll:14: the label 'B-PER' is not one of the 3 labels", ex.Message);
        var skipped = FineTuneExamples.FromSentences([sentence, Sentence], Tags, vocabulary, new FineTuneEncodingOptions { SkipInvalidRows = true });
        Assert.Equal((1, 1), ((int)skipped.Count, skipped.Skipped.Count));
    }

    [Fact]
    public void MaxLengthFollowsTheEngineRule()
    {
        var ex = Assert.Throws<BertAdaptException>(() => FineTuneExamples.FromSentences([Sentence], Tags, vocabulary, new FineTuneEncodingOptions { MaxLength = 7 }));
        Assert.Equal("SequenceLengthTooShort", ex.ErrorId);
    }
}
