using System.Runtime.InteropServices;

namespace BertAdapt.Engine.Data.Overlap;

/// <summary>
/// Streams corpus documents past a <see cref="HeldOutIndex"/> and keeps, for each held-out text,
/// its strongest match and how many documents matched it. Word runs are hashed over the whole
/// document (across its lines) from a ring of the last few word hashes, so memory does not grow
/// with document length; whole lines are compared for exact matches.
/// </summary>
public sealed class CorpusOverlapScan
{
    readonly HeldOutIndex index;
    readonly double threshold;
    readonly int[] lengths;
    readonly ulong[] ring;
    readonly List<ulong> words = [];
    readonly Dictionary<int, (HashSet<ulong> Runs, int FirstLine)> hits = [];
    readonly HashSet<int> matchedHere = [];
    readonly OverlapMatch?[] best;
    readonly long[] documentCounts;
    long documents, corpusWords;

    /// <param name="threshold">The share of a held-out text's word runs one document must hold to be a near duplicate, in (0, 1].</param>
    public CorpusOverlapScan(HeldOutIndex index, double threshold)
    {
        if (!(threshold > 0 && threshold <= 1))
            throw new BertAdaptException("OverlapOptionInvalid", BertAdaptErrorKind.InvalidArgument,
                $"The overlap threshold must be above 0 and at most 1, not {threshold}.");
        this.index = index;
        this.threshold = threshold;
        lengths = [.. index.RunLengths];
        ring = new ulong[Math.Max(1, index.NgramSize)];
        best = new OverlapMatch?[index.Count];
        documentCounts = new long[index.Count];
    }

    /// <summary>Scans one corpus document. A match is named by the line it is on, or for a run match the line its first run ends on.</summary>
    public void Document(OverlapDocument document)
    {
        documents++;
        hits.Clear();
        matchedHere.Clear();
        long seen = 0;
        for (int lineIndex = 0; lineIndex < document.Lines.Count; lineIndex++)
        {
            var line = document.Lines[lineIndex];
            words.Clear();
            OverlapWords.Hash(line, words);
            if (words.Count == 0) continue;
            corpusWords += words.Count;
            if (index.WithWhole(OverlapWords.Run(CollectionsMarshal.AsSpan(words))) is { } equal)
                foreach (int id in equal) Found(id, OverlapKind.Exact, 1.0, document.Where(lineIndex));
            foreach (ulong word in words)
            {
                ring[(int)(seen % ring.Length)] = word;
                seen++;
                foreach (int length in lengths)
                {
                    if (seen < length) break;
                    ulong run = OverlapWords.Run(ring, seen, length);
                    if (index.WithRun(run) is not { } holders) continue;
                    foreach (int id in holders)
                    {
                        if (!hits.TryGetValue(id, out var found)) hits[id] = found = ([], lineIndex);
                        found.Runs.Add(run);
                    }
                }
            }
        }
        foreach (var (id, found) in hits)
        {
            double share = (double)found.Runs.Count / index.RunCount(id);
            if (share >= threshold) Found(id, share >= 1 ? OverlapKind.Contained : OverlapKind.NearDuplicate, share, document.Where(found.FirstLine));
        }
    }

    /// <summary>What the documents scanned so far share with the held-out texts.</summary>
    public CorpusOverlapReport Report(IReadOnlyList<string> corpusFiles)
    {
        var matches = new List<OverlapMatch>();
        for (int id = 0; id < best.Length; id++)
            if (best[id] is { } match) matches.Add(match with { Documents = documentCounts[id] });
        return new CorpusOverlapReport
        {
            CorpusFiles = corpusFiles,
            CorpusDocuments = documents,
            CorpusWords = corpusWords,
            HeldOutTexts = index.Count,
            ShortHeldOutTexts = index.ShortTexts,
            LeakedTexts = matches.Count,
            ExactMatches = matches.Count(m => m.Kind == OverlapKind.Exact),
            NearDuplicates = matches.Count(m => m.Kind != OverlapKind.Exact),
            NgramSize = index.NgramSize,
            Threshold = threshold,
            Matches = matches,
        };
    }

    void Found(int id, OverlapKind kind, double share, string source)
    {
        if (matchedHere.Add(id)) documentCounts[id]++;
        var current = best[id];
        if (current is not null && (current.Kind < kind || current.Kind == kind && current.Containment >= share)) return;
        var text = index.Texts[id];
        best[id] = new OverlapMatch(text.Source, text.Text, kind, Math.Min(share, 1.0), source, 0);
    }
}
