using BertAdapt.Engine.Data.FineTuning;

namespace BertAdapt.Engine.Training;

/// <summary>
/// Settings of one fine-tuning run. Defaults follow the BERT paper's fine-tuning ranges:
/// learning rate 3e-5 (of 2e-5 to 5e-5), 3 epochs, 10% linear warmup, evaluation each epoch.
/// </summary>
public sealed record FineTuneOptions : TrainingOptions
{
    public FineTuneOptions()
    {
        LearningRate = 3e-5;
        Epochs = 3;
        EvalEachEpoch = true;
    }

    public FineTuneTask Task { get; init; }
    /// <summary>Loss weight per class (or tag); null for none. See <see cref="ClassWeights.Auto"/>.</summary>
    public float[]? ClassWeights { get; init; }
    /// <summary>Keep the embedding layer fixed.</summary>
    public bool FreezeEmbeddings { get; init; }
    /// <summary>Keep the first N encoder layers fixed (0 for none).</summary>
    public int FreezeLayers { get; init; }
    /// <summary>Multi-label: a label is predicted when its sigmoid reaches this.</summary>
    public double Threshold { get; init; } = 0.5;

    protected override IEnumerable<KeyValuePair<string, string>> ObjectiveSettings() =>
    [
        new("Task", TrainingSettings.Text(Task)),
        new("Class weights", ClassWeights is null ? "none" : string.Join(" ", ClassWeights.Select(w => w.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)))),
        new("Frozen", $"{(FreezeEmbeddings ? "embeddings, " : "")}{FreezeLayers} layer(s)"),
        new("Threshold", TrainingSettings.Text(Threshold)),
    ];

    public override void Validate()
    {
        base.Validate();
        if (FreezeLayers < 0) Fail("FreezeLayers must not be negative.");
        if (Threshold is <= 0 or >= 1) Fail("Threshold must be in (0, 1).");
        if (ClassWeights is not null && ClassWeights.Any(w => !(w >= 0) || float.IsInfinity(w))) Fail("Class weights must be finite and not negative.");
    }
}
