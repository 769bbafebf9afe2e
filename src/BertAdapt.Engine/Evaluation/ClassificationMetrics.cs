namespace BertAdapt.Engine.Evaluation;

/// <summary>Metrics for single-label classification from gold and predicted class ids.</summary>
public static class ClassificationMetrics
{
    /// <summary>
    /// Scores <paramref name="predicted"/> against <paramref name="gold"/>. Class ids run from 0 to
    /// <paramref name="classCount"/> − 1; <paramref name="labelNames"/>, when given, names them in
    /// that order (otherwise they are named by their id).
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty, a class id is
    /// out of range, or the label names do not match the class count.</exception>
    public static ClassificationReport Evaluate(IReadOnlyList<int> gold, IReadOnlyList<int> predicted, int classCount,
        IReadOnlyList<string>? labelNames = null)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "There must be at least one class.");
        if (labelNames is not null && labelNames.Count != classCount)
            throw new ArgumentException($"There are {labelNames.Count} label names for {classCount} classes.", nameof(labelNames));
        if (gold.Count != predicted.Count)
            throw new ArgumentException($"There are {gold.Count} gold labels but {predicted.Count} predictions.", nameof(predicted));
        if (gold.Count == 0) throw new ArgumentException("There is nothing to evaluate: the gold labels are empty.", nameof(gold));
        CheckIds(gold, classCount, nameof(gold));
        CheckIds(predicted, classCount, nameof(predicted));

        var confusion = new int[classCount][];
        for (int c = 0; c < classCount; c++) confusion[c] = new int[classCount];
        int correct = 0;
        for (int i = 0; i < gold.Count; i++)
        {
            confusion[gold[i]][predicted[i]]++;
            if (gold[i] == predicted[i]) correct++;
        }

        var perClass = new ClassMetrics[classCount];
        double macroSum = 0, weightedSum = 0;
        int present = 0;
        for (int c = 0; c < classCount; c++)
        {
            int truePositives = confusion[c][c];
            int support = 0, predictedCount = 0;
            for (int k = 0; k < classCount; k++)
            {
                support += confusion[c][k];
                predictedCount += confusion[k][c];
            }
            var (precision, recall, f1) = Prf.Of(truePositives, predictedCount, support);
            perClass[c] = new ClassMetrics(labelNames?[c] ?? c.ToString(System.Globalization.CultureInfo.InvariantCulture),
                precision, recall, f1, support);
            if (support > 0 || predictedCount > 0)
            {
                macroSum += f1;
                present++;
            }
            weightedSum += f1 * support;
        }
        return new ClassificationReport(
            Count: gold.Count,
            Accuracy: (double)correct / gold.Count,
            MacroF1: macroSum / present,
            WeightedF1: weightedSum / gold.Count,
            PerClass: perClass,
            Confusion: confusion);
    }

    /// <summary>
    /// The class a majority baseline always predicts: the most frequent id in
    /// <paramref name="labels"/>, the lowest id on a tie.
    /// </summary>
    public static int MajorityClass(IReadOnlyList<int> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count == 0) throw new ArgumentException("There are no labels to take a majority of.", nameof(labels));
        var counts = new Dictionary<int, int>();
        foreach (var label in labels) counts[label] = counts.GetValueOrDefault(label) + 1;
        int best = 0, bestCount = -1;
        foreach (var (label, count) in counts)
        {
            if (count > bestCount || count == bestCount && label < best)
            {
                best = label;
                bestCount = count;
            }
        }
        return best;
    }

    /// <summary>
    /// The accuracy on <paramref name="evaluationGold"/> of always predicting one class: the
    /// majority class of <paramref name="trainingGold"/> when given (what a model that learned
    /// nothing but the prior would predict), otherwise that of <paramref name="evaluationGold"/>
    /// itself (the best any constant prediction can score on it). A fine-tuned classifier
    /// should beat this.
    /// </summary>
    public static double MajorityBaselineAccuracy(IReadOnlyList<int> evaluationGold, IReadOnlyList<int>? trainingGold = null)
    {
        ArgumentNullException.ThrowIfNull(evaluationGold);
        if (evaluationGold.Count == 0) throw new ArgumentException("There is nothing to evaluate: the gold labels are empty.", nameof(evaluationGold));
        int majority = MajorityClass(trainingGold ?? evaluationGold);
        int hits = 0;
        foreach (var label in evaluationGold)
            if (label == majority) hits++;
        return (double)hits / evaluationGold.Count;
    }

    static void CheckIds(IReadOnlyList<int> ids, int classCount, string parameter)
    {
        for (int i = 0; i < ids.Count; i++)
            if ((uint)ids[i] >= (uint)classCount)
                throw new ArgumentException($"Class id {ids[i]} at position {i} is outside 0..{classCount - 1}.", parameter);
    }
}

/// <summary>Precision, recall and F1 from counts, with 0 wherever a denominator is 0.</summary>
internal static class Prf
{
    public static (double Precision, double Recall, double F1) Of(long truePositives, long predicted, long gold)
    {
        double precision = predicted == 0 ? 0 : (double)truePositives / predicted;
        double recall = gold == 0 ? 0 : (double)truePositives / gold;
        double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        return (precision, recall, f1);
    }
}
