namespace BertAdapt.Engine.Data.Overlap;

/// <summary>
/// What a corpus shares with held-out texts. <see cref="LeakedTexts"/> counts held-out texts
/// with any match; <see cref="ExactMatches"/> and <see cref="NearDuplicates"/> split them by their
/// strongest match (a contained text counts as a near duplicate).
/// </summary>
public sealed record CorpusOverlapReport
{
    public required IReadOnlyList<string> CorpusFiles { get; init; }
    public required long CorpusDocuments { get; init; }
    public required long CorpusWords { get; init; }
    public required int HeldOutTexts { get; init; }
    /// <summary>Held-out texts too short to compare by word runs (fewer words than <see cref="HeldOutIndex.MinimumRunWords"/>): matched only when a whole corpus line equals them.</summary>
    public required int ShortHeldOutTexts { get; init; }
    public required int LeakedTexts { get; init; }
    public required int ExactMatches { get; init; }
    public required int NearDuplicates { get; init; }
    /// <summary>Leaked held-out texts as a percentage of all of them.</summary>
    public double LeakedPercent => HeldOutTexts == 0 ? 0 : 100.0 * LeakedTexts / HeldOutTexts;
    public required int NgramSize { get; init; }
    public required double Threshold { get; init; }
    /// <summary>One per leaked held-out text, in held-out order.</summary>
    public required IReadOnlyList<OverlapMatch> Matches { get; init; }
}
