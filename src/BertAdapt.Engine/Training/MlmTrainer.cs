using System.Diagnostics;
using System.Text.Json;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Evaluation;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Training;

/// <summary>How a training run ended.</summary>
public sealed record MlmTrainingResult(int Steps, double? FinalLoss, bool Cancelled, int SkippedNonFiniteSteps)
{
    public bool EarlyStopped { get; init; }
    /// <summary>The step this run resumed from (0 for a fresh run).</summary>
    public int ResumedFromStep { get; init; }
    public double? BestValidationPerplexity { get; init; }
}

/// <summary>Callbacks a caller (the cmdlet) uses to watch a run.</summary>
public sealed class TrainingCallbacks
{
    /// <summary>After each step: its metrics, the job's step count so far (resumed steps included), and the job's total.</summary>
    public Action<TrainingStepMetrics, int, int>? Step { get; init; }
    public Action<string>? Warning { get; init; }
    public Action<string>? Info { get; init; }
}

/// <summary>
/// Masked-LM (optionally + NSP) training: AdamW (no decay on biases and LayerNorm), warmup then
/// a linear, cosine or constant schedule, gradient clipping and accumulation, validation and
/// early stopping, and exactly resumable checkpoints. Each step runs in its own dispose scope,
/// so native memory stays flat however long the run.
/// </summary>
public static class MlmTrainer
{
    public static MlmTrainingResult Train(BertModel model, ITrainingExamples train, MlmTrainingOptions options,
        Action<TrainingStepMetrics, int>? onStep = null, Action<string>? onWarning = null, CancellationToken cancellation = default) =>
        Train(model, train, null, options, new TrainingCallbacks { Step = onStep is null ? null : (m, _, total) => onStep(m, total), Warning = onWarning }, cancellation);

    public static MlmTrainingResult Train(BertModel model, ITrainingExamples train, ITrainingExamples? validation,
        MlmTrainingOptions options, TrainingCallbacks callbacks, CancellationToken cancellation = default)
    {
        options.Validate();
        if (train.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData, "There are no training sequences.");

        long microBatchesPerEpoch = (train.Count + options.BatchSize - 1) / options.BatchSize;
        int stepsPerEpoch = checked((int)((microBatchesPerEpoch + options.GradientAccumulation - 1) / options.GradientAccumulation));
        int totalSteps = (options.MaxSteps, options.Epochs) switch
        {
            (int s, int e) => Math.Min(s, checked(e * stepsPerEpoch)),
            (int s, null) => s,
            (null, int e) => checked(e * stepsPerEpoch),
            _ => stepsPerEpoch,
        };
        int warmup = options.WarmupSteps ?? (int)(options.WarmupRatio * totalSteps);
        var schedule = new LearningRateSchedule(options.Schedule, options.LearningRate, warmup, totalSteps);
        var module = model.Module;
        model.MoveTo(DeviceSelector.Resolve(options.Device));
        var masker = new MlmMasker(model.Vocabulary, options.MaskProbability, options.WholeWordMask);
        var fingerprint = TrainerState.FingerprintOf(options, train.Count, totalSteps);

        using var job = options.OutputPath is null ? null : JobDirectory.Open(options.OutputPath);
        var metricsPath = options.MetricsPath ?? job?.MetricsPath;
        using var optimizer = CreateOptimizer(module, options);
        var parameters = module.parameters().ToList();

        var settings = TrainerState.SettingsOf(options, train.Count, totalSteps);
        var state = new TrainerState { ModelStepsTrained = model.StepsTrained, Fingerprint = fingerprint, Settings = settings };
        int resumedFrom = 0;
        if (job?.LatestCheckpoint() is string checkpoint)
        {
            state = JobDirectory.Restore(checkpoint, model, optimizer);
            state.Settings = settings;
            if (state.Fingerprint != fingerprint)
                callbacks.Warning?.Invoke($"'{checkpoint}' was written with different settings; resuming anyway, so the run will not match an uninterrupted one.");
            resumedFrom = state.Step;
            model.ResumeFrom(state.ModelStepsTrained, ReadHistory(metricsPath, state.ModelStepsTrained));
            callbacks.Info?.Invoke($"Resumed from '{checkpoint}' at step {state.Step} of {totalSteps}.");
        }
        else
        {
            torch.manual_seed(options.Seed);
        }
        using var metricsWriter = metricsPath is null ? null : new StreamWriter(metricsPath, append: true);

        var permutation = new SeededPermutation(train.Count, options.Seed, state.Epoch);
        int consecutiveBad = 0, lastSaved = state.Step, attempt = 0;
        double? lastLoss = null, bestPerplexity = state.BestValidationLoss is double b ? Math.Exp(b) : null;
        bool cancelled = false, earlyStopped = false;
        var clock = Stopwatch.StartNew();
        module.train();
        module.SetComputeType(options.Precision == TrainingPrecision.BFloat16 ? ScalarType.BFloat16 : null);
        try
        {
            while (state.Step < totalSteps)
            {
                if (cancellation.IsCancellationRequested) { cancelled = true; break; }
                var stepStart = clock.Elapsed;
                attempt++;
                using var scope = NewDisposeScope();
                double learningRate = schedule.At(state.Step);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;

                double loss = 0, mlmLoss = 0, nspLoss = 0;
                long tokens = 0, maskedTokens = 0, nspCorrect = 0, nspCount = 0;
                bool finite = true;
                for (int micro = 0; micro < options.GradientAccumulation && finite; micro++)
                {
                    var batch = NextBatch(train, masker, options, state, ref permutation);
                    var losses = module.Losses(batch);
                    if (options.PoisonLossAtAttempt?.Invoke(attempt) == true) losses = losses with { Total = losses.Total * double.NaN };
                    double value = losses.Total.item<float>();
                    finite = double.IsFinite(value);
                    if (!finite) break;
                    (losses.Total / options.GradientAccumulation).backward();
                    loss += value / options.GradientAccumulation;
                    mlmLoss += losses.Mlm.item<float>() / options.GradientAccumulation;
                    if (losses.Nsp is not null)
                    {
                        nspLoss += losses.Nsp.item<float>() / options.GradientAccumulation;
                        nspCorrect += losses.NspCorrect!.item<long>();
                        nspCount += batch.Rows;
                    }
                    tokens += batch.TokenCount;
                    maskedTokens += batch.MaskedPositions.Length;
                    if (state.Cursor >= train.Count) break; // a step never spans epochs; NextBatch starts the next one
                }
                double gradNorm = finite ? nn.utils.clip_grad_norm_(parameters, options.MaxGradNorm) : double.NaN;
                if (!finite || !double.IsFinite(gradNorm))
                {
                    optimizer.zero_grad();
                    state.SkippedNonFinite++;
                    consecutiveBad++;
                    callbacks.Warning?.Invoke($"Step {state.Step + 1}: the {(finite ? "gradient norm" : "loss")} is not finite; the step was skipped ({state.SkippedNonFinite} so far).");
                    if (consecutiveBad > options.MaxConsecutiveNonFiniteSteps)
                        throw new BertAdaptException("TrainingDiverged", BertAdaptErrorKind.InvalidOperation,
                            $"Training stopped: {consecutiveBad} consecutive steps had a non-finite loss or gradient. Lower -LearningRate or check the data."
                            + (job is null ? "" : $" The last good checkpoint in '{job.Path}' is kept."));
                    continue;
                }
                consecutiveBad = 0;
                optimizer.step();
                optimizer.zero_grad();
                state.Step++;

                var seconds = (clock.Elapsed - stepStart).TotalSeconds;
                var metrics = new TrainingStepMetrics(model.StepsTrained + 1, state.Epoch, loss, learningRate, gradNorm,
                    tokens, maskedTokens, tokens / Math.Max(seconds, 1e-9), clock.Elapsed.TotalSeconds)
                {
                    MlmLoss = mlmLoss,
                    NspLoss = nspCount > 0 ? nspLoss : null,
                    NspAccuracy = nspCount > 0 ? (double)nspCorrect / nspCount : null,
                };
                bool evaluate = validation is not null && options.EvalEvery is int every && (state.Step % every == 0 || state.Step == totalSteps);
                if (evaluate)
                {
                    module.SetComputeType(null);
                    var result = PerplexityEvaluator.Measure(model, validation!, options.BatchSize, options.MaskProbability, options.Seed, cancellation: cancellation);
                    module.SetComputeType(options.Precision == TrainingPrecision.BFloat16 ? ScalarType.BFloat16 : null);
                    module.train();
                    metrics = metrics with { ValidationPerplexity = result.Perplexity, ValidationLoss = result.Loss };
                    if (state.BestValidationLoss is not double best || result.Loss < best)
                    {
                        state.BestValidationLoss = result.Loss;
                        state.EvaluationsWithoutImprovement = 0;
                        bestPerplexity = result.Perplexity;
                        // The best weights so far, as a plain HF checkpoint: what early stopping is for.
                        if (job is not null) HfCheckpointDirectory.Export(model, job.BestPath, force: true);
                    }
                    else state.EvaluationsWithoutImprovement++;
                    earlyStopped = options.EarlyStoppingPatience is int patience && state.EvaluationsWithoutImprovement >= patience;
                }
                model.RecordStep(metrics);
                state.ModelStepsTrained = model.StepsTrained;
                lastLoss = loss;
                metricsWriter?.WriteLine(JsonSerializer.Serialize(metrics));
                metricsWriter?.Flush();
                callbacks.Step?.Invoke(metrics, state.Step, totalSteps);

                if (job is not null && options.CheckpointEvery is int interval && state.Step % interval == 0)
                {
                    job.Save(model, optimizer, state, options.KeepCheckpoints);
                    lastSaved = state.Step;
                }
                if (earlyStopped)
                {
                    callbacks.Info?.Invoke($"Early stopping at step {state.Step}: no better validation loss in {state.EvaluationsWithoutImprovement} evaluations.");
                    break;
                }
            }
            // A finished, stopped or cancelled run leaves a checkpoint of where it ended.
            if (job is not null && state.Step > lastSaved) job.Save(model, optimizer, state, options.KeepCheckpoints);
        }
        finally
        {
            module.SetComputeType(null);
            module.eval();
        }
        return new MlmTrainingResult(state.Step - resumedFrom, lastLoss, cancelled, state.SkippedNonFinite)
        {
            EarlyStopped = earlyStopped,
            ResumedFromStep = resumedFrom,
            BestValidationPerplexity = bestPerplexity,
        };
    }

    /// <summary>AdamW in two groups: weight decay on weights, none on biases and LayerNorm.</summary>
    public static AdamW CreateOptimizer(nn.Module module, MlmTrainingOptions options)
    {
        var named = module.named_parameters().ToList();
        static bool NoDecay(string name) => name.EndsWith("bias", StringComparison.Ordinal) || name.Contains("LayerNorm", StringComparison.Ordinal);
        var groups = new[]
        {
            new AdamW.ParamGroup(named.Where(p => !NoDecay(p.name)).Select(p => p.parameter), options.LearningRate,
                options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay, false, false),
            new AdamW.ParamGroup(named.Where(p => NoDecay(p.name)).Select(p => p.parameter), options.LearningRate,
                options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, 0.0, false, false),
        };
        return optim.AdamW(groups, options.LearningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay);
    }

    /// <summary>
    /// The next micro-batch in the seeded order of the current epoch. A batch never spans two
    /// epochs (the last one of an epoch may be short). Each example is masked from a random
    /// stream of (seed, epoch, example index), so resuming at (epoch, cursor) is exact.
    /// </summary>
    static MlmBatch NextBatch(ITrainingExamples train, MlmMasker masker, MlmTrainingOptions options, TrainerState state, ref SeededPermutation permutation)
    {
        if (state.Cursor >= train.Count) { state.Epoch++; state.Cursor = 0; }
        if (permutation.Epoch != state.Epoch) permutation = new SeededPermutation(train.Count, options.Seed, state.Epoch);
        int rows = (int)Math.Min(options.BatchSize, train.Count - state.Cursor);
        var indexes = new long[rows];
        var examples = new TrainingExample[rows];
        for (int r = 0; r < rows; r++)
        {
            indexes[r] = permutation[state.Cursor + r];
            examples[r] = train.Get(indexes[r], state.Epoch);
        }
        state.Cursor += rows;
        int epoch = state.Epoch;
        return masker.Collate(examples, r => StatelessRandom.For(options.Seed, StatelessRandom.Streams.Masking, epoch, indexes[r]));
    }

    /// <summary>Metrics lines up to a step; later lines (written after the checkpoint) are dropped from the file.</summary>
    static List<TrainingStepMetrics> ReadHistory(string? metricsPath, int uptoStep)
    {
        var kept = new List<TrainingStepMetrics>();
        if (metricsPath is null || !File.Exists(metricsPath)) return kept;
        var lines = new List<string>();
        foreach (var line in File.ReadLines(metricsPath))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var metrics = JsonSerializer.Deserialize<TrainingStepMetrics>(line);
            if (metrics is null || metrics.Step > uptoStep) continue;
            kept.Add(metrics);
            lines.Add(line);
        }
        var temporary = metricsPath + ".tmp";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, metricsPath, overwrite: true);
        return kept;
    }
}
