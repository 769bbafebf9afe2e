namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>How labelled files or rows become the training and validation examples of a fine-tuning run.</summary>
public sealed record FineTuneDataOptions
{
    public FineTuneTask Task { get; init; } = FineTuneTask.SequenceClassification;

    /// <summary>
    /// Files of the same format as the training files, encoded with the training label map;
    /// null for no validation. An empty list gives an empty validation set, not none.
    /// </summary>
    public IReadOnlyList<string>? ValidationFiles { get; init; }

    /// <summary>
    /// The share of the training rows (or sentences) to hold out as validation instead of
    /// validation files, chosen as <see cref="Corpora.ExampleSplit"/> chooses (a seeded hash of
    /// each item's position), so the same rows every run; null for no split.
    /// </summary>
    public double? ValidationSplit { get; init; }

    /// <summary>Seeds <see cref="ValidationSplit"/>.</summary>
    public long Seed { get; init; }

    /// <summary>Where the texts and labels are, and whether bad rows are skipped while reading.</summary>
    public FineTuneReadOptions ReadOptions { get; init; } = FineTuneReadOptions.Default;

    /// <summary>How rows become examples, and whether rows whose label the map lacks are skipped.</summary>
    public FineTuneEncodingOptions Encoding { get; init; } = FineTuneEncodingOptions.Default;

    /// <summary>
    /// Weigh the classes by <see cref="ClassWeights.Auto"/>: for single-label and token
    /// classification only; for the other tasks it has no effect, and a warning says so.
    /// </summary>
    public bool AutoClassWeights { get; init; }
}
