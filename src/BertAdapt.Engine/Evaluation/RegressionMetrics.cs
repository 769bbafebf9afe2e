namespace BertAdapt.Engine.Evaluation;

/// <summary>Metrics for regression (for example STS-B similarity scores).</summary>
public static class RegressionMetrics
{
    /// <summary>Scores <paramref name="predicted"/> against <paramref name="gold"/>.</summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty, or a value is
    /// NaN or infinite (a diverged model's output has no meaningful score).</exception>
    public static RegressionReport Evaluate(IReadOnlyList<double> gold, IReadOnlyList<double> predicted)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        if (gold.Count != predicted.Count)
            throw new ArgumentException($"There are {gold.Count} gold values but {predicted.Count} predictions.", nameof(predicted));
        if (gold.Count == 0) throw new ArgumentException("There is nothing to evaluate: the gold values are empty.", nameof(gold));
        CheckFinite(gold, nameof(gold));
        CheckFinite(predicted, nameof(predicted));

        double squared = 0, absolute = 0;
        for (int i = 0; i < gold.Count; i++)
        {
            double error = predicted[i] - gold[i];
            squared += error * error;
            absolute += Math.Abs(error);
        }
        return new RegressionReport(
            Count: gold.Count,
            Pearson: Pearson(gold, predicted),
            Spearman: Spearman(gold, predicted),
            Mse: squared / gold.Count,
            Mae: absolute / gold.Count,
            ConstantBaselineMse: ConstantBaselineMse(gold));
    }

    /// <summary>
    /// Pearson's correlation coefficient; NaN when either list is constant (all values equal).
    /// </summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckPair(x, y);
        if (IsConstant(x) || IsConstant(y)) return double.NaN;
        double meanX = Mean(x), meanY = Mean(y);
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - meanX, dy = y[i] - meanY;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        // Rounding can carry |r| a hair past 1 for perfectly (anti)correlated data.
        return Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1.0, 1.0);
    }

    /// <summary>
    /// Spearman's rank correlation: Pearson's r of the ranks, tied values sharing the mean of
    /// the ranks they span. NaN when either list is constant.
    /// </summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        CheckPair(x, y);
        return Pearson(AverageRanks(x), AverageRanks(y));
    }

    /// <summary>The mean squared error of always predicting the mean of <paramref name="gold"/>.</summary>
    public static double ConstantBaselineMse(IReadOnlyList<double> gold)
    {
        ArgumentNullException.ThrowIfNull(gold);
        if (gold.Count == 0) throw new ArgumentException("There are no gold values.", nameof(gold));
        double mean = Mean(gold), sum = 0;
        foreach (var v in gold) sum += (v - mean) * (v - mean);
        return sum / gold.Count;
    }

    /// <summary>1-based ranks; a run of equal values gets the mean of the ranks it occupies.</summary>
    internal static double[] AverageRanks(IReadOnlyList<double> values)
    {
        var order = new int[values.Count];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        Array.Sort(order, (a, b) => values[a].CompareTo(values[b]));
        var ranks = new double[values.Count];
        for (int first = 0; first < order.Length;)
        {
            int last = first;
            while (last + 1 < order.Length && values[order[last + 1]] == values[order[first]]) last++;
            double rank = (first + last) / 2.0 + 1; // mean of the 1-based positions first+1..last+1
            for (int k = first; k <= last; k++) ranks[order[k]] = rank;
            first = last + 1;
        }
        return ranks;
    }

    static bool IsConstant(IReadOnlyList<double> values)
    {
        for (int i = 1; i < values.Count; i++)
            if (values[i] != values[0]) return false;
        return true;
    }

    static double Mean(IReadOnlyList<double> values)
    {
        double sum = 0;
        foreach (var v in values) sum += v;
        return sum / values.Count;
    }

    static void CheckPair(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"The lists differ in length ({x.Count} and {y.Count}).", nameof(y));
        if (x.Count == 0) throw new ArgumentException("The lists are empty.", nameof(x));
        CheckFinite(x, nameof(x));
        CheckFinite(y, nameof(y));
    }

    static void CheckFinite(IReadOnlyList<double> values, string parameter)
    {
        for (int i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i]))
                throw new ArgumentException($"Value {values[i]} at position {i} is not a finite number.", parameter);
    }
}
