using BertAdapt.Engine.Data;
using BertAdapt.Engine.Evaluation;

namespace BertAdapt.Engine.Training;

/// <summary>How a training run ended.</summary>
public sealed record MlmTrainingResult(int Steps, double? FinalLoss, bool Cancelled, int SkippedNonFiniteSteps)
{
    public bool EarlyStopped { get; init; }
    /// <summary>The step this run resumed from (0 for a fresh run).</summary>
    public int ResumedFromStep { get; init; }
    public double? BestValidationPerplexity { get; init; }
    /// <summary>Share of the batch positions that were padding.</summary>
    public double PaddingFraction { get; init; }
    /// <summary>Which run this was and how it began: new, resumed, already finished, continued or restarted.</summary>
    public TrainingRunOutcome Run { get; init; } = null!;
    /// <summary>Where the run computed ("cpu", "cuda:0") and with how many CPU threads.</summary>
    public string Device { get; init; } = "";
    public int Threads { get; init; }
}

/// <summary>
/// Masked-LM (optionally + NSP) training through the shared <see cref="TrainingLoop"/>: each
/// example is masked from a random stream of (seed, epoch, example index), so resuming at an
/// exact data position gives the same batches; validation is held-out perplexity.
/// </summary>
public static class MlmTrainer
{
    public static MlmTrainingResult Train(BertModel model, ITrainingExamples train, MlmTrainingOptions options,
        Action<TrainingStepMetrics, int>? onStep = null, Action<string>? onWarning = null, CancellationToken cancellation = default) =>
        Train(model, train, null, options, new TrainingCallbacks { Step = onStep is null ? null : (m, _, total) => onStep(m, total), Warning = onWarning }, cancellation);

    /// <summary>Trains on a corpus's examples; its content fingerprints tell a rerun whether the data changed.</summary>
    public static MlmTrainingResult Train(BertModel model, TrainingData data, MlmTrainingOptions options, TrainingCallbacks callbacks,
        CancellationToken cancellation = default) =>
        Train(model, data.Train, data.Validation, options, callbacks, cancellation, (data.TrainFingerprint, data.ValidationFingerprint));

    /// <param name="fingerprints">Content fingerprints of the examples; when null and there is an output path, the examples are hashed.</param>
    public static MlmTrainingResult Train(BertModel model, ITrainingExamples train, ITrainingExamples? validation,
        MlmTrainingOptions options, TrainingCallbacks callbacks, CancellationToken cancellation = default,
        (string Train, string? Validation)? fingerprints = null)
    {
        options.Validate();
        if (train.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData, "There are no training sequences.");
        // NSP's second sentence has segment id 1, which a model with one token type cannot embed.
        if (options.Objective == TrainingObjective.MlmNsp && model.Config.TypeVocabSize < 2)
            throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument,
                $"-Objective MlmNsp needs two token types (sentence A and B), but this model has type_vocab_size {model.Config.TypeVocabSize}. Train it with -Objective Mlm.");
        var objective = new MlmObjective(model, train, validation, options);
        var settings = SettingsOf(options, model, train, validation, fingerprints);
        var result = TrainingLoop.Run(model, objective, options, settings, callbacks, cancellation);
        return new MlmTrainingResult(result.Steps, result.FinalLoss, result.Cancelled, result.SkippedNonFiniteSteps)
        {
            EarlyStopped = result.EarlyStopped,
            ResumedFromStep = result.ResumedFromStep,
            BestValidationPerplexity = result.BestScore is double loss ? Math.Exp(loss) : null,
            PaddingFraction = result.PaddingFraction,
            Run = result.Run,
            Device = result.Device,
            Threads = result.Threads,
        };
    }

    /// <summary>The run's settings (see <see cref="TrainingSettings"/>) with masked-LM's own: objective and masking.</summary>
    public static Dictionary<string, string> SettingsOf(MlmTrainingOptions options, BertModel? model, ITrainingExamples train, ITrainingExamples? validation,
        (string Train, string? Validation)? fingerprints = null)
    {
        // Without an output path nothing is compared, so the model and data are not hashed.
        bool compared = options.OutputPath is not null;
        string Data(ITrainingExamples examples, string? fingerprint) => compared
            ? ContentFingerprint.Describe(examples.Count, fingerprint ?? Fingerprint(examples))
            : $"{examples.Count:N0} examples";
        return options.Settings(TrainingLoop.PlannedSteps(options, train.Count), compared && model is not null ? TrainingSettings.Describe(model) : null,
            Data(train, fingerprints?.Train), validation is null ? null : Data(validation, fingerprints?.Validation));
    }

    /// <summary>Every example's tokens as the first epoch sees them: for callers without a <see cref="TrainingData"/>.</summary>
    static string Fingerprint(ITrainingExamples examples)
    {
        using var fingerprint = new ContentFingerprint();
        for (long i = 0; i < examples.Count; i++)
        {
            var example = examples.Get(i, 0);
            fingerprint.Add(example.TokenIds).Add(example.TokenTypeIds ?? []).Add(example.NextSentenceLabel ?? -1);
        }
        return fingerprint.Finish();
    }

    sealed class MlmObjective(BertModel model, ITrainingExamples train, ITrainingExamples? validation, MlmTrainingOptions options)
        : ITrainingObjective<MlmBatch>
    {
        readonly MlmMasker masker = new(model.Vocabulary, options.MaskProbability, options.WholeWordMask);

        public long Count => train.Count;

        public MlmBatch Collate(long[] indexes, int epoch)
        {
            var examples = new TrainingExample[indexes.Length];
            for (int r = 0; r < indexes.Length; r++) examples[r] = train.Get(indexes[r], epoch);
            return masker.Collate(examples, r => StatelessRandom.For(options.Seed, StatelessRandom.Streams.Masking, epoch, indexes[r]));
        }

        public (long Tokens, long Masked, long Positions) Measure(MlmBatch batch) =>
            (batch.TokenCount, batch.MaskedPositions.Length, (long)batch.Rows * batch.Length);

        public int LengthOf(long index, int epoch) => train.LengthOf(index, epoch);

        public StepLosses Forward(MlmBatch batch)
        {
            var losses = model.Module.Losses(batch);
            return new StepLosses(losses.Total, losses.Mlm, losses.Nsp, losses.NspCorrect);
        }

        public bool HasValidation => validation is not null;

        public ValidationOutcome Evaluate(CancellationToken cancellation)
        {
            var result = PerplexityEvaluator.Measure(model, validation!, options.BatchSize, options.MaskProbability, options.Seed, cancellation: cancellation);
            return new ValidationOutcome(result.Loss, "validation loss", result.Loss, HigherIsBetter: false,
                m => m with { ValidationPerplexity = result.Perplexity });
        }
    }
}
