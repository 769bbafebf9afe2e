using System.Text.Json;

namespace BertAdapt.Engine.Training;

/// <summary>
/// A metrics JSONL file as runs share it: lines of several runs, each line naming its run. A
/// resumed run drops its own lines after its checkpoint (it takes those steps again) and keeps
/// every other run's; the model's history is the lines of its own run and the runs it continues.
/// A line that is not a step record (a write cut short by a full disk or a kill) is left out with
/// a warning rather than making every later resume fail, and an append starts on a line of its own.
/// </summary>
internal static class MetricsLog
{
    /// <summary>Rewrites the file without <paramref name="state"/>'s run's lines after its step; returns the model's history.</summary>
    public static List<TrainingStepMetrics> ResumeAt(string? path, TrainerState state, Action<string>? warn = null)
    {
        if (path is null || !File.Exists(path)) return [];
        var kept = new List<string>();
        var history = new List<TrainingStepMetrics>();
        foreach (var (line, metrics) in Records(path, warn))
        {
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
    public static List<TrainingStepMetrics> Read(string? path, IReadOnlyCollection<string> runIds, Action<string>? warn = null)
    {
        if (path is null || !File.Exists(path)) return [];
        return Records(path, warn).Select(r => r.Metrics).Where(m => runIds.Contains(m.RunId ?? "")).ToList();
    }

    /// <summary>A writer that appends step records to <paramref name="path"/>, each on its own line even after a torn one.</summary>
    public static StreamWriter OpenAppend(string path)
    {
        bool endsMidLine = false;
        if (File.Exists(path))
        {
            using var existing = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (existing.Length > 0)
            {
                existing.Seek(-1, SeekOrigin.End);
                endsMidLine = existing.ReadByte() != '\n';
            }
        }
        var writer = new StreamWriter(path, append: true);
        if (endsMidLine) writer.WriteLine();
        return writer;
    }

    static IEnumerable<(string Line, TrainingStepMetrics Metrics)> Records(string path, Action<string>? warn)
    {
        int number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            TrainingStepMetrics? metrics;
            try
            {
                metrics = JsonSerializer.Deserialize<TrainingStepMetrics>(line);
            }
            catch (JsonException)
            {
                metrics = null;
            }
            if (metrics is null)
            {
                warn?.Invoke($"Line {number} of the metrics file '{path}' is not a step record (a write cut short by a full disk or a kill?); it is left out of the model's history.");
                continue;
            }
            yield return (line, metrics);
        }
    }
}
