using BertAdapt.Engine.Evaluation;
namespace BertAdapt.Engine.Tests.Evaluation;

public sealed class MultiLabelMetricsTests
{
    public static TheoryData<string> ReferenceCases => new(MetricsReference.Load().Multilabel.Select(c => c.Name));

    static bool[][] Bools(int[][] rows) => rows.Select(r => r.Select(v => v != 0).ToArray()).ToArray();

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void MatchesScikitLearn(string name)
    {
        var c = MetricsReference.Load().Multilabel.Single(x => x.Name == name);
        var report = MultiLabelMetrics.Evaluate(Bools(c.Gold), Bools(c.Predicted));

        int labels = c.Gold[0].Length;
        Assert.Equal(c.Gold.Length, report.Count);
        Assert.Equal(labels, report.LabelCount);
        Close.Equal(c.SubsetAccuracy, report.SubsetAccuracy, "subset accuracy");
        Close.Equal(c.HammingLoss, report.HammingLoss, "Hamming loss");
        Close.Equal(c.MicroPrecision, report.MicroPrecision, "micro precision");
        Close.Equal(c.MicroRecall, report.MicroRecall, "micro recall");
        Close.Equal(c.MicroF1, report.MicroF1, "micro F1");
        Close.Equal(c.MacroF1, report.MacroF1, "macro F1");
        // sklearn's default macro averages every column; ours leaves out columns set nowhere,
        // whose F1 is 0 in both, so the sums of F1 agree.
        Close.Equal(c.MacroF1AllColumns * labels, report.MacroF1 * c.PresentLabels, "sum of per-label F1");
        for (int j = 0; j < labels; j++)
        {
            var m = report.PerLabel[j];
            Close.Equal(c.Precision[j], m.Precision, $"precision of label {j}");
            Close.Equal(c.Recall[j], m.Recall, $"recall of label {j}");
            Close.Equal(c.F1[j], m.F1, $"F1 of label {j}");
            Assert.Equal(c.Support[j], m.Support);
        }
    }

    [Fact]
    public void ReferenceCasesCoverColumnsSetNowhere()
    {
        var cases = MetricsReference.Load().Multilabel;
        Assert.Contains(cases, c => c.PresentLabels < c.Gold[0].Length && c.MacroF1 != c.MacroF1AllColumns);
    }

    [Fact]
    public void HandWorkedExample()
    {
        bool[][] gold =
        [
            [true, false, true],
            [false, true, false],
            [true, true, false],
            [false, false, true],
        ];
        bool[][] predicted =
        [
            [true, false, false],
            [false, true, true],
            [true, false, false],
            [false, false, true],
        ];
        // label a: gold rows 0,2; predicted rows 0,2 -> tp 2, P 1, R 1, F1 1
        // label b: gold rows 1,2; predicted row 1     -> tp 1, P 1, R 1/2, F1 2/3
        // label c: gold rows 0,3; predicted rows 1,3  -> tp 1, P 1/2, R 1/2, F1 1/2
        // micro: tp 4, predicted 5, gold 6 -> P 4/5, R 2/3, F1 2*4/(5+6) = 8/11
        // macro: (1 + 2/3 + 1/2) / 3 = 13/18
        // subset accuracy: only row 3 matches exactly -> 1/4
        // Hamming loss: cells (0,c), (1,c), (2,b) differ -> 3/12
        var report = MultiLabelMetrics.Evaluate(gold, predicted, ["a", "b", "c"]);
        Assert.Equal((4, 3), (report.Count, report.LabelCount));
        Close.Equal(0.8, report.MicroPrecision, "micro precision");
        Close.Equal(2.0 / 3, report.MicroRecall, "micro recall");
        Close.Equal(8.0 / 11, report.MicroF1, "micro F1");
        Close.Equal(13.0 / 18, report.MacroF1, "macro F1");
        Close.Equal(0.25, report.SubsetAccuracy, "subset accuracy");
        Close.Equal(0.25, report.HammingLoss, "Hamming loss");
        Assert.Equal(new[] { "a", "b", "c" }, report.PerLabel.Select(m => m.Label));
        Assert.Equal(new[] { 2, 2, 2 }, report.PerLabel.Select(m => m.Support));
        Close.Equal(2.0 / 3, report.PerLabel[1].F1, "F1 of b");
        Close.Equal(0.5, report.PerLabel[2].Precision, "precision of c");
    }

    [Fact]
    public void NothingSetAnywhereIsAnExactMatchWithZeroF1()
    {
        bool[][] empty = [[false, false], [false, false]];
        var report = MultiLabelMetrics.Evaluate(empty, empty);
        Assert.Equal(1.0, report.SubsetAccuracy);
        Assert.Equal(0.0, report.HammingLoss);
        // Every F1 here is 0/0, reported as 0 (zero_division=0).
        Assert.Equal((0.0, 0.0, 0.0, 0.0), (report.MicroPrecision, report.MicroRecall, report.MicroF1, report.MacroF1));
    }

    [Fact]
    public void RejectsInconsistentShapes()
    {
        bool[][] two = [[true, false], [false, true]];
        Assert.Throws<ArgumentException>("predicted", () => MultiLabelMetrics.Evaluate(two, [[true, false]]));
        Assert.Throws<ArgumentException>("gold", () => MultiLabelMetrics.Evaluate(Array.Empty<bool[]>(), Array.Empty<bool[]>()));
        var ragged = Assert.Throws<ArgumentException>("gold", () => MultiLabelMetrics.Evaluate([[true, false], [true]], two));
        Assert.Contains("Gold row 1 has 1 labels", ragged.Message);
        Assert.Throws<ArgumentException>("predicted", () => MultiLabelMetrics.Evaluate(two, [[true, false], [true, false, true]]));
        Assert.Throws<ArgumentException>("labelNames", () => MultiLabelMetrics.Evaluate(two, two, ["x"]));
        Assert.Throws<ArgumentException>("gold", () => MultiLabelMetrics.Evaluate([Array.Empty<bool>()], [Array.Empty<bool>()]));
    }
}
