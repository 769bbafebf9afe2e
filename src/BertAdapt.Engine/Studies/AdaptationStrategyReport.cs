namespace BertAdapt.Engine.Studies;

/// <summary>
/// One strategy at one masking rate, as Compare-BertAdaptation writes it: the task metric over
/// seeds (mean, sample standard deviation, each seed's value), the difference from fine-tuning
/// alone with its 95% interval by Welch's t and a verdict, the perplexity before and after
/// pre-training (15% masking, fixed seed), and what it cost. Every property is text, a number or
/// a list whose string form is its joined items, so Export-Csv writes one row per strategy.
/// </summary>
public sealed record AdaptationStrategyReport
{
    public AdaptationStrategy Strategy { get; init; }
    /// <summary>The pre-training masking rate; null for FineTuneOnly.</summary>
    public double? MaskProbability { get; init; }
    public string Metric { get; init; } = "";
    public int SeedCount { get; init; }
    public DelimitedList<long> Seeds { get; init; } = new(" ");
    /// <summary>Each seed's task metric, in the order of <see cref="Seeds"/>.</summary>
    public DelimitedList<double> SeedScores { get; init; } = new(" ");
    public double MetricMean { get; init; }
    /// <summary>The sample standard deviation over seeds; null with one seed.</summary>
    public double? MetricStdDev { get; init; }
    /// <summary>MetricMean minus FineTuneOnly's; null when FineTuneOnly is not in the study.</summary>
    public double? Difference { get; init; }
    public double? DifferenceLow { get; init; }
    public double? DifferenceHigh { get; init; }
    public AdaptationVerdict Verdict { get; init; }
    /// <summary>How the interval was made: "Welch's t, 95%, against FineTuneOnly".</summary>
    public string Comparison { get; init; } = "";
    public double DomainPerplexityBefore { get; init; }
    /// <summary>After pre-training (the mean over pre-trained models when each seed pre-trains); null for FineTuneOnly.</summary>
    public double? DomainPerplexityAfter { get; init; }
    public double? ReferencePerplexityBefore { get; init; }
    public double? ReferencePerplexityAfter { get; init; }
    /// <summary>The pre-training budget as given and in steps (0 for FineTuneOnly); DomainThenTaskMlm's is split across its stages.</summary>
    public string PretrainBudget { get; init; } = "";
    public int PretrainSteps { get; init; }
    public long PretrainTokens { get; init; }
    public double PretrainSeconds { get; init; }
    public long FineTuneTokens { get; init; }
    public double FineTuneSeconds { get; init; }
    /// <summary>Pre-training and fine-tuning together: tokens through the model in training steps, and seconds in the training loops.</summary>
    public long TokensProcessed { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>The run folders behind the numbers, under the study's runs folder.</summary>
    public DelimitedList<string> Runs { get; init; } = new(" ");
}
