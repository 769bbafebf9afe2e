using System.Diagnostics;
using System.Text.Json;
using BertAdapt.Engine.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Training;

/// <summary>The loss of one micro-batch and what a step reports about it.</summary>
/// <param name="Total">The loss to back-propagate (a scalar in the caller's dispose scope).</param>
/// <param name="Mlm">The masked-LM part, for MLM runs.</param>
/// <param name="Nsp">The next-sentence part and the count of correct NSP predictions, for MLM+NSP runs.</param>
public sealed record StepLosses(Tensor Total, Tensor? Mlm = null, Tensor? Nsp = null, Tensor? NspCorrect = null);

/// <summary>One validation pass: a loss, the score that decides "best" and early stopping, and how to record it.</summary>
/// <param name="ScoreName">What <paramref name="Score"/> is ("validation loss", "macro-F1", ...).</param>
/// <param name="Score">The value compared between evaluations.</param>
/// <param name="HigherIsBetter">Whether a larger <paramref name="Score"/> is an improvement.</param>
/// <param name="Annotate">Adds the evaluation to the step's metrics line.</param>
public sealed record ValidationOutcome(double Loss, string ScoreName, double Score, bool HigherIsBetter, Func<TrainingStepMetrics, TrainingStepMetrics> Annotate);

/// <summary>
/// What a head brings to the shared training loop: how to batch its examples, the loss of a
/// batch and, optionally, a validation pass. Masked-LM pre-training and every fine-tuning task
/// run through the same <see cref="TrainingLoop"/>.
/// </summary>
public interface ITrainingObjective<TBatch>
{
    /// <summary>Training examples per epoch.</summary>
    long Count { get; }

    /// <summary>The host-side batch of the examples at <paramref name="indexes"/> in <paramref name="epoch"/>.</summary>
    TBatch Collate(long[] indexes, int epoch);

    /// <summary>Tokens (padding excluded), masked tokens and positions (rows × padded length) in a batch.</summary>
    (long Tokens, long Masked, long Positions) Measure(TBatch batch);

    /// <summary>The length in tokens of the example at <paramref name="index"/>, for length-grouped batches.</summary>
    int LengthOf(long index, int epoch);

    /// <summary>Forward pass and loss, in training mode.</summary>
    StepLosses Forward(TBatch batch);

    bool HasValidation { get; }

    /// <summary>A validation pass (the model is in eval mode; the loop restores training mode).</summary>
    ValidationOutcome Evaluate(CancellationToken cancellation);
}

/// <summary>How a training run ended.</summary>
/// <param name="Steps">Steps taken by this call (a resumed run's earlier steps not included).</param>
/// <param name="PaddingFraction">Share of this run's batch positions that were padding (0 when no step ran).</param>
/// <param name="Device">Where the run computed ("cpu", "cuda:0").</param>
/// <param name="Threads">libtorch's CPU threads during the run.</param>
public sealed record TrainingLoopResult(int Steps, double? FinalLoss, bool Cancelled, int SkippedNonFiniteSteps,
    bool EarlyStopped, int ResumedFromStep, int TotalSteps, double? BestScore, double PaddingFraction, string Device, int Threads)
{
    public TrainingRunOutcome Run { get; init; } = null!;
}

/// <summary>Which run a training call was, and how it began (see <see cref="RerunRules"/>).</summary>
/// <param name="Steps">The run's steps so far (a resumed run's earlier steps included), of <paramref name="TotalSteps"/>.</param>
public sealed record TrainingRunOutcome(RunStart Start, string Id, int Number, int Steps, int TotalSteps);

/// <summary>
/// The one training loop: AdamW (no decay on biases and LayerNorm) over the trainable
/// parameters, warmup then a linear, cosine or constant schedule, gradient clipping and
/// accumulation, bfloat16 matmuls, non-finite step skipping, evaluation every N steps or each
/// epoch with best-weights export and early stopping, and exactly resumable checkpoints. Each
/// step runs in its own dispose scope, so native memory stays flat however long the run.
/// </summary>
public static class TrainingLoop
{
    /// <summary>Optimizer steps a run will take.</summary>
    public static int PlannedSteps(TrainingOptions options, long exampleCount)
    {
        long microBatchesPerEpoch = (exampleCount + options.BatchSize - 1) / options.BatchSize;
        int stepsPerEpoch = checked((int)((microBatchesPerEpoch + options.GradientAccumulation - 1) / options.GradientAccumulation));
        return (options.MaxSteps, options.Epochs) switch
        {
            (int s, int e) => Math.Min(s, checked(e * stepsPerEpoch)),
            (int s, null) => s,
            (null, int e) => checked(e * stepsPerEpoch),
            _ => stepsPerEpoch,
        };
    }

    public static TrainingLoopResult Run<TBatch>(BertModel model, ITrainingObjective<TBatch> objective, TrainingOptions options,
        Dictionary<string, string> settings, TrainingCallbacks callbacks, CancellationToken cancellation = default)
    {
        options.Validate();
        if (objective.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData, "There are no training examples.");

        int totalSteps = PlannedSteps(options, objective.Count);
        int warmup = options.WarmupSteps ?? (int)(options.WarmupRatio * totalSteps);
        var schedule = new LearningRateSchedule(options.Schedule, options.LearningRate, warmup, totalSteps);
        var module = model.Module;
        model.MoveTo(DeviceSelector.Resolve(options.Device, options.DeviceIndex));
        using var threadScope = ComputeThreads.Use(options.Threads);
        int threads = ComputeThreads.Current;
        var device = model.Device;
        using var job = options.OutputPath is null ? null : RunDirectory.Open(options.OutputPath);
        var metricsPath = options.MetricsPath ?? job?.MetricsPath;
        using var optimizer = CreateOptimizer(module, options);
        var parameters = module.parameters().Where(p => p.requires_grad).ToList();

        var plan = job is null ? new RunPlan(RunStart.New, null, null, []) : RerunRules.Plan(job.Path, job.Latest(), settings, options.Rerun);
        var state = RunBeginning.Begin(plan, job, model, optimizer, metricsPath, settings, totalSteps, callbacks);
        if (state is null)
        {
            var finished = plan.Previous!;
            return new TrainingLoopResult(0, model.LastLoss, false, finished.SkippedNonFinite, false, finished.Step, totalSteps,
                finished.BestValidationScore, 0, device, threads) { Run = new(plan.Start, finished.RunId, finished.RunNumber, finished.Step, totalSteps) };
        }
        model.RecordRun(settings);
        // The model's own dropout stream, never libtorch's global generator (other runs and models in
        // the process draw from that); a resumed run has it back from its checkpoint.
        if (plan.Start != RunStart.Resumed) module.DropoutRandom.Reseed(options.Seed);
        int resumedFrom = plan.Start == RunStart.Resumed ? state.Step : 0;
        using var metricsWriter = metricsPath is null ? null : MetricsLog.OpenAppend(metricsPath);

        using var feed = new BatchFeed<TBatch>(objective, options, state.Epoch, state.Cursor);
        long runTokens = 0, runPositions = 0;
        int consecutiveBad = 0, lastSaved = state.Step, attempt = 0;
        double? lastLoss = null;
        bool cancelled = false, earlyStopped = false, inOptimizerStep = false;
        var stepStart = (state.Epoch, state.Cursor);
        byte[]? stepStartRng = null; // for a checkpoint of the step before one that runs out of memory
        var clock = Stopwatch.StartNew();
        var computeType = options.Precision switch
        {
            TrainingPrecision.BFloat16 => ScalarType.BFloat16,
            TrainingPrecision.Float16 => ScalarType.Float16,
            _ => (ScalarType?)null,
        };
        var scaler = options.Precision != TrainingPrecision.Float16 ? null
            : state.LossScale is double restored ? LossScaler.Restore(restored, state.LossScaleGoodSteps) : new LossScaler(options.InitialLossScale);
        module.train();
        module.SetComputeType(computeType);
        // Once a stop is requested, the caller's callbacks may fail (PowerShell's Write* throw while
        // a pipeline stops); the step they report is done, so the run stops and saves it all the same.
        void Tell(Action notify)
        {
            try { notify(); }
            catch (Exception) when (cancellation.IsCancellationRequested) { cancelled = true; }
        }
        try
        {
            while (state.Step < totalSteps)
            {
                if (cancellation.IsCancellationRequested) { cancelled = true; break; }
                var stepStartTime = clock.Elapsed;
                stepStart = (state.Epoch, state.Cursor);
                if (job is not null) stepStartRng = module.DropoutRandom.GetState();
                attempt++;
                using var scope = NewDisposeScope();
                double learningRate = schedule.At(state.Step);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;

                double loss = 0, mlmLoss = 0, nspLoss = 0;
                long tokens = 0, maskedTokens = 0, positions = 0, nspCorrect = 0, nspCount = 0;
                bool finite = true, hasMlm = false, epochEnded = false;
                for (int micro = 0; micro < options.GradientAccumulation && finite; micro++)
                {
                    var (batch, rows, epoch, cursor) = feed.Next();
                    (state.Epoch, state.Cursor) = (epoch, cursor);
                    var losses = objective.Forward(batch);
                    if (options.PoisonLossAtAttempt?.Invoke(attempt) == true) losses = losses with { Total = losses.Total * double.NaN };
                    double value = losses.Total.item<float>();
                    finite = double.IsFinite(value);
                    if (!finite) break;
                    if (micro == 0 && options.ExhaustMemoryAtAttempt?.Invoke(attempt) == true) empty(1L << 50, ScalarType.Float32, device: module.Device);
                    (scaler is null ? losses.Total / options.GradientAccumulation : losses.Total * (scaler.Scale / options.GradientAccumulation)).backward();
                    loss += value / options.GradientAccumulation;
                    if (losses.Mlm is not null)
                    {
                        hasMlm = true;
                        mlmLoss += losses.Mlm.item<float>() / options.GradientAccumulation;
                    }
                    if (losses.Nsp is not null)
                    {
                        nspLoss += losses.Nsp.item<float>() / options.GradientAccumulation;
                        nspCorrect += losses.NspCorrect!.item<long>();
                        nspCount += rows;
                    }
                    var (t, m, p) = objective.Measure(batch);
                    tokens += t;
                    maskedTokens += m;
                    positions += p;
                    if (state.Cursor >= objective.Count) { epochEnded = true; break; } // a step never spans epochs
                }
                if (finite && scaler is not null)
                    using (no_grad())
                        foreach (var parameter in parameters) parameter.grad?.div_(scaler.Scale);
                double gradNorm = finite ? nn.utils.clip_grad_norm_(parameters, options.MaxGradNorm) : double.NaN;
                double? lossScale = scaler?.Scale;
                if (finite && scaler is not null && !double.IsFinite(gradNorm))
                {
                    // Float16 gradients overflowed at this scale: expected now and then, not divergence.
                    scaler.Update(finite: false);
                    (state.LossScale, state.LossScaleGoodSteps) = (scaler.Scale, scaler.GoodSteps);
                    if (!scaler.Exhausted)
                    {
                        optimizer.zero_grad();
                        callbacks.Info?.Invoke($"Step {state.Step + 1}: float16 gradients overflowed at loss scale {lossScale:G6}; the step was skipped and the scale lowered to {scaler.Scale:G6}.");
                        continue;
                    }
                }
                if (!finite || !double.IsFinite(gradNorm))
                {
                    optimizer.zero_grad();
                    state.SkippedNonFinite++;
                    consecutiveBad++;
                    Tell(() => callbacks.Warning?.Invoke($"Step {state.Step + 1}: the {(finite ? "gradient norm" : "loss")} is not finite; the step was skipped ({state.SkippedNonFinite} so far)."));
                    if (consecutiveBad > options.MaxConsecutiveNonFiniteSteps)
                        throw new BertAdaptException("TrainingDiverged", BertAdaptErrorKind.InvalidOperation,
                            $"Training stopped: {consecutiveBad} consecutive steps had a non-finite loss or gradient. Lower -LearningRate or check the data."
                            + (job is null ? "" : $" The last good checkpoint in '{job.Path}' is kept."));
                    continue;
                }
                consecutiveBad = 0;
                runTokens += tokens;
                runPositions += positions;
                inOptimizerStep = true;
                optimizer.step();
                inOptimizerStep = false;
                if (scaler is not null)
                {
                    scaler.Update(finite: true);
                    (state.LossScale, state.LossScaleGoodSteps) = (scaler.Scale, scaler.GoodSteps);
                }
                optimizer.zero_grad();
                state.Step++;

                var seconds = (clock.Elapsed - stepStartTime).TotalSeconds;
                var metrics = new TrainingStepMetrics(model.StepsTrained + 1, state.Epoch, loss, learningRate, gradNorm,
                    tokens, maskedTokens, tokens / Math.Max(seconds, 1e-9), clock.Elapsed.TotalSeconds)
                {
                    RunId = state.RunId,
                    RunStep = state.Step,
                    MlmLoss = hasMlm ? mlmLoss : null,
                    NspLoss = nspCount > 0 ? nspLoss : null,
                    NspAccuracy = nspCount > 0 ? (double)nspCorrect / nspCount : null,
                    PaddingFraction = positions > 0 ? 1 - (double)tokens / positions : null,
                    Device = device,
                    Threads = threads,
                    LossScale = lossScale,
                };
                bool evaluate = objective.HasValidation && (
                    (options.EvalEvery is int every && state.Step % every == 0)
                    || (options.EvalEachEpoch && epochEnded)
                    || ((options.EvalEvery is not null || options.EvalEachEpoch) && state.Step == totalSteps));
                if (evaluate && Evaluate(model, objective, computeType, cancellation) is ValidationOutcome outcome)
                {
                    metrics = outcome.Annotate(metrics with { ValidationLoss = outcome.Loss });
                    bool better = state.BestValidationScore is not double best
                        || (outcome.HigherIsBetter ? outcome.Score > best : outcome.Score < best);
                    if (better)
                    {
                        state.BestValidationScore = outcome.Score;
                        state.BestValidationMetric = outcome.ScoreName;
                        state.EvaluationsWithoutImprovement = 0;
                        // The best weights so far, as a plain HF checkpoint: what early stopping is for.
                        if (job is not null) HfCheckpointDirectory.Export(model, job.BestPath, force: true);
                    }
                    else state.EvaluationsWithoutImprovement++;
                    earlyStopped = options.EarlyStoppingPatience is int patience && state.EvaluationsWithoutImprovement >= patience;
                }
                else if (evaluate)
                {
                    // Stopped during the validation pass: the step itself is done and will be saved; the pass is not repeated.
                    cancelled = true;
                    Tell(() => callbacks.Warning?.Invoke($"The validation pass after step {state.Step} was stopped; it is skipped, and a resumed run does not repeat it."));
                }
                model.RecordStep(metrics);
                state.ModelStepsTrained = model.StepsTrained;
                lastLoss = loss;
                metricsWriter?.WriteLine(JsonSerializer.Serialize(metrics));
                metricsWriter?.Flush();
                Tell(() => callbacks.Step?.Invoke(metrics, state.Step, totalSteps));

                state.Finished = state.Step >= totalSteps || earlyStopped;
                if (job is not null && options.CheckpointEvery is int interval && state.Step % interval == 0)
                {
                    job.Save(model, optimizer, state, options.KeepCheckpoints);
                    lastSaved = state.Step;
                }
                if (cancelled) break;
                if (earlyStopped)
                {
                    Tell(() => callbacks.Info?.Invoke($"Early stopping at step {state.Step}: no better validation score in {state.EvaluationsWithoutImprovement} evaluations."));
                    break;
                }
            }
            // A finished, stopped or cancelled run leaves a checkpoint of where it ended.
            if (job is not null && state.Step > lastSaved) job.Save(model, optimizer, state, options.KeepCheckpoints);
        }
        catch (Exception ex) when (DeviceOutOfMemory.Is(ex))
        {
            throw OutOfMemory(ex, model, optimizer, job, state, stepStart, stepStartRng, lastSaved, inOptimizerStep, options);
        }
        finally
        {
            module.SetComputeType(null);
            module.eval();
        }
        return new TrainingLoopResult(state.Step - resumedFrom, lastLoss, cancelled, state.SkippedNonFinite,
            earlyStopped, resumedFrom, totalSteps, state.BestValidationScore, runPositions > 0 ? 1 - (double)runTokens / runPositions : 0, device, threads)
        { Run = new(plan.Start, state.RunId, state.RunNumber, state.Step, totalSteps) };
    }

    /// <summary>A validation pass in eval mode and full precision; null when it was cancelled.</summary>
    static ValidationOutcome? Evaluate<TBatch>(BertModel model, ITrainingObjective<TBatch> objective, ScalarType? computeType, CancellationToken cancellation)
    {
        var module = model.Module;
        module.SetComputeType(null);
        module.eval();
        try
        {
            return objective.Evaluate(cancellation);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            module.SetComputeType(computeType);
            module.train();
        }
    }

    /// <summary>
    /// The error for a step that ran out of memory. The failed step changed no weights unless it
    /// failed inside the optimizer, so the run directory gets a checkpoint of the last completed
    /// step, at the data position where the failed step began: rerunning the command (with a
    /// smaller batch) resumes there.
    /// </summary>
    static BertAdaptException OutOfMemory(Exception ex, BertModel model, AdamW optimizer, RunDirectory? job, TrainerState state,
        (int Epoch, long Cursor) stepStart, byte[]? stepStartRng, int lastSaved, bool inOptimizerStep, TrainingOptions options)
    {
        var device = model.Device;
        string saved;
        if (job is null)
            saved = "Nothing was saved: give -OutputPath to keep checkpoints that a rerun resumes from.";
        else if (!inOptimizerStep && state.Step > lastSaved)
        {
            optimizer.zero_grad();
            (state.Epoch, state.Cursor) = stepStart;
            if (stepStartRng is not null) model.Module.DropoutRandom.SetState(stepStartRng, "of the step's start");
            try
            {
                job.Save(model, optimizer, state, options.KeepCheckpoints);
                saved = $"The last completed step ({state.Step}) was saved in '{job.Latest()?.Path}'; run the same command again to resume from it.";
            }
            catch (BertAdaptException save)
            {
                saved = $"Saving step {state.Step} failed too ({save.Message}).";
            }
        }
        else
            saved = job.Latest()?.Path is string latest
                ? $"The newest checkpoint is '{latest}'{(inOptimizerStep ? " (the optimizer was interrupted, so the step in memory was not saved)" : "")}; run the same command again to resume from it."
                : "No checkpoint had been saved yet.";
        return DeviceOutOfMemory.Error(ex, device, $"computing step {state.Step + 1} (batches of {options.BatchSize} × up to {options.SequenceLength} tokens)",
            $"{saved} Lower -BatchSize (raise -GradientAccumulation to keep the effective batch), shorten -SequenceLength or -MaxLength, or use -Precision BFloat16.");
    }

    /// <summary>AdamW over the trainable parameters in two groups: weight decay on weights, none on biases and LayerNorm.</summary>
    public static AdamW CreateOptimizer(nn.Module module, TrainingOptions options)
    {
        var named = module.named_parameters().Where(p => p.parameter.requires_grad).ToList();
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
}
