namespace BertAdapt.Engine.Data;

/// <summary>
/// One masked-LM batch in host memory, row-major [Rows, Length]. Masked positions are flat
/// indexes (row * Length + column) so the model projects only those rows onto the vocabulary.
/// </summary>
public sealed record MlmBatch(
    int Rows,
    int Length,
    long[] InputIds,
    long[] TokenTypeIds,
    long[] AttentionMask,
    long[] MaskedPositions,
    long[] MaskedLabels,
    long[]? NextSentenceLabels = null)
{
    /// <summary>Real (non-padding) tokens in the batch.</summary>
    public long TokenCount => AttentionMask.Sum();
}
