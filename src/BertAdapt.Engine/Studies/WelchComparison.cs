namespace BertAdapt.Engine.Studies;

/// <summary>
/// The difference of two means (<c>Mean(values) − Mean(baseline)</c>) with its confidence interval by
/// Welch's t: the standard error √(s₁²/n₁ + s₂²/n₂), the Welch–Satterthwaite degrees of freedom,
/// and the t quantile of <see cref="StudentT"/>. Unlike Student's pooled test it does not assume
/// the two groups have the same variance (continued pre-training may well change it).
/// </summary>
/// <param name="Difference">Mean of the values minus mean of the baseline.</param>
/// <param name="Low">Lower end of the interval; null when either side has fewer than two values.</param>
/// <param name="DegreesOfFreedom">Welch–Satterthwaite's ν; null without an interval, or when both sides have no spread.</param>
public sealed record WelchComparison(double Difference, double? Low, double? High, double? StandardError, double? DegreesOfFreedom,
    double Confidence, AdaptationVerdict Verdict)
{
    /// <summary>How the interval was computed, for reports.</summary>
    public const string Method = "Welch's t";

    /// <param name="higherIsBetter">Whether a larger metric is better (F1, accuracy, Pearson r all are).</param>
    public static WelchComparison Of(IReadOnlyList<double> values, IReadOnlyList<double> baseline, double confidence = 0.95, bool higherIsBetter = true)
    {
        if (values.Count == 0 || baseline.Count == 0) throw new ArgumentException("Both groups need at least one value.");
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence));
        double difference = SeedStatistics.Mean(values) - SeedStatistics.Mean(baseline);
        if (values.Count < 2 || baseline.Count < 2)
            return new WelchComparison(difference, null, null, null, null, confidence, AdaptationVerdict.Undetermined);
        double a = SeedStatistics.Variance(values) / values.Count, b = SeedStatistics.Variance(baseline) / baseline.Count;
        double standardError = Math.Sqrt(a + b);
        double? df = null;
        double halfWidth = 0;
        if (standardError > 0)
        {
            df = (a + b) * (a + b) / (a * a / (values.Count - 1) + b * b / (baseline.Count - 1));
            halfWidth = StudentT.Quantile(1 - (1 - confidence) / 2, df.Value) * standardError;
        }
        double low = difference - halfWidth, high = difference + halfWidth;
        var verdict = low > 0 ? (higherIsBetter ? AdaptationVerdict.Better : AdaptationVerdict.Worse)
            : high < 0 ? (higherIsBetter ? AdaptationVerdict.Worse : AdaptationVerdict.Better)
            : AdaptationVerdict.WithinNoise;
        return new WelchComparison(difference, low, high, standardError, df, confidence, verdict);
    }
}
