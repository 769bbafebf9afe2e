namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// One corpus file's token ids with its line and document structure, read from a shard file
/// through memory mapping (see <see cref="TokenShardLayout"/>). Nothing is loaded up front,
/// and resident memory stays bounded however large the shard is.
/// </summary>
public sealed class TokenShard : ITokenizedCorpus, IDisposable
{
    public const long DefaultSegmentBytes = MappedFileView.DefaultSegmentBytes;

    readonly MappedFileView view;
    readonly TokenShardLayout layout;

    TokenShard(string path, MappedFileView view, TokenShardLayout layout)
    {
        Path = path;
        this.view = view;
        this.layout = layout;
    }

    /// <summary>
    /// Opens a shard, checking its header, its length against the counts, and the ends of its
    /// offset tables. A shard that fails is reported as TokenShardInvalid, never half-trusted.
    /// </summary>
    /// <param name="segmentBytes">How much of the file is mapped at a time (a multiple of 64 KiB); at most 8 segments are mapped at once.</param>
    public static TokenShard Open(string path, long segmentBytes = DefaultSegmentBytes)
    {
        var header = new byte[TokenShardLayout.HeaderSize];
        long length;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete))
        {
            length = stream.Length;
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length)
                throw Invalid(path, "it is shorter than its header");
        }
        var layout = TokenShardLayout.ReadHeader(header) ?? throw Invalid(path, "its header is not a version 1 token shard header");
        if (layout.FileLength != length)
            throw Invalid(path, $"it is {length} bytes long where its counts need {layout.FileLength}");
        var view = new MappedFileView(path, segmentBytes);
        var shard = new TokenShard(path, view, layout);
        if (shard.LineStart(0) != 0 || shard.LineStart(layout.LineCount) != layout.TokenCount
            || shard.DocumentStart(0) != 0 || shard.DocumentStart(layout.DocumentCount) != layout.LineCount)
        {
            shard.Dispose();
            throw Invalid(path, "its offset tables do not match its counts");
        }
        return shard;
    }

    static BertAdaptException Invalid(string path, string why) =>
        new("TokenShardInvalid", BertAdaptErrorKind.InvalidData, $"The token shard '{path}' is not valid: {why}.", path);

    public string Path { get; }
    public long TokenCount => layout.TokenCount;
    public long LineCount => layout.LineCount;
    public long DocumentCount => layout.DocumentCount;

    public long LineStart(long line)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((ulong)line, (ulong)LineCount, nameof(line));
        return view.ReadInt64(layout.LineStartsOffset + line * sizeof(long));
    }

    public long DocumentStart(long document)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((ulong)document, (ulong)DocumentCount, nameof(document));
        return view.ReadInt64(layout.DocumentStartsOffset + document * sizeof(long));
    }

    public void CopyTokens(long start, Span<int> destination)
    {
        if (start < 0 || start > TokenCount - destination.Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"Tokens {start}..{start + destination.Length} are outside the shard's {TokenCount}.");
        view.Read(layout.TokensOffset + start * sizeof(int), destination);
    }

    public void Dispose() => view.Dispose();
}
