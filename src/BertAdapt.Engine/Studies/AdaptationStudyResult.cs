namespace BertAdapt.Engine.Studies;

/// <summary>
/// What a study found: a report per strategy and masking rate, and every run's record (the base
/// first); with the study's settings and its leakage check (null when not recorded), which its
/// report.html shows beside them.
/// </summary>
public sealed record AdaptationStudyResult(IReadOnlyList<AdaptationStrategyReport> Strategies, IReadOnlyList<StudyRunRecord> Runs)
{
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();
    public StudyLeakageCheck? Leakage { get; init; }
}
