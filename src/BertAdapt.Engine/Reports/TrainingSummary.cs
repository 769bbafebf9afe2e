using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Reports;

/// <summary>The headline numbers of a run, computed from its step metrics.</summary>
public sealed record TrainingSummary
{
    public int Steps { get; init; }
    public int FirstStep { get; init; }
    public int LastStep { get; init; }
    public double? FinalLoss { get; init; }
    public double? BestValidationPerplexity { get; init; }
    public int? BestValidationStep { get; init; }
    public int Evaluations { get; init; }

    /// <summary>A fine-tuning run: its steps mask nothing, and its validation passes score a task metric.</summary>
    public bool IsFineTuning { get; init; }
    /// <summary>The task metric of a fine-tuning run's validation passes (macro-F1, entity F1, ...), if any ran.</summary>
    public string? ValidationMetric { get; init; }
    /// <summary>The best task metric (every fine-tuning metric is higher-is-better) and its step.</summary>
    public double? BestValidationScore { get; init; }
    public int? BestValidationScoreStep { get; init; }
    public int ScoredEvaluations { get; init; }
    /// <summary>Wall time summed over the run's sessions (each resume restarts the clock).</summary>
    public double ElapsedSeconds { get; init; }
    public long Tokens { get; init; }
    public long MaskedTokens { get; init; }
    public double? NspAccuracy { get; init; }
    public int NonFiniteLosses { get; init; }

    public double TokensPerSecond => ElapsedSeconds > 0 ? Tokens / ElapsedSeconds : double.NaN;

    public static TrainingSummary Of(IReadOnlyList<TrainingStepMetrics> metrics)
    {
        if (metrics.Count == 0) return new TrainingSummary();
        double elapsed = 0, sessionEnd = 0;
        foreach (var m in metrics)
        {
            if (!double.IsFinite(m.ElapsedSeconds)) continue;
            // The clock went back: a resumed session started; bank the previous one.
            if (m.ElapsedSeconds < sessionEnd) { elapsed += sessionEnd; sessionEnd = 0; }
            sessionEnd = m.ElapsedSeconds;
        }
        elapsed += sessionEnd;
        var evaluated = metrics.Where(m => m.ValidationPerplexity is double v && double.IsFinite(v)).ToList();
        var best = evaluated.MinBy(m => m.ValidationPerplexity!.Value);
        var scored = metrics.Where(m => m.ValidationMetric is not null && m.ValidationScore is double v && double.IsFinite(v)).ToList();
        var bestScored = scored.MaxBy(m => m.ValidationScore!.Value);
        var lastFinite = metrics.LastOrDefault(m => double.IsFinite(m.Loss));
        return new TrainingSummary
        {
            Steps = metrics.Count,
            FirstStep = metrics.Min(m => m.Step),
            LastStep = metrics.Max(m => m.Step),
            FinalLoss = lastFinite?.Loss,
            BestValidationPerplexity = best?.ValidationPerplexity,
            BestValidationStep = best?.Step,
            Evaluations = evaluated.Count,
            IsFineTuning = scored.Count > 0 || metrics.All(m => m.MaskedTokens == 0),
            ValidationMetric = bestScored?.ValidationMetric,
            BestValidationScore = bestScored?.ValidationScore,
            BestValidationScoreStep = bestScored?.Step,
            ScoredEvaluations = scored.Count,
            ElapsedSeconds = elapsed,
            Tokens = metrics.Sum(m => m.Tokens),
            MaskedTokens = metrics.Sum(m => m.MaskedTokens),
            NspAccuracy = metrics.LastOrDefault(m => m.NspAccuracy is not null)?.NspAccuracy,
            NonFiniteLosses = metrics.Count(m => !double.IsFinite(m.Loss)),
        };
    }
}
