namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>One padded batch of fine-tuning examples, host side.</summary>
public sealed record FineTuneBatch(int Rows, int Length, long[] InputIds, long[] TokenTypeIds, long[] AttentionMask,
    long[]? ClassLabels, float[]? Targets, long[]? TokenLabels, long Tokens)
{
    /// <summary>Pads examples to the batch's longest and lays out the labels the task needs.</summary>
    public static FineTuneBatch Collate(IReadOnlyList<FineTuneExample> examples, FineTuneTask task, int labels, int padId)
    {
        var padded = PaddedBatch.Of(examples, e => e.TokenIds, e => e.TokenTypeIds, padId);
        int rows = padded.Rows, length = padded.Length;
        long[]? classes = task == FineTuneTask.SequenceClassification ? new long[rows] : null;
        float[]? targets = task is FineTuneTask.MultiLabelClassification or FineTuneTask.Regression ? new float[rows * labels] : null;
        long[]? tokenLabels = null;
        if (task == FineTuneTask.TokenClassification)
        {
            tokenLabels = new long[rows * length];
            Array.Fill(tokenLabels, FineTuneExample.IgnoredLabel);
        }
        for (int r = 0; r < rows; r++)
        {
            var e = examples[r];
            if (tokenLabels is not null)
                for (int t = 0; t < e.Length; t++) tokenLabels[r * length + t] = e.TokenLabels![t];
            if (classes is not null) classes[r] = e.ClassLabel;
            if (targets is not null) e.Targets!.CopyTo(targets, r * labels);
        }
        return new FineTuneBatch(rows, length, padded.InputIds, padded.TokenTypeIds, padded.AttentionMask, classes, targets, tokenLabels, padded.Tokens);
    }
}
