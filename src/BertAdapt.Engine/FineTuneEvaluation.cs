namespace BertAdapt;

/// <summary>
/// One validation pass of a fine-tuning run, flat so that <c>Export-Csv</c> writes one row per
/// evaluation. Only the metrics of the run's task are set; the full report (per class, per
/// entity type) is in <see cref="Report"/>.
/// </summary>
public sealed record FineTuneEvaluation
{
    public int Epoch { get; init; }
    public int Step { get; init; }
    public string Task { get; init; } = "";
    /// <summary>Mean training loss since the previous evaluation.</summary>
    public double TrainLoss { get; init; }
    public double ValidationLoss { get; init; }
    /// <summary>The metric that picks the best checkpoint and drives early stopping, and its value.</summary>
    public string Metric { get; init; } = "";
    public double Score { get; init; }
    /// <summary>The same metric for the majority class (classification) or the training mean (regression).</summary>
    public double? BaselineScore { get; init; }
    public int Examples { get; init; }

    public double? Accuracy { get; init; }
    public double? MacroF1 { get; init; }
    public double? WeightedF1 { get; init; }
    public double? MicroF1 { get; init; }
    public double? SubsetAccuracy { get; init; }
    public double? HammingLoss { get; init; }
    public double? Precision { get; init; }
    public double? Recall { get; init; }
    public double? F1 { get; init; }
    public double? TokenAccuracy { get; init; }
    public double? Pearson { get; init; }
    public double? Spearman { get; init; }
    public double? Mse { get; init; }
    public double? Mae { get; init; }

    /// <summary>The task's full report: ClassificationReport, MultiLabelReport, TokenClassificationReport or RegressionReport.</summary>
    public object? Report { get; init; }
}
