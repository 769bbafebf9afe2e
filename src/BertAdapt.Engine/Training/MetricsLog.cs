using System.Text.Json;

namespace BertAdapt.Engine.Training;

/// <summary>
/// A metrics JSONL file as runs share it: lines of several runs, each line naming its run. A
/// resumed run drops its own lines after its checkpoint (it takes those steps again) and keeps
/// every other run's; the model's history is the lines of its own run and the runs it continues.
/// </summary>
internal static class MetricsLog
{
    /// <summary>Rewrites the file without <paramref name="state"/>'s run's lines after its step; returns the model's history.</summary>
    public static List<TrainingStepMetrics> ResumeAt(string? path, TrainerState state)
    {
        if (path is null || !File.Exists(path)) return [];
        var kept = new List<string>();
        var history = new List<TrainingStepMetrics>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            var metrics = JsonSerializer.Deserialize<TrainingStepMetrics>(line);
            if (metrics is null) continue;
            bool ownRun = (metrics.RunId ?? "") == state.RunId;
            // Lines from before runs had ids know only the model's step.
            bool afterCheckpoint = metrics.RunStep is int runStep ? runStep > state.Step : metrics.Step > state.ModelStepsTrained;
            if (ownRun && afterCheckpoint) continue;
            kept.Add(line);
            if (ownRun || state.ContinuedRuns.Contains(metrics.RunId ?? "")) history.Add(metrics);
        }
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, kept);
        SharingViolationRetry.Run(() => File.Move(temporary, path, overwrite: true));
        return history;
    }

    /// <summary>The lines of the runs <paramref name="runIds"/>, in file order; the file is left as it is.</summary>
    public static List<TrainingStepMetrics> Read(string? path, IReadOnlyCollection<string> runIds)
    {
        if (path is null || !File.Exists(path)) return [];
        return File.ReadLines(path).Where(l => !string.IsNullOrWhiteSpace(l))
            .Select(l => JsonSerializer.Deserialize<TrainingStepMetrics>(l))
            .Where(m => m is not null && runIds.Contains(m.RunId ?? "")).ToList()!;
    }
}
