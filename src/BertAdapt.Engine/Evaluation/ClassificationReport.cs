using System.Globalization;

namespace BertAdapt.Engine.Evaluation;

/// <summary>
/// Precision, recall and F1 of one class (or one label, or one entity type), with how many
/// gold samples it has. A ratio whose denominator is zero is reported as 0.
/// </summary>
public sealed record ClassMetrics(string Label, double Precision, double Recall, double F1, int Support)
{
    /// <summary>"label: P 0.800 R 0.750 F1 0.774 n 20", the form a report's Export-Csv column lists.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Label}: P {Precision:F3} R {Recall:F3} F1 {F1:F3} n {Support}");
}

/// <summary>
/// How well single-label predictions match the gold classes.
/// </summary>
/// <remarks>
/// <see cref="MacroF1"/> is the unweighted mean of the per-class F1 over the classes that occur
/// in the gold labels or in the predictions; a class that occurs in neither is still listed in
/// <see cref="PerClass"/> (all zeros, support 0) but left out of the mean, since its F1 is 0/0.
/// <see cref="WeightedF1"/> weights each class's F1 by its gold support.
/// <see cref="Confusion"/> is indexed [gold][predicted] in class-id order.
/// </remarks>
public sealed record ClassificationReport(
    int Count,
    double Accuracy,
    double MacroF1,
    double WeightedF1,
    IReadOnlyList<ClassMetrics> PerClass,
    int[][] Confusion)
{
    /// <summary>Every class's figures (an evaluation's Report column in Export-Csv); the totals have columns of their own.</summary>
    public override string ToString() => string.Join("; ", PerClass);
}
