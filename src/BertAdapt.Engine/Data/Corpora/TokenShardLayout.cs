using System.Buffers.Binary;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Where things sit in a token shard file. A 64-byte header (magic, version, counts), then the
/// token ids (int32, no special tokens), padding to 8 bytes, the line start offsets (int64,
/// LineCount + 1) and the document start line indexes (int64, DocumentCount + 1). Numbers are
/// little-endian. The file length follows from the counts, which is how a half-written or
/// truncated shard is caught.
/// </summary>
public readonly record struct TokenShardLayout(long TokenCount, long LineCount, long DocumentCount)
{
    public const int HeaderSize = 64;
    public const int Version = 1;
    static ReadOnlySpan<byte> Magic => "BATOKSHD"u8;

    public long TokensOffset => HeaderSize;
    public long LineStartsOffset => TokensOffset + Align8(TokenCount * sizeof(int));
    public long DocumentStartsOffset => LineStartsOffset + (LineCount + 1) * sizeof(long);
    public long FileLength => DocumentStartsOffset + (DocumentCount + 1) * sizeof(long);

    public static long Align8(long bytes) => (bytes + 7) & ~7L;

    public void WriteHeader(Span<byte> header)
    {
        header[..HeaderSize].Clear();
        Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], HeaderSize);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], TokenCount);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], LineCount);
        BinaryPrimitives.WriteInt64LittleEndian(header[32..], DocumentCount);
    }

    /// <summary>The layout a header describes, or null when it is not a shard header of this version.</summary>
    public static TokenShardLayout? ReadHeader(ReadOnlySpan<byte> header)
    {
        if (header.Length < HeaderSize || !header[..8].SequenceEqual(Magic)) return null;
        if (BinaryPrimitives.ReadInt32LittleEndian(header[8..]) != Version) return null;
        if (BinaryPrimitives.ReadInt32LittleEndian(header[12..]) != HeaderSize) return null;
        long tokens = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        long lines = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
        long documents = BinaryPrimitives.ReadInt64LittleEndian(header[32..]);
        // Bounds that keep the offset arithmetic far from overflow.
        const long Limit = 1L << 40;
        if (tokens is < 0 or > Limit || lines is < 0 or > Limit || documents is < 0 or > Limit) return null;
        return new TokenShardLayout(tokens, lines, documents);
    }
}
