using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Tests.Corpora;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.FineTuning;

public sealed class FineTuneDataSetTests : IDisposable
{
    const int Ignored = FineTuneExample.IgnoredLabel;
    const string Sentiment = "text,label\ndisk full,neg\nclean tmp,pos\nrestart the nginx service,neg\n";

    readonly CorpusScratch scratch = new();
    readonly BertVocabulary vocabulary = TinyFixtures.Vocabulary();
    readonly List<string> warnings = [];
    readonly List<string> infos = [];

    public void Dispose() => scratch.Dispose();

    FineTuneDataSet Open(IReadOnlyList<string>? files, FineTuneDataOptions options, FineTuneHead? head = null,
        IEnumerable<IReadOnlyDictionary<string, object?>?>? rows = null) =>
        FineTuneDataSet.Open(files, rows, vocabulary, head, options, warnings.Add, infos.Add);

    static FineTuneDataOptions Options(FineTuneTask task = FineTuneTask.SequenceClassification) => new() { Task = task };

    static Dictionary<string, object?> Row(string text, object? label) => new() { ["text"] = text, ["label"] = label };

    static FineTuneHead Head(FineTuneTask task, params string[] labels) =>
        new(task, labels.Select((l, i) => (l, i)).ToDictionary(p => p.i.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.l), "'model'");

    [Fact]
    public void RowsAndFilesGiveTheSameExamples()
    {
        var csv = scratch.Write("train.csv", Sentiment);
        var fromFile = Open([csv], Options());
        var fromRows = Open(null, Options(), rows: [Row("disk full", "neg"), Row("clean tmp", "pos"), Row("restart the nginx service", "neg")]);

        foreach (var data in new[] { fromFile, fromRows })
        {
            Assert.Equal(3, data.Train.Count);
            Assert.Equal(["neg", "pos"], data.Labels!.Labels);
            Assert.Equal([0, 1, 0], Enumerable.Range(0, 3).Select(i => data.Train.Get(i).ClassLabel));
            Assert.Null(data.Validation);
            Assert.Equal(0, data.Skipped.Count);
            Assert.Null(data.ClassWeights);
            Assert.True(data.NeedsNewHead);
        }
        for (int i = 0; i < 3; i++) Assert.Equal(fromFile.Train.Get(i), fromRows.Train.Get(i), ExampleComparer.Instance);
        Assert.Equal(vocabulary.Encode("disk full").Prepend(vocabulary.ClsId).Append(vocabulary.SepId), fromRows.Train.Get(0).TokenIds);
        Assert.Equal(($"{csv}:3", "input object 2"), (fromFile.Train.SourceOf(1), fromRows.Train.SourceOf(1)));
        Assert.Empty(warnings);
    }

    [Fact]
    public void TheHeadsLabelMapIsKeptWhenTheModelHasAHeadForTheTask()
    {
        var csv = scratch.Write("train.csv", Sentiment);
        var kept = Open([csv], Options(), Head(FineTuneTask.SequenceClassification, "pos", "neg"));
        Assert.Equal(["pos", "neg"], kept.Labels!.Labels);
        Assert.True(kept.LabelsFromHead);
        Assert.False(kept.NeedsNewHead);
        Assert.Equal([1, 0, 1], Enumerable.Range(0, 3).Select(i => kept.Train.Get(i).ClassLabel));
        Assert.Equal([1L, 2L], kept.Train.LabelCounts);

        // A head for another task, or none: the training data's sorted labels, and a new head.
        foreach (var head in new[] { Head(FineTuneTask.MultiLabelClassification, "pos", "neg"), null })
        {
            var fresh = Open([csv], Options(), head);
            Assert.Equal(["neg", "pos"], fresh.Labels!.Labels);
            Assert.False(fresh.LabelsFromHead);
            Assert.True(fresh.NeedsNewHead);
        }

        // Regression has no label map: a regression head stays, any other head is replaced.
        var values = scratch.Write("values.csv", "text,label\ndisk full,0.5\nclean tmp,-2\n");
        var regression = Open([values], Options(FineTuneTask.Regression), new FineTuneHead(FineTuneTask.Regression, null, "'model'"));
        Assert.Null(regression.Labels);
        Assert.False(regression.LabelsFromHead);
        Assert.False(regression.NeedsNewHead);
        Assert.Equal([-2f], regression.Train.Get(1).Targets!);
        Assert.True(Open([values], Options(FineTuneTask.Regression), Head(FineTuneTask.SequenceClassification, "a", "b")).NeedsNewHead);
    }

    [Fact]
    public void ALabelTheHeadLacksOrABrokenHeadMapIsAnError()
    {
        var csv = scratch.Write("train.csv", Sentiment);
        var unknown = Assert.Throws<BertAdaptException>(() => Open([csv], Options(), Head(FineTuneTask.SequenceClassification, "neg", "other")));
        Assert.Equal("FineTuneLabelUnknown", unknown.ErrorId);
        Assert.Contains($"{csv}:3", unknown.Message);

        var broken = new FineTuneHead(FineTuneTask.SequenceClassification, new Dictionary<string, string> { ["1"] = "neg" }, "'model/config.json'");
        var invalid = Assert.Throws<BertAdaptException>(() => Open([csv], Options(), broken));
        Assert.Equal("FineTuneLabelMapInvalid", invalid.ErrorId);
        Assert.Contains("'model/config.json'", invalid.Message);
    }

    [Fact]
    public void ValidationFilesAreEncodedWithTheTrainingLabelMap()
    {
        var csv = scratch.Write("train.csv", Sentiment);
        var eval = scratch.Write("eval.jsonl", "{\"text\":\"read logs\",\"label\":\"pos\"}\n{\"text\":\"disk full\",\"label\":\"neg\"}\n");
        var data = Open([csv], Options() with { ValidationFiles = [eval] }, Head(FineTuneTask.SequenceClassification, "pos", "neg"));
        Assert.Equal(2, data.Validation!.Count);
        Assert.Same(data.Labels, data.Validation.Labels);
        Assert.Equal((0, 1), (data.Validation.Get(0).ClassLabel, data.Validation.Get(1).ClassLabel));
        Assert.Equal($"{eval}:1", data.Validation.SourceOf(0));
        Assert.Equal(3, data.Train.Count);

        // An empty list is an empty validation set, not none.
        Assert.Equal(0, Open([csv], Options() with { ValidationFiles = [] }).Validation!.Count);

        var odd = scratch.Write("odd.csv", "text,label\nread logs,maybe\n");
        Assert.Equal("FineTuneLabelUnknown", Assert.Throws<BertAdaptException>(() => Open([csv], Options() with { ValidationFiles = [odd] })).ErrorId);
    }

    [Fact]
    public void SkippedRowsOfEveryStepAreCountedInOrderAndWarnedOnce()
    {
        var csv = scratch.Write("train.csv", "text,label\ndisk full,neg\n ,pos\nclean tmp,pos\n");
        var eval = scratch.Write("eval.csv", "text,label\nread logs,maybe\n,neg\ndisk full,neg\n");
        var options = Options() with
        {
            ValidationFiles = [eval],
            ReadOptions = new FineTuneReadOptions { SkipInvalidRows = true },
            Encoding = new FineTuneEncodingOptions { SkipInvalidRows = true },
        };
        var data = Open([csv], options);
        Assert.Equal(2, data.Train.Count);
        Assert.Equal(1, data.Validation!.Count);
        Assert.Equal(3, data.Skipped.Count);
        // Reading the training file, reading the validation file, then encoding (the label "maybe" is not in the map).
        Assert.Equal([$"{csv}:3 'text' is empty", $"{eval}:3 'text' is empty", $"{eval}:2 the label 'maybe' is not one of the 2 labels ('neg', 'pos')"],
            data.Skipped.FirstReasons);
        var warning = Assert.Single(warnings);
        Assert.Equal($"-SkipInvalidRows {data.Skipped}", warning);
        Assert.StartsWith("-SkipInvalidRows skipped 3 rows: ", warning);
        Assert.Equal(warnings, data.Warnings);
    }

    [Fact]
    public void NoTrainingRowIsFineTuneDataEmptyAfterTheSkippedRowsWarning()
    {
        var options = Options(FineTuneTask.Regression) with { ReadOptions = new FineTuneReadOptions { SkipInvalidRows = true } };
        var ex = Assert.Throws<BertAdaptException>(() => Open(null, options, rows: [Row("disk full", "abc"), Row("clean tmp", "")]));
        Assert.Equal("FineTuneDataEmpty", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Equal("There are no training rows.", ex.Message);
        Assert.StartsWith("-SkipInvalidRows skipped 2 rows: input object 1 'label' is \"abc\", not a finite number; input object 2", Assert.Single(warnings));

        // With the head's label map there are classes, but still no rows.
        var header = scratch.Write("header.csv", "text,label\n");
        Assert.Equal("FineTuneDataEmpty", Assert.Throws<BertAdaptException>(() => Open([header], Options(), Head(FineTuneTask.SequenceClassification, "neg", "pos"))).ErrorId);
    }

    [Fact]
    public void TokenClassificationReadsTaggedFilesButNotRows()
    {
        var train = scratch.Write("train.conll", "disk B-X\nfull I-X\n\nclean O\ntmp O\n");
        var eval = scratch.Write("eval.conll", "full I-X\n");
        var data = Open([train], Options(FineTuneTask.TokenClassification) with { ValidationFiles = [eval], AutoClassWeights = true });
        Assert.Equal(["B-X", "I-X", "O"], data.Labels!.Labels);
        Assert.Equal([Ignored, 0, 1, Ignored], data.Train.Get(0).TokenLabels!);
        Assert.Equal([Ignored, 1, Ignored], data.Validation!.Get(0).TokenLabels!);
        Assert.Equal([1L, 1L, 2L], data.Train.LabelCounts);
        Assert.Equal([4f / 3f, 4f / 3f, 2f / 3f], data.ClassWeights!);
        Assert.Empty(warnings);

        var ex = Assert.Throws<BertAdaptException>(() => Open(null, Options(FineTuneTask.TokenClassification), rows: [Row("disk full", "B-X")]));
        Assert.Equal("FineTuneFormatUnsupported", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal("Token classification reads CoNLL-style files; give them with -TrainingData.", ex.Message);
    }

    [Fact]
    public void AutomaticClassWeightsAreForSingleLabelAndTokenClassificationOnly()
    {
        var csv = scratch.Write("train.csv", Sentiment + "read logs,neg\n");
        // 4 rows, 2 classes: 4/(2·3) for "neg", 4/(2·1) for "pos".
        Assert.Equal([2f / 3f, 2f], Open([csv], Options() with { AutoClassWeights = true }).ClassWeights!);
        Assert.Null(Open([csv], Options()).ClassWeights);
        Assert.Empty(warnings);

        var multi = scratch.Write("multi.csv", "text,label\ndisk full,disk|alert\nclean tmp,\n");
        var values = scratch.Write("values.csv", "text,label\ndisk full,0.5\nclean tmp,-2\n");
        foreach (var (file, task) in new[] { (multi, FineTuneTask.MultiLabelClassification), (values, FineTuneTask.Regression) })
        {
            warnings.Clear();
            var data = Open([file], Options(task) with { AutoClassWeights = true });
            Assert.Null(data.ClassWeights);
            Assert.Equal([$"-ClassWeights weighs the classes of single-label and token classification; it has no effect on {task}."], warnings);
            Assert.Equal(warnings, data.Warnings);
            warnings.Clear();
            Assert.Empty(Open([file], Options(task)).Warnings);
            Assert.Empty(warnings);
        }
    }

    [Fact]
    public void TruncatedTrainingExamplesAreCountedAndReported()
    {
        var csv = scratch.Write("train.csv", "text,label\na b c d e f g h,neg\ndisk full,pos\n");
        var data = Open([csv], Options() with { Encoding = new FineTuneEncodingOptions { MaxLength = 8 } });
        Assert.Equal(1, data.Truncated);
        Assert.Equal(8, data.Train.Get(0).Length);
        Assert.Equal(["1 training example(s) were cut to 8 tokens."], infos);
        Assert.Empty(warnings);

        infos.Clear();
        Assert.Equal(0, Open([csv], Options()).Truncated);
        Assert.Empty(infos);
    }

    [Fact]
    public void TheTrainingDataIsFilesOrRowsNotBothNorNeither()
    {
        var csv = scratch.Write("train.csv", Sentiment);
        Assert.Throws<ArgumentException>(() => Open([csv], Options(), rows: [Row("disk full", "neg")]));
        Assert.Throws<ArgumentException>(() => Open(null, Options()));
    }

    [Fact]
    public void AStoppedOpenReadsNothing()
    {
        var csv = scratch.Write("train.csv", Sentiment);
        using var stop = new CancellationTokenSource();
        stop.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => FineTuneDataSet.Open([csv], null, vocabulary, null, Options(), cancellation: stop.Token));
    }

    /// <summary>Examples by their contents (records compare arrays by reference).</summary>
    sealed class ExampleComparer : IEqualityComparer<FineTuneExample>
    {
        public static readonly ExampleComparer Instance = new();

        public bool Equals(FineTuneExample? x, FineTuneExample? y) => x is not null && y is not null
            && x.TokenIds.SequenceEqual(y.TokenIds) && x.TokenTypeIds.SequenceEqual(y.TokenTypeIds) && x.ClassLabel == y.ClassLabel
            && (x.Targets ?? []).SequenceEqual(y.Targets ?? []) && (x.TokenLabels ?? []).SequenceEqual(y.TokenLabels ?? []);

        public int GetHashCode(FineTuneExample obj) => obj.TokenIds.Length;
    }

    [Fact]
    public void AValidationSplitHoldsOutTheSameRowsEveryRun_AndNoneTwice()
    {
        var lines = Enumerable.Range(0, 200).Select(i => $"restart the nginx service {i},{(i % 3 == 0 ? "pos" : "neg")}");
        var csv = scratch.Write("many.csv", "text,label\n" + string.Join("\n", lines) + "\n");
        var options = Options() with { ValidationSplit = 0.2, Seed = 7 };
        var split = Open([csv], options);
        var again = Open([csv], options);
        var otherSeed = Open([csv], options with { Seed = 8 });

        Assert.NotNull(split.Validation);
        Assert.Equal(200, split.Train.Count + split.Validation!.Count);
        Assert.InRange(split.Validation.Count, 20, 60);
        string[] Sources(FineTuneExamples examples) => Enumerable.Range(0, (int)examples.Count).Select(i => examples.SourceOf(i)).ToArray();
        Assert.Empty(Sources(split.Train).Intersect(Sources(split.Validation)));
        Assert.Equal(Sources(split.Validation), Sources(again.Validation!));
        Assert.NotEqual(Sources(split.Validation), Sources(otherSeed.Validation!));
        Assert.Equal(["neg", "pos"], split.Labels!.Labels);
    }

    [Fact]
    public void AValidationSplitWithValidationFiles_OrOfNothing_IsAnError()
    {
        var csv = scratch.Write("train.csv", Sentiment);
        var both = Assert.Throws<BertAdaptException>(() => Open([csv], Options() with { ValidationSplit = 0.2, ValidationFiles = [csv] }));
        Assert.Equal("TrainingOptionInvalid", both.ErrorId);
        var none = Assert.Throws<BertAdaptException>(() => Open([csv], Options() with { ValidationSplit = 0.001, Seed = 1 }));
        Assert.Equal("FineTuneDataEmpty", none.ErrorId);
        Assert.Contains("holds out none", none.Message);
    }
}
