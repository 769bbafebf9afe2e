namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// One encoded fine-tuning example in host memory, unpadded: its length is the length of
/// <see cref="TokenIds"/>, and the attention mask is 1 for each of those positions (padding
/// to a batch's longest example is the collator's). What is labelled depends on the task:
/// </summary>
/// <param name="TokenIds">[CLS] A [SEP] or [CLS] A [SEP] B [SEP], at most MaxLength ids.</param>
/// <param name="TokenTypeIds">0 for [CLS] A [SEP], 1 for B [SEP]; all 0 for single texts and token classification.</param>
/// <param name="ClassLabel">Single-label classification: the class id; −1 for every other task and for an unlabelled row.</param>
/// <param name="Targets">Multi-label: one 0/1 per label id (multi-hot). Regression: the one target value. Otherwise, or unlabelled, null.</param>
/// <param name="TokenLabels">Token classification: per position a tag id, or <see cref="IgnoredLabel"/> where no loss is taken; otherwise null.</param>
/// <param name="WordIds">Token classification: per position the index of the word it came from, −1 for [CLS] and [SEP]; otherwise null.</param>
public sealed record FineTuneExample(int[] TokenIds, int[] TokenTypeIds, int ClassLabel, float[]? Targets, int[]? TokenLabels, int[]? WordIds)
{
    /// <summary>The label of positions that take no loss: PyTorch's cross-entropy ignore_index, as Hugging Face uses it.</summary>
    public const int IgnoredLabel = -100;

    public int Length => TokenIds.Length;
}

/// <summary>
/// A fixed set of encoded examples addressable by index, so the trainer can shuffle with a
/// seeded permutation and resume at an exact position. The same index always gives the same
/// example; its arrays are shared, so callers must not change them.
/// </summary>
public interface IFineTuneExamples
{
    long Count { get; }

    FineTuneExample Get(long index);
}

/// <summary>How labelled rows and sentences become <see cref="FineTuneExample"/>s.</summary>
public sealed record FineTuneEncodingOptions
{
    public static FineTuneEncodingOptions Default { get; } = new();

    /// <summary>The most tokens an example has, [CLS] and [SEP] included: 128 by default, as
    /// run_glue's max_seq_length. At least 8, as every sequence length in the engine.</summary>
    public int MaxLength { get; init; } = 128;

    /// <summary>
    /// Token classification: false (run_ner's default) labels the first sub-token of each
    /// word and ignores the rest; true labels every sub-token with its word's tag, except that
    /// a "B-X" word's later sub-tokens get "I-X" when the tags have it (so one entity does not
    /// begin again inside a word).
    /// </summary>
    public bool LabelAllSubTokens { get; init; }

    /// <summary>False: a label the label map lacks is an error (FineTuneLabelUnknown). True: the row is left out and counted.</summary>
    public bool SkipInvalidRows { get; init; }
}
