namespace BertAdapt.Engine.Evaluation;

/// <summary>
/// How well multi-label predictions (a yes/no per label per sample) match the gold labels.
/// </summary>
/// <remarks>
/// Micro figures pool the true/false positives and false negatives of every label.
/// <see cref="MacroF1"/> is the unweighted mean of the per-label F1 over the labels that are
/// set in at least one gold or predicted row; a label set nowhere is still listed in
/// <see cref="PerLabel"/> (all zeros, support 0) but left out of the mean. When no label is
/// set anywhere, MacroF1 and the micro figures are 0.
/// <see cref="SubsetAccuracy"/> is the share of samples whose predicted label set equals the
/// gold set exactly; <see cref="HammingLoss"/> the share of (sample, label) cells that differ.
/// </remarks>
public sealed record MultiLabelReport(
    int Count,
    int LabelCount,
    double SubsetAccuracy,
    double HammingLoss,
    double MicroPrecision,
    double MicroRecall,
    double MicroF1,
    double MacroF1,
    IReadOnlyList<ClassMetrics> PerLabel)
{
    /// <summary>Every label's figures (an evaluation's Report column in Export-Csv).</summary>
    public override string ToString() => string.Join("; ", PerLabel);
}
