namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>Per-class loss weights that make rare classes count as much as common ones.</summary>
public static class ClassWeights
{
    /// <summary>
    /// scikit-learn's "balanced" weights: n_samples / (n_classes × count_c), where n_samples
    /// is the sum of the counts and n_classes the number of classes that occur, so the mean
    /// weight over the samples is 1. A class that never occurs gets 0: it is never a target,
    /// so its weight is never used (scikit-learn refuses such a class instead). Counts are
    /// <see cref="FineTuneExamples.LabelCounts"/>: rows per class, or labelled token positions.
    /// </summary>
    public static float[] Auto(IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Any(c => c < 0)) throw new ArgumentOutOfRangeException(nameof(counts), "Class counts cannot be negative.");
        long samples = counts.Sum();
        int classes = counts.Count(c => c > 0);
        if (samples == 0)
            throw new BertAdaptException("FineTuneNoLabels", BertAdaptErrorKind.InvalidData, "Class weights need labelled examples, and there are none.");
        return [.. counts.Select(c => c == 0 ? 0f : (float)((double)samples / ((double)classes * c)))];
    }
}
