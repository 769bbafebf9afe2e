using System.Buffers.Binary;
using System.Text;

namespace BertAdapt.Engine.Checkpoints.TensorFlow;

/// <summary>
/// Reads the sorted string table TensorFlow writes as a checkpoint's <c>.index</c> file (the
/// LevelDB table layout): a 48-byte footer at the end (the metaindex and index block handles as
/// varints, padding, and the magic number 0xdb4775248b80fb57), an index block whose values are
/// the handles of the data blocks, and data blocks of prefix-compressed key/value entries that
/// end in their restart offsets and count. Each block is followed by a compression byte and a
/// masked CRC-32C of the block and that byte. Only uncompressed blocks are read. Every handle,
/// length and count is checked against the bytes there are before it is used.
/// </summary>
internal static class TfTable
{
    const ulong Magic = 0xdb4775248b80fb57;
    const int FooterLength = 48, TrailerLength = 5;
    /// <summary>An index file of a checkpoint with thousands of tensors is a few hundred KB.</summary>
    public const long MaxIndexBytes = 64L << 20;
    const int MaxEntries = 1 << 20;

    /// <summary>Every key and value of the table, in key order.</summary>
    public static List<(string Key, byte[] Value)> ReadAll(string path)
    {
        var length = new FileInfo(path).Length;
        if (length > MaxIndexBytes) throw Corrupt(path, $"it is {length:N0} bytes; a checkpoint index is at most {MaxIndexBytes:N0}.");
        if (length < FooterLength) throw Corrupt(path, $"it is {length} bytes, shorter than a table's {FooterLength}-byte footer.");
        var file = File.ReadAllBytes(path);
        var footer = file.AsSpan(file.Length - FooterLength);
        if (BinaryPrimitives.ReadUInt64LittleEndian(footer[40..]) != Magic)
            throw Corrupt(path, "its footer lacks the table magic number; it is not a TensorFlow checkpoint index.");
        var handles = new TfProtoReader(footer);
        var metaindex = ReadHandle(path, ref handles, file.Length, "metaindex");
        var index = ReadHandle(path, ref handles, file.Length, "index");
        // Nothing in the metaindex is needed (TensorFlow writes it empty), but it is checked like the rest.
        _ = ReadBlock(path, file, metaindex, "the metaindex block");

        var entries = new List<(string, byte[])>();
        string? previous = null;
        foreach (var (_, handleBytes) in ReadBlock(path, file, index, "the index block"))
        {
            var handle = new TfProtoReader(handleBytes);
            var block = ReadHandle(path, ref handle, file.Length, "data");
            foreach (var (key, value) in ReadBlock(path, file, block, $"the data block at byte {block.Offset}"))
            {
                var name = Key(path, key);
                if (previous is not null && string.CompareOrdinal(previous, name) >= 0)
                    throw Corrupt(path, $"its keys are out of order ('{previous}' before '{name}').");
                if (entries.Count == MaxEntries) throw Corrupt(path, $"it holds more than {MaxEntries:N0} entries.");
                entries.Add((name, value));
                previous = name;
            }
        }
        return entries;
    }

    readonly record struct Handle(long Offset, long Size);

    static Handle ReadHandle(string path, ref TfProtoReader reader, long fileLength, string what)
    {
        ulong offset, size;
        try
        {
            (offset, size) = (reader.ReadVarint(), reader.ReadVarint());
        }
        catch (FormatException ex)
        {
            throw Corrupt(path, $"the {what} block handle is malformed: {ex.Message}");
        }
        if (offset > (ulong)fileLength || size > (ulong)fileLength - offset || (long)(offset + size) > fileLength - TrailerLength)
            throw Corrupt(path, $"the {what} block handle (offset {offset}, size {size}) lies outside the {fileLength}-byte file.");
        return new Handle((long)offset, (long)size);
    }

    /// <summary>The entries of one block, after checking its trailer.</summary>
    static List<(byte[] Key, byte[] Value)> ReadBlock(string path, byte[] file, Handle handle, string what)
    {
        var contents = file.AsSpan((int)handle.Offset, (int)handle.Size);
        byte compression = file[handle.Offset + handle.Size];
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)(handle.Offset + handle.Size + 1), 4));
        uint crc = Crc32C.Extend(Crc32C.Extend(0, contents), [compression]);
        if (stored != Crc32C.Mask(crc))
            throw Corrupt(path, $"{what} fails its checksum.");
        if (compression != 0)
            throw new BertAdaptException("TfCheckpointUnsupported", BertAdaptErrorKind.NotImplemented,
                $"'{path}': {what} is compressed ({(compression == 1 ? "Snappy" : $"type {compression}")}); only uncompressed checkpoint indexes are read. TensorFlow writes them uncompressed.", path);
        if (contents.Length < 4) throw Corrupt(path, $"{what} is {contents.Length} bytes, too short for its restart count.");
        uint restarts = BinaryPrimitives.ReadUInt32LittleEndian(contents[^4..]);
        if (restarts > (uint)(contents.Length - 4) / 4) throw Corrupt(path, $"{what} claims {restarts} restart points, more than it can hold.");
        var data = contents[..(contents.Length - 4 - (int)restarts * 4)];

        var entries = new List<(byte[], byte[])>();
        byte[] last = [];
        var reader = new TfProtoReader(data);
        try
        {
            while (reader.HasMore)
            {
                ulong shared = reader.ReadVarint(), unshared = reader.ReadVarint(), valueLength = reader.ReadVarint();
                // Checked before the key is allocated: a hostile length must not cost memory.
                if (shared > (ulong)last.Length || unshared > (ulong)reader.Remaining || valueLength > (ulong)reader.Remaining - unshared)
                    throw new FormatException($"an entry claims more bytes than the block has (shared {shared}, key {unshared}, value {valueLength}).");
                var key = new byte[(int)shared + (int)unshared];
                last.AsSpan(0, (int)shared).CopyTo(key);
                reader.Take((int)unshared).CopyTo(key.AsSpan((int)shared));
                entries.Add((key, reader.Take((int)valueLength).ToArray()));
                last = key;
            }
        }
        catch (FormatException ex)
        {
            throw Corrupt(path, $"{what} is malformed (truncated?): {ex.Message}");
        }
        return entries;
    }

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    static string Key(string path, byte[] key)
    {
        try
        {
            return StrictUtf8.GetString(key);
        }
        catch (DecoderFallbackException)
        {
            throw Corrupt(path, "a tensor name is not valid UTF-8.");
        }
    }

    public static BertAdaptException Corrupt(string path, string detail) =>
        new("TfCheckpointCorrupt", BertAdaptErrorKind.InvalidData, $"The TensorFlow checkpoint '{path}' is not valid: {detail}", path);
}
