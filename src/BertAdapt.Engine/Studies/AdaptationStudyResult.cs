namespace BertAdapt.Engine.Studies;

/// <summary>What a study found: a report per strategy and masking rate, and every run's record (the base first).</summary>
public sealed record AdaptationStudyResult(IReadOnlyList<AdaptationStrategyReport> Strategies, IReadOnlyList<StudyRunRecord> Runs);
