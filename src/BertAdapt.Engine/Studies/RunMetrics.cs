using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// What a study reads back from a run's metrics.jsonl, the lines of one run id: steps, tokens,
/// the time in the training loop and the last validation score. A killed run's restart gets a new
/// run id, so the lines of an attempt that was thrown away never count.
/// </summary>
public sealed record RunMetrics(int Steps, long Tokens, double WallSeconds, string? Metric, double? LastScore)
{
    public static RunMetrics Read(string runFolder, string runId)
    {
        var lines = MetricsLog.Read(Path.Combine(runFolder, "metrics.jsonl"), [runId]);
        return Of(lines);
    }

    /// <summary>
    /// elapsed_seconds counts from the start of each session (process) that ran the run, so the
    /// time of a resumed run is the last value of each stretch of rising values, added up.
    /// </summary>
    public static RunMetrics Of(IReadOnlyList<TrainingStepMetrics> lines)
    {
        double wall = 0, previous = 0;
        foreach (var line in lines)
        {
            if (line.ElapsedSeconds < previous) wall += previous;
            previous = line.ElapsedSeconds;
        }
        wall += previous;
        var scored = lines.LastOrDefault(l => l.ValidationScore is not null);
        return new RunMetrics(lines.Count, lines.Sum(l => l.Tokens), wall, scored?.ValidationMetric, scored?.ValidationScore);
    }
}
