namespace BertAdapt.Engine.Checkpoints.TensorFlow;

/// <summary>
/// One tensor's record in a TensorFlow checkpoint's <c>.index</c> table (tensor_bundle.proto's
/// BundleEntryProto): its dtype (TensorFlow's DataType number), shape, and where its bytes lie:
/// shard, offset and size, with their CRC-32C. A partitioned tensor has slices instead of bytes.
/// </summary>
internal sealed record TfBundleEntry(int DType, long[] Shape, int ShardId, long Offset, long Size, uint? Crc32C, bool Sliced)
{
    /// <summary>The most dimensions a tensor may have (TensorFlow's own limit is 254).</summary>
    const int MaxDims = 64;

    public static TfBundleEntry Parse(ReadOnlySpan<byte> message)
    {
        int dtype = 0, shard = 0;
        long offset = 0, size = 0;
        uint? crc = null;
        bool sliced = false;
        long[] shape = [];
        var reader = new TfProtoReader(message);
        while (reader.HasMore)
        {
            var (field, wire) = reader.ReadTag();
            switch (field, wire)
            {
                case (1, 0): dtype = checked((int)reader.ReadVarint()); break;
                case (2, 2): shape = ParseShape(reader.ReadBytes()); break;
                case (3, 0): shard = checked((int)reader.ReadVarint()); break;
                case (4, 0): offset = checked((long)reader.ReadVarint()); break;
                case (5, 0): size = checked((long)reader.ReadVarint()); break;
                case (6, 5): crc = reader.ReadFixed32(); break;
                case (7, 2): reader.ReadBytes(); sliced = true; break;
                default: reader.Skip(wire); break;
            }
        }
        return new TfBundleEntry(dtype, shape, shard, offset, size, crc, sliced);
    }

    /// <summary>TensorShapeProto: repeated dim (field 2) of {size (1), name (2)}; unknown_rank (3) is refused.</summary>
    static long[] ParseShape(ReadOnlySpan<byte> message)
    {
        var dims = new List<long>();
        var reader = new TfProtoReader(message);
        while (reader.HasMore)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 2 && wire == 2)
            {
                if (dims.Count == MaxDims) throw new FormatException($"a shape has more than {MaxDims} dimensions.");
                long size = 0;
                var dim = new TfProtoReader(reader.ReadBytes());
                while (dim.HasMore)
                {
                    var (f, w) = dim.ReadTag();
                    if (f == 1 && w == 0) size = unchecked((long)dim.ReadVarint());
                    else dim.Skip(w);
                }
                if (size < 0) throw new FormatException($"a shape has dimension {size}.");
                dims.Add(size);
            }
            else if (field == 3 && wire == 0)
            {
                if (reader.ReadVarint() != 0) throw new FormatException("a tensor's shape has an unknown rank.");
            }
            else reader.Skip(wire);
        }
        return [.. dims];
    }

    /// <summary>BundleHeaderProto: num_shards (1) and endianness (2; 0 little, 1 big).</summary>
    public static (int Shards, bool BigEndian) ParseHeader(ReadOnlySpan<byte> message)
    {
        int shards = 1;
        bool big = false;
        var reader = new TfProtoReader(message);
        while (reader.HasMore)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 1 && wire == 0) shards = checked((int)reader.ReadVarint());
            else if (field == 2 && wire == 0) big = reader.ReadVarint() == 1;
            else reader.Skip(wire);
        }
        return (shards, big);
    }
}
