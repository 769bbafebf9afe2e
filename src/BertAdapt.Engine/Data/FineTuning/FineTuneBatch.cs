namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>One padded batch of fine-tuning examples, host side.</summary>
public sealed record FineTuneBatch(int Rows, int Length, long[] InputIds, long[] TokenTypeIds, long[] AttentionMask,
    long[]? ClassLabels, float[]? Targets, long[]? TokenLabels, long Tokens)
{
    /// <summary>Pads examples to the batch's longest and lays out the labels the task needs.</summary>
    public static FineTuneBatch Collate(IReadOnlyList<FineTuneExample> examples, FineTuneTask task, int labels, int padId)
    {
        int rows = examples.Count, length = examples.Max(e => e.Length);
        var ids = new long[rows * length];
        var types = new long[rows * length];
        var mask = new long[rows * length];
        Array.Fill(ids, padId);
        long[]? classes = task == FineTuneTask.SequenceClassification ? new long[rows] : null;
        float[]? targets = task is FineTuneTask.MultiLabelClassification or FineTuneTask.Regression ? new float[rows * labels] : null;
        long[]? tokenLabels = null;
        if (task == FineTuneTask.TokenClassification)
        {
            tokenLabels = new long[rows * length];
            Array.Fill(tokenLabels, FineTuneExample.IgnoredLabel);
        }
        long tokens = 0;
        for (int r = 0; r < rows; r++)
        {
            var e = examples[r];
            tokens += e.Length;
            for (int t = 0; t < e.Length; t++)
            {
                ids[r * length + t] = e.TokenIds[t];
                types[r * length + t] = e.TokenTypeIds[t];
                mask[r * length + t] = 1;
                if (tokenLabels is not null) tokenLabels[r * length + t] = e.TokenLabels![t];
            }
            if (classes is not null) classes[r] = e.ClassLabel;
            if (targets is not null) e.Targets!.CopyTo(targets, r * labels);
        }
        return new FineTuneBatch(rows, length, ids, types, mask, classes, targets, tokenLabels, tokens);
    }
}
