namespace BertAdapt.Engine.Data;

/// <summary>
/// One training example before masking: token ids with [CLS]/[SEP] in place, optional
/// segment (token type) ids, and for NSP whether segment B is a random one (1) or the true
/// continuation (0).
/// </summary>
public sealed record TrainingExample(int[] TokenIds, int[]? TokenTypeIds = null, int? NextSentenceLabel = null);

/// <summary>
/// A fixed set of examples addressable by index. Index access (rather than a stream) is what
/// lets the trainer shuffle with a seeded permutation and resume at an exact data position.
/// An implementation must return the same example for the same index and epoch.
/// </summary>
public interface ITrainingExamples
{
    long Count { get; }

    /// <summary>The example at <paramref name="index"/>; <paramref name="epoch"/> lets an
    /// objective vary examples across epochs (NSP draws new random partners), deterministically.</summary>
    TrainingExample Get(long index, int epoch);

    /// <summary>The token count of <see cref="Get"/>(index, epoch), for length-grouped batches.</summary>
    int LengthOf(long index, int epoch) => Get(index, epoch).TokenIds.Length;
}

/// <summary>Examples held in memory, for small corpora and tests.</summary>
public sealed class InMemoryExamples(IReadOnlyList<int[]> sequences) : ITrainingExamples
{
    public long Count => sequences.Count;

    public TrainingExample Get(long index, int epoch) => new(sequences[checked((int)index)]);
}

/// <summary>
/// Tokenized text with its line and document structure. Token ids exclude special tokens;
/// lines are the corpus lines (sentences or paragraphs) and documents are runs of lines.
/// </summary>
public interface ITokenizedCorpus
{
    long TokenCount { get; }
    long LineCount { get; }
    long DocumentCount { get; }

    /// <summary>Token offset where <paramref name="line"/> starts; LineStart(LineCount) == TokenCount.</summary>
    long LineStart(long line);

    /// <summary>First line of <paramref name="document"/>; DocumentStart(DocumentCount) == LineCount.</summary>
    long DocumentStart(long document);

    /// <summary>Copies destination.Length tokens starting at token offset <paramref name="start"/>.</summary>
    void CopyTokens(long start, Span<int> destination);
}

/// <summary>An <see cref="ITokenizedCorpus"/> in memory, built from documents of token-id lines.</summary>
public sealed class InMemoryTokenizedCorpus : ITokenizedCorpus
{
    readonly int[] tokens;
    readonly long[] lineStarts;
    readonly long[] documentStarts;

    public InMemoryTokenizedCorpus(IEnumerable<IReadOnlyList<int[]>> documents)
    {
        var all = new List<int>();
        var lines = new List<long>();
        var docs = new List<long>();
        foreach (var document in documents)
        {
            if (document.Count == 0) continue;
            docs.Add(lines.Count);
            foreach (var line in document)
            {
                lines.Add(all.Count);
                all.AddRange(line);
            }
        }
        docs.Add(lines.Count);
        lines.Add(all.Count);
        tokens = [.. all];
        lineStarts = [.. lines];
        documentStarts = [.. docs];
    }

    public long TokenCount => tokens.Length;
    public long LineCount => lineStarts.Length - 1;
    public long DocumentCount => documentStarts.Length - 1;
    public long LineStart(long line) => lineStarts[line];
    public long DocumentStart(long document) => documentStarts[document];
    public void CopyTokens(long start, Span<int> destination) => tokens.AsSpan(checked((int)start), destination.Length).CopyTo(destination);
}
