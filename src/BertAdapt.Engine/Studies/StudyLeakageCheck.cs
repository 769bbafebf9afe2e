namespace BertAdapt.Engine.Studies;

/// <summary>
/// What a study's leakage check found, as the study recorded it (in leakage-check.json when it
/// was set up, and in study.json): whether it ran with -AllowOverlap, and for each pre-training
/// corpus how many validation texts are in it. The study's report shows it, so a score that may
/// rest on seen text is never read without that said.
/// </summary>
public sealed record StudyLeakageCheck
{
    /// <summary>Whether the study was run with -AllowOverlap; null when it did not record that (a study.json of an earlier version).</summary>
    public bool? AllowOverlap { get; init; }
    /// <summary>One per corpus a planned strategy pre-trains on ("domain", "task"); none when no strategy pre-trains.</summary>
    public IReadOnlyList<StudyOverlapCount> Overlap { get; init; } = [];

    public static StudyLeakageCheck Of(IEnumerable<StudyOverlap> overlaps, bool allowOverlap) => new()
    {
        AllowOverlap = allowOverlap,
        Overlap = overlaps.Select(o => new StudyOverlapCount(o.Corpus, o.Report.HeldOutTexts, o.Report.LeakedTexts, o.Report.ExactMatches, o.Report.NearDuplicates)).ToList(),
    };
}

/// <summary>How many of the validation texts one pre-training corpus holds, exactly or as near copies.</summary>
public sealed record StudyOverlapCount(string Corpus, int HeldOutTexts, int LeakedTexts, int ExactMatches, int NearDuplicates);
