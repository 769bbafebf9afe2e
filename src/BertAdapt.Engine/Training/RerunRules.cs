namespace BertAdapt.Engine.Training;

/// <summary>What a run does when its output path already holds a run.</summary>
public enum RerunMode
{
    /// <summary>Resume the run there if it has the same settings and data (or say it is finished); stop with TrainingRunChanged if not.</summary>
    Resume,
    /// <summary>As <see cref="Resume"/>, but changed settings or data start a new run from the last weights there.</summary>
    Continue,
    /// <summary>Remove what is there and start afresh from the given model.</summary>
    Restart,
}

/// <summary>How a run began.</summary>
public enum RunStart
{
    /// <summary>The output path held no run (or there is no output path).</summary>
    New,
    /// <summary>An interrupted run with the same settings and data went on from its last checkpoint.</summary>
    Resumed,
    /// <summary>The run there had finished with the same settings and data: nothing was trained.</summary>
    AlreadyFinished,
    /// <summary>A new run started from the last weights of the run there, whose settings or data differed.</summary>
    Continued,
    /// <summary>A new run started from the given model; the run there was removed.</summary>
    Restarted,
}

/// <summary>What <see cref="RerunRules.Plan"/> decided.</summary>
/// <param name="Checkpoint">The checkpoint the run starts from (resumed, finished or continued), else null.</param>
/// <param name="Previous">The state of the run found in the output path, if any.</param>
/// <param name="Changes">How this run's settings differ from <paramref name="Previous"/>'s ("Key: before -> now").</param>
public sealed record RunPlan(RunStart Start, string? Checkpoint, TrainerState? Previous, IReadOnlyList<string> Changes);

/// <summary>
/// The rules for a second run in the same output path, one place for masked-LM and fine-tuning
/// alike. The run there is compared with this one by <see cref="TrainingSettings"/>, which
/// include content fingerprints of the data:
/// <list type="bullet">
/// <item>the same settings and data: an interrupted run resumes exactly; a finished one is
/// reported finished and nothing is trained;</item>
/// <item>changed settings or data: never a silent no-op. The run stops with TrainingRunChanged,
/// which names every change, unless <see cref="RerunMode.Continue"/> starts a new run from the
/// last weights there (continued pre-training on new data);</item>
/// <item><see cref="RerunMode.Restart"/> always starts afresh from the given model.</item>
/// </list>
/// </summary>
public static class RerunRules
{
    public static RunPlan Plan(string outputPath, (string Path, TrainerState State)? latest, IReadOnlyDictionary<string, string> settings, RerunMode mode)
    {
        if (latest is not (string checkpoint, TrainerState previous))
            return new RunPlan(RunStart.New, null, null, []);
        var changes = TrainingSettings.Differences(previous.Settings, settings);
        if (mode == RerunMode.Restart)
            return new RunPlan(RunStart.Restarted, null, previous, changes);
        if (changes.Count == 0)
            return new RunPlan(IsFinished(previous) ? RunStart.AlreadyFinished : RunStart.Resumed, checkpoint, previous, changes);
        if (mode == RerunMode.Continue)
            return new RunPlan(RunStart.Continued, checkpoint, previous, changes);
        throw new BertAdaptException("TrainingRunChanged", BertAdaptErrorKind.InvalidOperation,
            $"The run in '{outputPath}' ({Describe(previous)}) was made with other settings or data than this one:\n  "
            + string.Join("\n  ", changes)
            + "\nNothing was trained. Use -Continue (continue: true in a job file) to start a new run from that run's last weights"
            + " with these settings and data, or -Restart (restart: true) to start afresh from the given model, which removes that run's"
            + " checkpoints and metrics. To keep both, give this run another -OutputPath.", outputPath);
    }

    /// <summary>A checkpoint written before runs recorded "finished" counts as finished at its planned steps.</summary>
    static bool IsFinished(TrainerState state) => state.Finished
        || state.Settings.TryGetValue(TrainingSettings.PlannedSteps, out var planned) && int.TryParse(planned, out var steps) && state.Step >= steps;

    /// <summary>"run 2, at step 40 of 300" or "run 1, finished at step 300 of 300", for messages.</summary>
    public static string Describe(TrainerState state)
    {
        var planned = state.Settings.TryGetValue(TrainingSettings.PlannedSteps, out var p) ? p : "?";
        return $"run {Math.Max(state.RunNumber, 1)}, {(IsFinished(state) ? "finished" : "stopped")} at step {state.Step} of {planned}";
    }
}
