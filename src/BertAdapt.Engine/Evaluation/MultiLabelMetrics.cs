namespace BertAdapt.Engine.Evaluation;

/// <summary>Metrics for multi-label classification from gold and predicted 0/1 matrices.</summary>
public static class MultiLabelMetrics
{
    /// <summary>
    /// Scores <paramref name="predicted"/> against <paramref name="gold"/>: one row per sample,
    /// one column per label, true where the label applies. <paramref name="labelNames"/>, when
    /// given, names the columns (otherwise they are named by their index).
    /// </summary>
    /// <exception cref="ArgumentException">The matrices are empty, differ in shape, or a row has
    /// a different width from the first; or the label names do not match the width.</exception>
    public static MultiLabelReport Evaluate(IReadOnlyList<IReadOnlyList<bool>> gold, IReadOnlyList<IReadOnlyList<bool>> predicted,
        IReadOnlyList<string>? labelNames = null)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        if (gold.Count != predicted.Count)
            throw new ArgumentException($"There are {gold.Count} gold rows but {predicted.Count} predicted rows.", nameof(predicted));
        if (gold.Count == 0) throw new ArgumentException("There is nothing to evaluate: the gold rows are empty.", nameof(gold));
        int labels = gold[0]?.Count ?? throw new ArgumentException("Gold row 0 is null.", nameof(gold));
        if (labels == 0) throw new ArgumentException("The rows have no labels.", nameof(gold));
        if (labelNames is not null && labelNames.Count != labels)
            throw new ArgumentException($"There are {labelNames.Count} label names for {labels} label columns.", nameof(labelNames));

        var truePositives = new long[labels];
        var goldPositives = new long[labels];
        var predictedPositives = new long[labels];
        long mismatchedCells = 0;
        int exactRows = 0;
        for (int i = 0; i < gold.Count; i++)
        {
            var g = gold[i] ?? throw new ArgumentException($"Gold row {i} is null.", nameof(gold));
            var p = predicted[i] ?? throw new ArgumentException($"Predicted row {i} is null.", nameof(predicted));
            if (g.Count != labels)
                throw new ArgumentException($"Gold row {i} has {g.Count} labels; row 0 has {labels}.", nameof(gold));
            if (p.Count != labels)
                throw new ArgumentException($"Predicted row {i} has {p.Count} labels; the gold rows have {labels}.", nameof(predicted));
            bool exact = true;
            for (int j = 0; j < labels; j++)
            {
                if (g[j]) goldPositives[j]++;
                if (p[j]) predictedPositives[j]++;
                if (g[j] && p[j]) truePositives[j]++;
                if (g[j] != p[j])
                {
                    mismatchedCells++;
                    exact = false;
                }
            }
            if (exact) exactRows++;
        }

        var perLabel = new ClassMetrics[labels];
        double macroSum = 0;
        int present = 0;
        for (int j = 0; j < labels; j++)
        {
            var (precision, recall, f1) = Prf.Of(truePositives[j], predictedPositives[j], goldPositives[j]);
            perLabel[j] = new ClassMetrics(labelNames?[j] ?? j.ToString(System.Globalization.CultureInfo.InvariantCulture),
                precision, recall, f1, checked((int)goldPositives[j]));
            if (goldPositives[j] > 0 || predictedPositives[j] > 0)
            {
                macroSum += f1;
                present++;
            }
        }
        var micro = Prf.Of(truePositives.Sum(), predictedPositives.Sum(), goldPositives.Sum());
        return new MultiLabelReport(
            Count: gold.Count,
            LabelCount: labels,
            SubsetAccuracy: (double)exactRows / gold.Count,
            HammingLoss: (double)mismatchedCells / ((long)gold.Count * labels),
            MicroPrecision: micro.Precision,
            MicroRecall: micro.Recall,
            MicroF1: micro.F1,
            MacroF1: present == 0 ? 0 : macroSum / present,
            PerLabel: perLabel);
    }
}
