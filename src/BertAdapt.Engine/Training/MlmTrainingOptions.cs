namespace BertAdapt.Engine.Training;

/// <summary>Settings of one masked-LM training run. Defaults follow Hugging Face's run_mlm.</summary>
public sealed record MlmTrainingOptions
{
    public int BatchSize { get; init; } = 16;
    public int SequenceLength { get; init; } = 128;
    /// <summary>Stop after this many optimizer steps; with <see cref="Epochs"/> too, whichever comes first.</summary>
    public int? MaxSteps { get; init; }
    public int? Epochs { get; init; }
    public double LearningRate { get; init; } = 5e-5;
    /// <summary>Linear warmup length in steps; null means 10% of the run.</summary>
    public int? WarmupSteps { get; init; }
    public double WeightDecay { get; init; } = 0.01;
    public double MaxGradNorm { get; init; } = 1.0;
    public double MaskProbability { get; init; } = 0.15;
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;
    public long Seed { get; init; } = 42;
    /// <summary>Consecutive non-finite steps tolerated (each skipped) before the run stops with an error.</summary>
    public int MaxConsecutiveNonFiniteSteps { get; init; } = 10;
    /// <summary>Where to append one JSON line per step; null for none.</summary>
    public string? MetricsPath { get; init; }

    public void Validate()
    {
        static void Fail(string why) => throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument, why);
        if (BatchSize <= 0) Fail("BatchSize must be positive.");
        if (MaxSteps is <= 0) Fail("MaxSteps must be positive.");
        if (Epochs is <= 0) Fail("Epochs must be positive.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) Fail("LearningRate must be a positive number.");
        if (WarmupSteps is < 0) Fail("WarmupSteps must not be negative.");
        if (WeightDecay < 0) Fail("WeightDecay must not be negative.");
        if (!(MaxGradNorm > 0)) Fail("MaxGradNorm must be positive.");
    }
}
