namespace BertAdapt.Engine.Data.Overlap;

/// <summary>
/// Held-out texts indexed for a corpus scan. Each text becomes its distinct runs of
/// <see cref="NgramSize"/> consecutive words (the whole text when it is shorter, down to
/// <see cref="MinimumRunWords"/> words), hashed; a corpus document that holds at least the
/// threshold's share of a text's runs contains a copy of it. Every text is also indexed whole,
/// so a corpus line equal to it is an exact match whatever its length. Held-out sets are small
/// (validation and test data), so the index lives in memory; the corpus is streamed past it.
/// </summary>
public sealed class HeldOutIndex
{
    /// <summary>Texts of fewer words are matched only whole: a 2-word run is in too many documents to mean a copy.</summary>
    public const int MinimumRunWords = 4;

    readonly List<HeldOutText> texts = [];
    readonly List<int> runCounts = [];
    readonly Dictionary<ulong, List<int>> runs = [];
    readonly Dictionary<ulong, List<int>> wholes = [];
    readonly SortedSet<int> runLengths = [];
    readonly List<ulong> words = [];
    int shortTexts;

    public HeldOutIndex(int ngramSize)
    {
        if (ngramSize < MinimumRunWords)
            throw new BertAdaptException("OverlapOptionInvalid", BertAdaptErrorKind.InvalidArgument,
                $"The n-gram size must be at least {MinimumRunWords} words, not {ngramSize}.");
        NgramSize = ngramSize;
    }

    public int NgramSize { get; }

    public int Count => texts.Count;

    /// <summary>Texts matched only whole, being shorter than <see cref="MinimumRunWords"/> words.</summary>
    public int ShortTexts => shortTexts;

    public IReadOnlyList<HeldOutText> Texts => texts;

    /// <summary>The run lengths a corpus must be hashed at: <see cref="NgramSize"/>, and the lengths of shorter texts.</summary>
    internal IReadOnlyCollection<int> RunLengths => runLengths;

    /// <summary>Adds a text. One without a word (punctuation, blank) cannot be found and is left out; returns false for it.</summary>
    public bool Add(HeldOutText text)
    {
        words.Clear();
        OverlapWords.Hash(text.Text, words);
        if (words.Count == 0) return false;
        int id = texts.Count;
        texts.Add(text);
        Append(wholes, OverlapWords.Run(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(words)), id);
        int length = Math.Min(NgramSize, words.Count);
        if (length < MinimumRunWords)
        {
            shortTexts++;
            runCounts.Add(0);
            return true;
        }
        runLengths.Add(length);
        var distinct = new HashSet<ulong>();
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(words);
        for (int end = length; end <= words.Count; end++)
        {
            ulong run = OverlapWords.Run(span, end, length);
            if (distinct.Add(run)) Append(runs, run, id);
        }
        runCounts.Add(distinct.Count);
        return true;
    }

    /// <summary>The texts that have the run <paramref name="hash"/>, or null.</summary>
    internal List<int>? WithRun(ulong hash) => runs.GetValueOrDefault(hash);

    /// <summary>The texts whose whole word sequence hashes to <paramref name="hash"/>, or null.</summary>
    internal List<int>? WithWhole(ulong hash) => wholes.GetValueOrDefault(hash);

    /// <summary>How many distinct runs text <paramref name="id"/> has (0 for a short one).</summary>
    internal int RunCount(int id) => runCounts[id];

    static void Append(Dictionary<ulong, List<int>> index, ulong key, int id)
    {
        if (!index.TryGetValue(key, out var ids)) index[key] = ids = [];
        if (ids.Count == 0 || ids[^1] != id) ids.Add(id);
    }
}
