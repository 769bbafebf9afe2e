using BertAdapt.Engine.Evaluation;
namespace BertAdapt.Engine.Tests.Evaluation;

public sealed class ClassificationMetricsTests
{
    public static TheoryData<string> ReferenceCases => new(MetricsReference.Load().Classification.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void MatchesScikitLearn(string name)
    {
        var c = MetricsReference.Load().Classification.Single(x => x.Name == name);
        var report = ClassificationMetrics.Evaluate(c.Gold, c.Predicted, c.ClassCount);

        Assert.Equal(c.Gold.Length, report.Count);
        Close.Equal(c.Accuracy, report.Accuracy, "accuracy");
        Close.Equal(c.MacroF1, report.MacroF1, "macro F1");
        Close.Equal(c.WeightedF1, report.WeightedF1, "weighted F1");
        Assert.Equal(c.ClassCount, report.PerClass.Count);
        for (int k = 0; k < c.ClassCount; k++)
        {
            var m = report.PerClass[k];
            Assert.Equal(k.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Label);
            Close.Equal(c.Precision[k], m.Precision, $"precision of class {k}");
            Close.Equal(c.Recall[k], m.Recall, $"recall of class {k}");
            Close.Equal(c.F1[k], m.F1, $"F1 of class {k}");
            Assert.Equal(c.Support[k], m.Support);
            Assert.Equal(c.Confusion[k], report.Confusion[k]);
        }
        // sklearn's DummyClassifier(strategy="most_frequent"), fitted on the evaluation or training labels.
        Close.Equal(c.MajorityAccuracySelf, ClassificationMetrics.MajorityBaselineAccuracy(c.Gold), "majority baseline");
        Close.Equal(c.MajorityAccuracyTrain, ClassificationMetrics.MajorityBaselineAccuracy(c.Gold, c.Train), "majority baseline from training labels");
    }

    [Fact]
    public void ReferenceCasesCoverAbsentClassesAndZeroDivision()
    {
        // Guards the fixture itself: without such cases the conventions above go untested.
        var cases = MetricsReference.Load().Classification;
        Assert.Contains(cases, c => c.Support.Any(s => s == 0) && c.Predicted.Distinct().Count() < c.ClassCount);
        Assert.Contains(cases, c => Enumerable.Range(0, c.ClassCount).Any(k => c.Support[k] == 0 && c.Predicted.Contains(k)));
        Assert.Contains(cases, c => Enumerable.Range(0, c.ClassCount).Any(k => c.Support[k] > 0 && !c.Predicted.Contains(k)));
    }

    [Fact]
    public void HandWorkedExampleLeavesAClassAbsentFromBothOutOfTheMacroMean()
    {
        // gold 0 0 0 1 1, predicted 0 0 1 1 0, three classes (class 2 never occurs).
        // class 0: tp 2, predicted 3, gold 3 -> P 2/3, R 2/3, F1 2/3
        // class 1: tp 1, predicted 2, gold 2 -> P 1/2, R 1/2, F1 1/2
        // class 2: nothing -> 0, 0, 0, support 0, not averaged
        // accuracy 3/5; macro (2/3 + 1/2) / 2 = 7/12 (it would be 7/18 over all three classes);
        // weighted (3 * 2/3 + 2 * 1/2) / 5 = 3/5.
        var report = ClassificationMetrics.Evaluate([0, 0, 0, 1, 1], [0, 0, 1, 1, 0], 3, ["neg", "pos", "neutral"]);
        Assert.Equal(5, report.Count);
        Close.Equal(3.0 / 5, report.Accuracy, "accuracy");
        Close.Equal(7.0 / 12, report.MacroF1, "macro F1");
        Close.Equal(3.0 / 5, report.WeightedF1, "weighted F1");
        var (neg, pos) = (report.PerClass[0], report.PerClass[1]);
        Assert.Equal(("neg", 3, "pos", 2), (neg.Label, neg.Support, pos.Label, pos.Support));
        Close.Equal(2.0 / 3, neg.Precision, "precision of neg");
        Close.Equal(2.0 / 3, neg.Recall, "recall of neg");
        Close.Equal(2.0 / 3, neg.F1, "F1 of neg");
        Close.Equal(0.5, pos.Precision, "precision of pos");
        Close.Equal(0.5, pos.Recall, "recall of pos");
        Close.Equal(0.5, pos.F1, "F1 of pos");
        Assert.Equal(new ClassMetrics("neutral", 0, 0, 0, 0), report.PerClass[2]);
        Assert.Equal(new[] { 2, 1, 0 }, report.Confusion[0]);
        Assert.Equal(new[] { 1, 1, 0 }, report.Confusion[1]);
        Assert.Equal(new[] { 0, 0, 0 }, report.Confusion[2]);
    }

    [Fact]
    public void AClassOnlyPredictedCountsInTheMacroMeanAsZero()
    {
        // gold 0 0, predicted 0 1.
        // class 0: tp 1, predicted 1, gold 2 -> P 1, R 1/2, F1 2/3
        // class 1: tp 0, predicted 1, gold 0 -> P 0, R 0/0 = 0, F1 0; it occurs, so it is averaged
        // macro (2/3 + 0) / 2 = 1/3; weighted (2 * 2/3 + 0 * 0) / 2 = 2/3.
        var report = ClassificationMetrics.Evaluate([0, 0], [0, 1], 2);
        Close.Equal(1.0 / 3, report.MacroF1, "macro F1");
        Close.Equal(2.0 / 3, report.WeightedF1, "weighted F1");
        Assert.Equal(new ClassMetrics("1", 0, 0, 0, 0), report.PerClass[1]);
    }

    [Fact]
    public void PerfectPredictionsScoreOne()
    {
        var report = ClassificationMetrics.Evaluate([2, 0, 1, 2], [2, 0, 1, 2], 4);
        Assert.Equal(1.0, report.Accuracy);
        Assert.Equal(1.0, report.MacroF1); // class 3 is absent from both, so it does not pull this down
        Assert.Equal(1.0, report.WeightedF1);
    }

    [Fact]
    public void MajorityBaselineUsesTrainingLabelsWhenGivenAndLowestIdOnATie()
    {
        int[] evaluation = [2, 2, 1, 0, 2, 1];
        Assert.Equal(2, ClassificationMetrics.MajorityClass(evaluation));
        Assert.Equal(3.0 / 6, ClassificationMetrics.MajorityBaselineAccuracy(evaluation));
        // Training majority is 1, which is right on 2 of the 6 evaluation labels.
        Assert.Equal(2.0 / 6, ClassificationMetrics.MajorityBaselineAccuracy(evaluation, [1, 1, 0]));
        Assert.Equal(0, ClassificationMetrics.MajorityClass([1, 0, 1, 0]));
        Assert.Equal(3, ClassificationMetrics.MajorityClass([5, 3, 5, 3, 4]));
    }

    [Fact]
    public void RejectsInconsistentInput()
    {
        Assert.Throws<ArgumentException>("predicted", () => ClassificationMetrics.Evaluate([0, 1], [0], 2));
        Assert.Throws<ArgumentException>("gold", () => ClassificationMetrics.Evaluate([], [], 2));
        var outOfRange = Assert.Throws<ArgumentException>("predicted", () => ClassificationMetrics.Evaluate([0, 1], [0, 2], 2));
        Assert.Contains("Class id 2 at position 1", outOfRange.Message);
        Assert.Throws<ArgumentException>("gold", () => ClassificationMetrics.Evaluate([-1, 1], [0, 1], 2));
        Assert.Throws<ArgumentException>("labelNames", () => ClassificationMetrics.Evaluate([0], [0], 2, ["only"]));
        Assert.Throws<ArgumentOutOfRangeException>("classCount", () => ClassificationMetrics.Evaluate([0], [0], 0));
        Assert.Throws<ArgumentException>("labels", () => ClassificationMetrics.MajorityClass([]));
    }
}
