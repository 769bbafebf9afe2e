namespace BertAdapt.Engine.Checkpoints.TensorFlow;

/// <summary>
/// A forward reader over bytes held in memory: a small protobuf message (a tensor bundle entry or
/// header), or the varints and byte runs of an index table's blocks. Every length is checked
/// against the bytes left; malformed bytes throw <see cref="FormatException"/>, which the caller
/// turns into its file's error.
/// </summary>
internal ref struct TfProtoReader(ReadOnlySpan<byte> message)
{
    readonly ReadOnlySpan<byte> bytes = message;
    int position;

    public readonly bool HasMore => position < bytes.Length;

    /// <summary>How many bytes are left.</summary>
    public readonly int Remaining => bytes.Length - position;

    /// <summary>The next field's number and wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).</summary>
    public (int Field, int Wire) ReadTag()
    {
        ulong tag = ReadVarint();
        if (tag >> 3 is 0 or > int.MaxValue) throw new FormatException($"field number {tag >> 3} at byte {position}.");
        return ((int)(tag >> 3), (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length) throw new FormatException("a varint runs past the end of its message.");
            byte b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
        throw new FormatException("a varint is longer than 10 bytes.");
    }

    public uint ReadFixed32()
    {
        var slice = Take(4);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(slice);
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(bytes.Length - position)) throw new FormatException($"a field claims {length} bytes but {bytes.Length - position} remain.");
        return Take((int)length);
    }

    public void Skip(int wire)
    {
        switch (wire)
        {
            case 0: ReadVarint(); break;
            case 1: Take(8); break;
            case 2: ReadBytes(); break;
            case 5: Take(4); break;
            default: throw new FormatException($"wire type {wire} is not one a tensor bundle uses.");
        }
    }

    /// <summary>The next <paramref name="count"/> bytes.</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > bytes.Length - position) throw new FormatException($"a {count}-byte value runs past the end of its message.");
        var slice = bytes.Slice(position, count);
        position += count;
        return slice;
    }
}
