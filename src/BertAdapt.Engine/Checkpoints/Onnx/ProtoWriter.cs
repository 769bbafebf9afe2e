using System.Buffers.Binary;
using System.Text;

namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>
/// Writes protobuf wire format (the encoding <see cref="ProtoCursor"/> reads) to a stream: keys,
/// varints, fixed-width values and length-delimited fields. A protobuf message carries its length
/// before its body, so a small nested message is built in memory first (<see cref="Message(Action{ProtoWriter})"/>);
/// a field too large for that (a tensor's payload) is written as its key and length with
/// <see cref="LengthPrefix"/>, and the caller streams exactly that many bytes after it.
/// </summary>
sealed class ProtoWriter(Stream stream)
{
    readonly byte[] scratch = new byte[10];

    /// <summary>The bytes of a message that <paramref name="body"/> writes.</summary>
    public static byte[] Message(Action<ProtoWriter> body)
    {
        using var buffer = new MemoryStream();
        body(new ProtoWriter(buffer));
        return buffer.ToArray();
    }

    /// <summary>How many bytes <paramref name="value"/> takes as a varint (1 to 10).</summary>
    public static int VarintSize(ulong value)
    {
        int size = 1;
        while (value >= 0x80) { value >>= 7; size++; }
        return size;
    }

    /// <summary>How many bytes a length-delimited field's key and length take before its payload.</summary>
    public static int LengthPrefixSize(int field, long length) => VarintSize(Key(field, WireType.LengthDelimited)) + VarintSize((ulong)length);

    static ulong Key(int field, WireType wire) => (ulong)field << 3 | (uint)wire;

    public void Varint(ulong value)
    {
        int n = 0;
        while (value >= 0x80)
        {
            scratch[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        scratch[n++] = (byte)value;
        stream.Write(scratch, 0, n);
    }

    /// <summary>An int32 or int64 field; a negative value takes ten bytes, as protobuf encodes it.</summary>
    public void Int64(int field, long value)
    {
        Varint(Key(field, WireType.Varint));
        Varint(unchecked((ulong)value));
    }

    public void Float(int field, float value)
    {
        Varint(Key(field, WireType.Fixed32));
        BinaryPrimitives.WriteSingleLittleEndian(scratch, value);
        stream.Write(scratch, 0, 4);
    }

    public void Bytes(int field, ReadOnlySpan<byte> payload)
    {
        LengthPrefix(field, payload.Length);
        stream.Write(payload);
    }

    public void String(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));

    /// <summary>A nested message, built in memory by <paramref name="body"/>.</summary>
    public void Message(int field, Action<ProtoWriter> body) => Bytes(field, Message(body));

    /// <summary>The key and length of a length-delimited field whose <paramref name="length"/> bytes the caller writes next.</summary>
    public void LengthPrefix(int field, long length)
    {
        Varint(Key(field, WireType.LengthDelimited));
        Varint((ulong)length);
    }

    /// <summary>Bytes the caller has already encoded (a prebuilt field or message body).</summary>
    public void Raw(ReadOnlySpan<byte> bytes) => stream.Write(bytes);
}
