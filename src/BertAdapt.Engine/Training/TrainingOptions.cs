namespace BertAdapt.Engine.Training;

/// <summary>
/// The matmul dtype over float32 master weights: Float32, BFloat16 (CPUs with AVX512-BF16 and
/// Ampere or later GPUs), or Float16 with dynamic loss scaling (older GPUs, which lack bfloat16).
/// </summary>
public enum TrainingPrecision { Float32, BFloat16, Float16 }

/// <summary>
/// Settings every training run shares, whatever its head: batching, the optimizer and its
/// schedule, clipping, precision, evaluation, early stopping and checkpoints.
/// </summary>
public abstract record TrainingOptions
{
    public DeviceKind Device { get; init; } = DeviceKind.Auto;
    /// <summary>Which GPU, for <see cref="DeviceKind.Cuda"/> (and Auto when it finds CUDA); null for the first.</summary>
    public int? DeviceIndex { get; init; }
    /// <summary>libtorch's CPU threads for the run; null for <see cref="ComputeThreads"/>' default.</summary>
    public int? Threads { get; init; }
    /// <summary>BFloat16 and Float16 run the matmuls in that dtype over float32 master weights (see BertLinear).</summary>
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;
    /// <summary>With Float16: the loss scale the run starts at (see <see cref="LossScaler"/>).</summary>
    public double InitialLossScale { get; init; } = LossScaler.DefaultInitialScale;
    public int BatchSize { get; init; } = 16;
    /// <summary>Micro-batches whose gradients add up to one optimizer step.</summary>
    public int GradientAccumulation { get; init; } = 1;
    public int SequenceLength { get; init; } = 128;
    /// <summary>Stop after this many optimizer steps; with <see cref="Epochs"/> too, whichever comes first.</summary>
    public int? MaxSteps { get; init; }
    public int? Epochs { get; init; }
    public double LearningRate { get; init; } = 5e-5;
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Linear;
    /// <summary>Warmup length in steps; when null, <see cref="WarmupRatio"/> of the run.</summary>
    public int? WarmupSteps { get; init; }
    public double WarmupRatio { get; init; } = 0.1;
    public double WeightDecay { get; init; } = 0.01;
    public double MaxGradNorm { get; init; } = 1.0;
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;
    public long Seed { get; init; } = 42;
    /// <summary>Consecutive non-finite steps tolerated (each skipped) before the run stops with an error.</summary>
    public int MaxConsecutiveNonFiniteSteps { get; init; } = 10;
    /// <summary>Evaluate every this many steps (and at the end); null for never (unless <see cref="EvalEachEpoch"/>).</summary>
    public int? EvalEvery { get; init; }
    /// <summary>Evaluate at the end of every epoch.</summary>
    public bool EvalEachEpoch { get; init; }
    /// <summary>Stop after this many evaluations without a better validation score; null for never.</summary>
    public int? EarlyStoppingPatience { get; init; }
    /// <summary>Where to append one JSON line per step; null for none.</summary>
    public string? MetricsPath { get; init; }
    /// <summary>A run directory for checkpoints and resume state; null for an in-memory run.</summary>
    public string? OutputPath { get; init; }
    public int? CheckpointEvery { get; init; }
    public int KeepCheckpoints { get; init; } = 2;
    /// <summary>What to do when <see cref="OutputPath"/> already holds a run (see <see cref="RerunRules"/>).</summary>
    public RerunMode Rerun { get; init; } = RerunMode.Resume;
    /// <summary>
    /// Put examples of similar length into the same batch (see <see cref="Data.LengthGroupedOrder"/>),
    /// which cuts padding when examples vary in length: line-by-line corpora and fine-tuning data.
    /// </summary>
    public bool GroupByLength { get; init; }
    /// <summary>Batches collated ahead on a background thread while the model computes; 0 collates on the training thread.</summary>
    public int PrefetchBatches { get; init; } = 2;

    /// <summary>Tests only: step attempts (1-based, skipped ones included) whose loss is made NaN.</summary>
    internal Func<int, bool>? PoisonLossAtAttempt { get; init; }

    /// <summary>Tests only: step attempts (1-based) that ask libtorch for far more memory than any machine has, after the first forward pass.</summary>
    internal Func<int, bool>? ExhaustMemoryAtAttempt { get; init; }

    /// <summary>
    /// What the objective adds to the run's settings, the fingerprint a rerun compares (see
    /// <see cref="TrainingSettings"/>): the masking, or the task and how its head is trained.
    /// </summary>
    protected abstract IEnumerable<KeyValuePair<string, string>> ObjectiveSettings();

    /// <summary>
    /// The run's settings, one fingerprint for every objective: the shared ones, the objective's
    /// (<see cref="ObjectiveSettings"/>), then <paramref name="more"/> (what only the run knows,
    /// such as a head's labels).
    /// </summary>
    /// <param name="model">The model as given (see <see cref="TrainingSettings.Describe"/>); null leaves it out.</param>
    public Dictionary<string, string> Settings(int plannedSteps, string? model, string trainingData, string? validationData,
        IEnumerable<KeyValuePair<string, string>>? more = null) =>
        TrainingSettings.Of(this, plannedSteps, ObjectiveSettings().Concat(more ?? []), model, trainingData, validationData);

    protected static void Fail(string why) => throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument, why);

    public virtual void Validate()
    {
        if (BatchSize <= 0) Fail("BatchSize must be positive.");
        if (GradientAccumulation <= 0) Fail("GradientAccumulation must be positive.");
        if (MaxSteps is <= 0) Fail("MaxSteps must be positive.");
        if (Epochs is <= 0) Fail("Epochs must be positive.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) Fail("LearningRate must be a positive number.");
        if (WarmupSteps is < 0) Fail("WarmupSteps must not be negative.");
        if (WarmupRatio is < 0 or >= 1) Fail("WarmupRatio must be in [0, 1).");
        if (WeightDecay < 0) Fail("WeightDecay must not be negative.");
        if (!(MaxGradNorm > 0)) Fail("MaxGradNorm must be positive.");
        if (EvalEvery is <= 0) Fail("EvalEvery must be positive.");
        if (EarlyStoppingPatience is <= 0) Fail("EarlyStoppingPatience must be positive.");
        if (EarlyStoppingPatience is not null && EvalEvery is null && !EvalEachEpoch) Fail("EarlyStoppingPatience needs EvalEvery.");
        if (CheckpointEvery is <= 0) Fail("CheckpointEvery must be positive.");
        if (CheckpointEvery is not null && OutputPath is null) Fail("CheckpointEvery needs OutputPath.");
        if (KeepCheckpoints <= 0) Fail("KeepCheckpoints must be positive.");
        if (Rerun != RerunMode.Resume && OutputPath is null) Fail($"{Rerun} needs OutputPath: it decides what happens to the run there.");
        if (PrefetchBatches < 0) Fail("PrefetchBatches must not be negative.");
        if (Threads is < 1) Fail("Threads must be at least 1.");
        if (!(InitialLossScale >= LossScaler.MinimumScale) || double.IsInfinity(InitialLossScale)) Fail("InitialLossScale must be a finite number of at least 2^-16.");
        if (DeviceIndex is < 0) Fail("DeviceIndex must not be negative.");
    }
}
