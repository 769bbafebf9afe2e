using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Reads a file through memory mapping, a few fixed-size segments at a time. Mapping the whole
/// file would be simpler, but every page it touches then stays in the process's resident set
/// (the OS counts mapped file pages as ours), so iterating a large shard would grow the peak
/// working set with the corpus. Unmapping the least recently used segment keeps it bounded at
/// SegmentBytes × MaxSegments; the pages stay in the OS file cache for the next time.
/// Thread-safe: one lock around each read.
/// </summary>
sealed class MappedFileView : IDisposable
{
    public const long DefaultSegmentBytes = 4L << 20;
    const int MaxSegments = 8;

    readonly MemoryMappedFile file;
    readonly long segmentBytes;
    readonly Segment?[] segments = new Segment?[MaxSegments];
    readonly object gate = new();
    long clock;
    bool disposed;

    sealed record Segment(long Index, MemoryMappedViewAccessor View)
    {
        public long LastUse;
    }

    /// <param name="segmentBytes">Bytes per mapped segment; a multiple of 64 KiB (the largest allocation granularity).</param>
    public MappedFileView(string path, long segmentBytes = DefaultSegmentBytes)
    {
        if (segmentBytes <= 0 || segmentBytes % (64 << 10) != 0)
            throw new ArgumentOutOfRangeException(nameof(segmentBytes), "The segment size must be a positive multiple of 64 KiB.");
        this.segmentBytes = segmentBytes;
        // Shared for reading and deleting, so that on Windows too the cache can replace a shard another reader has open.
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        Length = stream.Length;
        if (Length == 0)
        {
            stream.Dispose();
            throw new ArgumentException($"'{path}' is empty and cannot be mapped.", nameof(path));
        }
        file = MemoryMappedFile.CreateFromFile(stream, mapName: null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
    }

    public long Length { get; }

    public long ReadInt64(long offset)
    {
        long value = 0;
        Read(offset, MemoryMarshal.AsBytes(new Span<long>(ref value)));
        return value;
    }

    public void Read<T>(long offset, Span<T> destination) where T : unmanaged => Read(offset, MemoryMarshal.AsBytes(destination));

    public void Read(long offset, Span<byte> destination)
    {
        if (offset < 0 || offset > Length - destination.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"Bytes {offset}..{offset + destination.Length} are outside the {Length}-byte file.");
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            while (!destination.IsEmpty)
            {
                long index = offset / segmentBytes, within = offset % segmentBytes;
                int count = (int)Math.Min(destination.Length, segmentBytes - within);
                var view = SegmentAt(index).View;
                view.SafeMemoryMappedViewHandle.ReadSpan((ulong)(view.PointerOffset + within), destination[..count]);
                destination = destination[count..];
                offset += count;
            }
        }
    }

    Segment SegmentAt(long index)
    {
        int victim = 0;
        for (int i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            if (segment?.Index == index) { segment.LastUse = ++clock; return segment; }
            if (segment is null) victim = i;
            else if (segments[victim] is { } v && segment.LastUse < v.LastUse) victim = i;
        }
        segments[victim]?.View.Dispose();
        long start = index * segmentBytes;
        var view = file.CreateViewAccessor(start, Math.Min(segmentBytes, Length - start), MemoryMappedFileAccess.Read);
        return segments[victim] = new Segment(index, view) { LastUse = ++clock };
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            foreach (var segment in segments) segment?.View.Dispose();
            file.Dispose();
        }
    }
}
