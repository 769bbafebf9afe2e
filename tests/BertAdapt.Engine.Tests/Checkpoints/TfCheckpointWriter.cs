using System.Buffers.Binary;
using System.Text;
using BertAdapt.Engine.Checkpoints.TensorFlow;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>One variable of a TensorFlow checkpoint the tests write: TensorFlow's DataType number, shape and raw little-endian bytes.</summary>
public sealed record TfVariable(string Name, int DType, long[] Shape, byte[] Data);

/// <summary>
/// Writes a TensorFlow checkpoint as TensorFlow's BundleWriter lays one out, from the public
/// descriptions of its two formats (no TensorFlow is available here):
/// <list type="bullet">
/// <item><c>{prefix}.data-00000-of-00001</c>: the variables' bytes, one after another.</item>
/// <item><c>{prefix}.index</c>: a LevelDB-layout sorted table. Its data block holds one entry per
/// key in byte order: the empty key maps to a BundleHeaderProto (num_shards = 1, little endian,
/// a version), every variable's name to a BundleEntryProto (dtype = 1, shape = 2 with dims of
/// size = 1, offset = 4, size = 5, crc32c = 6 as a masked CRC-32C). An entry is the varints
/// (shared key bytes, unshared key bytes, value bytes), then the unshared key and the value; a
/// block ends with its restart offsets (uint32 each) and their count, and is followed by a
/// compression byte (0 = none) and the masked CRC-32C of the block and that byte. An index
/// block maps a key at or after the data block's last to that block's handle (offset and size as
/// varints); the metaindex block is empty. The 48-byte footer holds the metaindex and index
/// handles, zero padding to 40 bytes, and the magic number 0xdb4775248b80fb57, little endian.</item>
/// </list>
/// </summary>
public static class TfCheckpointWriter
{
    public static void Write(string prefix, IEnumerable<TfVariable> variables)
    {
        var sorted = variables.OrderBy(v => v.Name, StringComparer.Ordinal).ToList();
        var entries = new List<(string Key, byte[] Value)> { ("", Header()) };
        using (var data = File.Create(prefix + ".data-00000-of-00001"))
            foreach (var v in sorted)
            {
                entries.Add((v.Name, Entry(v, data.Position)));
                data.Write(v.Data);
            }

        using var index = new MemoryStream();
        var dataBlock = WriteBlock(index, entries);
        var indexBlock = WriteBlock(index, [(entries[^1].Key, Handle(dataBlock))]);
        var metaBlock = WriteBlock(index, []);
        var footer = new byte[48];
        var handles = Handle(metaBlock).Concat(Handle(indexBlock)).ToArray();
        handles.CopyTo(footer, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(footer.AsSpan(40), 0xdb4775248b80fb57);
        index.Write(footer);
        File.WriteAllBytes(prefix + ".index", index.ToArray());
    }

    /// <summary>Google's name for one of the model's parameters, and whether TensorFlow stores it transposed (a dense kernel).</summary>
    public static (string Name, bool Transposed) GoogleName(string name)
    {
        if (name == "cls.predictions.bias") return ("cls/predictions/output_bias", false);
        if (name.StartsWith("cls.seq_relationship.", StringComparison.Ordinal))
            return (name.EndsWith(".weight", StringComparison.Ordinal) ? "cls/seq_relationship/output_weights" : "cls/seq_relationship/output_bias", false);
        var parts = name.Split('.').ToList();
        for (int i = parts.Count - 2; i >= 0; i--)
            if (int.TryParse(parts[i + 1], out _) && parts[i] == "layer") { parts[i] = $"layer_{parts[i + 1]}"; parts.RemoveAt(i + 1); }
        string last = parts[^1];
        parts.RemoveAt(parts.Count - 1);
        bool layerNorm = parts[^1] == "LayerNorm", embedding = parts[^1].EndsWith("_embeddings", StringComparison.Ordinal);
        if (embedding) return (string.Join('/', parts), false);
        if (layerNorm) return (string.Join('/', parts) + (last == "weight" ? "/gamma" : "/beta"), false);
        return (string.Join('/', parts) + (last == "weight" ? "/kernel" : "/bias"), last == "weight");
    }

    /// <summary>A float32 variable from values in row-major order.</summary>
    public static TfVariable Float32(string name, long[] shape, float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return new TfVariable(name, 1, shape, bytes);
    }

    static byte[] Header()
    {
        var proto = new List<byte>();
        Tag(proto, 1, 0); Varint(proto, 1);          // num_shards
        Tag(proto, 2, 0); Varint(proto, 0);          // endianness: little
        var version = new List<byte>();
        Tag(version, 1, 0); Varint(version, 1);      // producer
        Tag(proto, 3, 2); Bytes(proto, version);
        return [.. proto];
    }

    static byte[] Entry(TfVariable v, long offset)
    {
        var proto = new List<byte>();
        Tag(proto, 1, 0); Varint(proto, (ulong)v.DType);
        var shape = new List<byte>();
        foreach (var d in v.Shape)
        {
            var dim = new List<byte>();
            Tag(dim, 1, 0); Varint(dim, (ulong)d);
            Tag(shape, 2, 2); Bytes(shape, dim);
        }
        Tag(proto, 2, 2); Bytes(proto, shape);
        if (offset != 0) { Tag(proto, 4, 0); Varint(proto, (ulong)offset); }
        Tag(proto, 5, 0); Varint(proto, (ulong)v.Data.Length);
        Tag(proto, 6, 5);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32C.Mask(Crc32C.Extend(0, v.Data)));
        proto.AddRange(crc);
        return [.. proto];
    }

    static (long Offset, long Size) WriteBlock(Stream stream, List<(string Key, byte[] Value)> entries)
    {
        var block = new List<byte>();
        var restarts = new List<uint>();
        byte[] previous = [];
        foreach (var (key, value) in entries)
        {
            var bytes = Encoding.UTF8.GetBytes(key);
            // A restart point every other entry; the entries between share their prefix with the one before.
            bool restart = restarts.Count == 0 || entries.IndexOf((key, value)) % 2 == 0;
            int shared = 0;
            if (restart) restarts.Add((uint)block.Count);
            else while (shared < previous.Length && shared < bytes.Length && previous[shared] == bytes[shared]) shared++;
            Varint(block, (ulong)shared);
            Varint(block, (ulong)(bytes.Length - shared));
            Varint(block, (ulong)value.Length);
            block.AddRange(bytes.Skip(shared));
            block.AddRange(value);
            previous = bytes;
        }
        if (restarts.Count == 0) restarts.Add(0);
        foreach (var r in restarts) block.AddRange(BitConverter.GetBytes(r));
        block.AddRange(BitConverter.GetBytes((uint)restarts.Count));
        long offset = stream.Position;
        var contents = block.ToArray();
        stream.Write(contents);
        stream.WriteByte(0);
        var trailer = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, Crc32C.Mask(Crc32C.Extend(Crc32C.Extend(0, contents), [0])));
        stream.Write(trailer);
        return (offset, contents.Length);
    }

    static byte[] Handle((long Offset, long Size) handle)
    {
        var bytes = new List<byte>();
        Varint(bytes, (ulong)handle.Offset);
        Varint(bytes, (ulong)handle.Size);
        return [.. bytes];
    }

    static void Tag(List<byte> to, int field, int wire) => Varint(to, (ulong)(field << 3 | wire));

    static void Bytes(List<byte> to, List<byte> value)
    {
        Varint(to, (ulong)value.Count);
        to.AddRange(value);
    }

    static void Varint(List<byte> to, ulong value)
    {
        while (value >= 0x80) { to.Add((byte)(value | 0x80)); value >>= 7; }
        to.Add((byte)value);
    }
}
