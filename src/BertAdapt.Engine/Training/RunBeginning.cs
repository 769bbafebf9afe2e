using BertAdapt.Engine.Checkpoints;
using TorchSharp.Modules;

namespace BertAdapt.Engine.Training;

/// <summary>
/// Carries out what <see cref="RerunRules.Plan"/> decided, before the first step: loads what the
/// run starts from (a checkpoint's full state to resume, its weights to continue or to hand back
/// a finished model), tidies the output path for a new run, and says what happened and why.
/// </summary>
internal static class RunBeginning
{
    /// <summary>
    /// A run checkpoint is read back only as it was written: every file its manifest lists (weights,
    /// optimizer.bin, rng.bin, trainer_state.json) must have its size and SHA-256, or the run stops
    /// with RunCheckpointChanged before anything is loaded or trained. A checkpoint without a manifest
    /// (written before manifests) is read as before, by the readers' own checks.
    /// </summary>
    static void Verify(string checkpoint)
    {
        if (CheckpointManifest.Read(checkpoint)?.FindChange(checkpoint) is var (path, what))
            throw new BertAdaptException("RunCheckpointChanged", BertAdaptErrorKind.InvalidData,
                $"The run cannot go on from the checkpoint '{checkpoint}': {what}. Nothing was trained. Delete that folder to go on from "
                + "the checkpoint before it (if the run kept one), or use -Restart to start the run afresh from the given model.", path);
    }

    /// <summary>The state the loop goes on from; null for a run that had already finished (its model is loaded, nothing is to train).</summary>
    public static TrainerState? Begin(RunPlan plan, RunDirectory? job, BertModel model, OptimizerHelper optimizer, string? metricsPath,
        Dictionary<string, string> settings, int totalSteps, TrainingCallbacks callbacks)
    {
        var previous = plan.Previous;
        if (plan.Start is not RunStart.Restarted && plan.Checkpoint is string checkpoint) Verify(checkpoint);
        switch (plan.Start)
        {
            case RunStart.AlreadyFinished:
                HfCheckpointDirectory.LoadWeights(model, plan.Checkpoint!);
                model.ResumeFrom(previous!.ModelStepsTrained, MetricsLog.Read(metricsPath, [.. previous.ContinuedRuns, previous.RunId], callbacks.Warning));
                callbacks.Warning?.Invoke($"The run in '{job!.Path}' already finished at step {previous.Step} of {totalSteps} with the same settings and data: nothing to train. "
                    + "The output is the model it trained; use -Restart to train it again from the given model.");
                callbacks.Info?.Invoke($"'{plan.Checkpoint}' was written by run {previous.RunId} with the same settings and data as this command, so this command is that run, and it is done.");
                return null;
            case RunStart.Resumed:
                var state = RunDirectory.Restore(plan.Checkpoint!, model, optimizer);
                state.Settings = settings;
                model.ResumeFrom(state.ModelStepsTrained, MetricsLog.ResumeAt(metricsPath, state, callbacks.Warning));
                callbacks.Info?.Invoke($"Resuming {RerunRules.Describe(state)} ({state.RunId}) from '{plan.Checkpoint}': the same settings and data it started with.");
                return state;
            case RunStart.Continued:
                HfCheckpointDirectory.LoadWeights(model, plan.Checkpoint!);
                model.ResumeFrom(previous!.ModelStepsTrained, MetricsLog.Read(metricsPath, [.. previous.ContinuedRuns, previous.RunId], callbacks.Warning));
                var continued = NewRun(model, settings, previous.RunNumber + 1, [.. previous.ContinuedRuns, previous.RunId]);
                job!.RemoveBest();
                callbacks.Info?.Invoke($"Starting run {continued.RunNumber} from the last weights of run {Math.Max(previous.RunNumber, 1)} ('{plan.Checkpoint}', step {previous.Step}), "
                    + $"as -Continue asks, because: {string.Join("; ", plan.Changes)}.");
                return continued;
            case RunStart.Restarted:
                job!.RemoveRuns(metrics: metricsPath == job.MetricsPath);
                var restarted = NewRun(model, settings, previous!.RunNumber + 1, []);
                callbacks.Info?.Invoke($"Restarting in '{job.Path}': run {restarted.RunNumber} starts afresh from the given model; the checkpoints of {RerunRules.Describe(previous)} were removed.");
                return restarted;
            default:
                return NewRun(model, settings, 1, []);
        }
    }

    /// <summary>A new run's state: a fresh id (its start time, sortable, and a random part), the model's step count so far, and this run's settings.</summary>
    static TrainerState NewRun(BertModel model, Dictionary<string, string> settings, int number, List<string> continued) => new()
    {
        RunId = $"{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}-{Guid.NewGuid():N}"[..25],
        RunNumber = number,
        ContinuedRuns = continued,
        ModelStepsTrained = model.StepsTrained,
        Settings = settings,
    };
}
