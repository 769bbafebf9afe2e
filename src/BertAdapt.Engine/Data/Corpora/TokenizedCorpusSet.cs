namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Several files' shards read as one corpus, in file order. Documents never span files: each
/// shard's documents simply follow the previous shard's. Disposing it closes the shards.
/// </summary>
public sealed class TokenizedCorpusSet : ITokenizedCorpus, IDisposable
{
    readonly TokenShard[] shards;
    // Per non-empty shard: its first token, line and document in the whole set. Empty shards
    // are left out so that every base is strictly increasing and a binary search finds one shard.
    readonly TokenShard[] routed;
    readonly long[] tokenBase, lineBase, documentBase;

    internal TokenizedCorpusSet(IReadOnlyList<string> files, IReadOnlyList<TokenShard> shards, int cacheHits, IReadOnlyList<TrainedFile> contents)
    {
        Files = files;
        Contents = contents;
        this.shards = [.. shards];
        CacheHits = cacheHits;
        CacheMisses = shards.Count - cacheHits;
        routed = [.. shards.Where(s => s.TokenCount > 0)];
        tokenBase = new long[routed.Length + 1];
        lineBase = new long[routed.Length + 1];
        documentBase = new long[routed.Length + 1];
        for (int i = 0; i < routed.Length; i++)
        {
            tokenBase[i + 1] = tokenBase[i] + routed[i].TokenCount;
            lineBase[i + 1] = lineBase[i] + routed[i].LineCount;
            documentBase[i + 1] = documentBase[i] + routed[i].DocumentCount;
        }
    }

    public IReadOnlyList<string> Files { get; }

    /// <summary>Each file with the size and SHA-256 it had when it was read, in file order.</summary>
    public IReadOnlyList<TrainedFile> Contents { get; }

    /// <summary>One shard per file, in file order.</summary>
    public IReadOnlyList<TokenShard> Shards => shards;

    /// <summary>How many files' shards were found in the cache, and how many had to be built.</summary>
    public int CacheHits { get; }
    public int CacheMisses { get; }

    public long TokenCount => tokenBase[^1];
    public long LineCount => lineBase[^1];
    public long DocumentCount => documentBase[^1];

    public long LineStart(long line)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((ulong)line, (ulong)LineCount, nameof(line));
        if (line == LineCount) return TokenCount;
        int i = ShardOf(lineBase, line);
        return tokenBase[i] + routed[i].LineStart(line - lineBase[i]);
    }

    public long DocumentStart(long document)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((ulong)document, (ulong)DocumentCount, nameof(document));
        if (document == DocumentCount) return LineCount;
        int i = ShardOf(documentBase, document);
        return lineBase[i] + routed[i].DocumentStart(document - documentBase[i]);
    }

    public void CopyTokens(long start, Span<int> destination)
    {
        if (start < 0 || start > TokenCount - destination.Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"Tokens {start}..{start + destination.Length} are outside the corpus's {TokenCount}.");
        while (!destination.IsEmpty)
        {
            int i = ShardOf(tokenBase, start);
            int count = (int)Math.Min(destination.Length, tokenBase[i + 1] - start);
            routed[i].CopyTokens(start - tokenBase[i], destination[..count]);
            destination = destination[count..];
            start += count;
        }
    }

    /// <summary>
    /// Whether any token is not one of <paramref name="ids"/>; it stops at the first such token,
    /// so a corpus of real text answers at once and only one of such ids alone is read through.
    /// </summary>
    public bool HasTokenOtherThan(IReadOnlySet<int> ids)
    {
        var chunk = new int[4096];
        for (long start = 0; start < TokenCount; start += chunk.Length)
        {
            var tokens = chunk.AsSpan(0, (int)Math.Min(chunk.Length, TokenCount - start));
            CopyTokens(start, tokens);
            foreach (int id in tokens)
                if (!ids.Contains(id)) return true;
        }
        return false;
    }

    /// <summary>The shard whose range in <paramref name="bases"/> holds <paramref name="position"/>.</summary>
    static int ShardOf(long[] bases, long position)
    {
        int i = Array.BinarySearch(bases, 0, bases.Length - 1, position);
        return i >= 0 ? i : ~i - 1;
    }

    public void Dispose()
    {
        foreach (var shard in shards) shard.Dispose();
    }
}
