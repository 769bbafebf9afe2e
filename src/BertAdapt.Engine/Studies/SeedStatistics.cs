namespace BertAdapt.Engine.Studies;

/// <summary>The mean and the sample (n − 1) variance and standard deviation of a metric over seeds.</summary>
public static class SeedStatistics
{
    public static double Mean(IReadOnlyList<double> values) =>
        values.Count == 0 ? throw new ArgumentException("No values.", nameof(values)) : values.Sum() / values.Count;

    /// <summary>The sample variance, Σ(x − mean)² / (n − 1); 0 for a single value.</summary>
    public static double Variance(IReadOnlyList<double> values)
    {
        if (values.Count < 2) return 0;
        double mean = Mean(values);
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
    }

    /// <summary>The sample standard deviation; null for fewer than two values, which have none.</summary>
    public static double? StandardDeviation(IReadOnlyList<double> values) => values.Count < 2 ? null : Math.Sqrt(Variance(values));
}
