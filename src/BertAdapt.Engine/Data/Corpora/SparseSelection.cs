namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// The positions in [0, length) that a predicate selects, addressable by rank ("the k-th
/// selected position") without a table of them all. It keeps how many positions were selected
/// before every <see cref="Stride"/>-th position (one long per Stride positions: 8 MB for a
/// billion positions at the default 1024) and re-evaluates the predicate over at most Stride
/// positions per lookup. When the predicate selects everything, no table is kept at all.
/// </summary>
public sealed class SparseSelection
{
    public const int DefaultStride = 1024;

    readonly Func<long, bool> predicate;
    readonly long[]? ranks; // ranks[c] = selected positions before position c * Stride; null when all are selected

    SparseSelection(Func<long, bool> predicate, long[]? ranks, long count, int stride)
    {
        this.predicate = predicate;
        this.ranks = ranks;
        Count = count;
        Stride = stride;
    }

    /// <summary>Evaluates <paramref name="predicate"/> once per position now, and again near each lookup later; it must not change its answers.</summary>
    public static SparseSelection Build(long length, Func<long, bool> predicate, int stride = DefaultStride)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        var ranks = new long[(length + stride - 1) / stride];
        long count = 0;
        for (long position = 0; position < length; position++)
        {
            if (position % stride == 0) ranks[position / stride] = count;
            if (predicate(position)) count++;
        }
        return new SparseSelection(predicate, count == length ? null : ranks, count, stride);
    }

    public long Count { get; }
    public int Stride { get; }

    /// <summary>The position of the <paramref name="rank"/>-th selected position (0-based).</summary>
    public long Select(long rank)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)rank, (ulong)Count, nameof(rank));
        if (ranks is null) return rank;
        // The last checkpoint at or before the rank, then a walk of at most one stride.
        int c = Array.BinarySearch(ranks, rank);
        if (c < 0) c = ~c - 1;
        else while (c + 1 < ranks.Length && ranks[c + 1] == rank) c++;
        long seen = ranks[c];
        for (long position = (long)c * Stride; ; position++)
            if (predicate(position) && seen++ == rank) return position;
    }
}
