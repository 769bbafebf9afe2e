using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>The four protobuf wire types an ONNX file uses (groups, 3 and 4, are refused).</summary>
enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>A protobuf file that is not well formed; <see cref="Offset"/> is where reading stopped.</summary>
sealed class ProtoFormatException(string message, long offset) : Exception(message)
{
    public long Offset { get; } = offset;
}

/// <summary>
/// Positional access to the bytes of an open file. Reading the message structure goes through a
/// small window, so a walk over the fields touches only the bytes it parses; tensor payloads are
/// read straight into their destination with <see cref="Read"/>. The file is never read whole.
/// </summary>
sealed class ProtoFile : IDisposable
{
    const int WindowBytes = 64 << 10;

    readonly FileStream stream;
    readonly byte[] window = new byte[WindowBytes];
    long windowStart;
    int windowCount;

    public ProtoFile(FileStream stream)
    {
        this.stream = stream;
        Length = stream.Length;
    }

    public long Length { get; }

    SafeFileHandle Handle => stream.SafeFileHandle;

    /// <summary>The byte at <paramref name="position"/>, which the caller has bounded by the file's length.</summary>
    public byte ByteAt(long position)
    {
        long within = position - windowStart;
        if ((ulong)within >= (ulong)windowCount)
        {
            Fill(position);
            within = 0;
        }
        return window[within];
    }

    void Fill(long position)
    {
        int wanted = (int)Math.Min(WindowBytes, Length - position);
        int count = 0;
        while (count < wanted)
        {
            int n = RandomAccess.Read(Handle, window.AsSpan(count, wanted - count), position + count);
            if (n <= 0) throw new ProtoFormatException("the file ended early (was it truncated while being read?).", position + count);
            count += n;
        }
        windowStart = position;
        windowCount = count;
    }

    /// <summary>Reads exactly <paramref name="destination"/>.Length bytes at <paramref name="position"/>.</summary>
    public void Read(long position, Span<byte> destination)
    {
        if (position < 0 || position > Length - destination.Length)
            throw new ProtoFormatException($"bytes {position}..{position + destination.Length} lie outside the {Length}-byte file.", position);
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(Handle, destination, position);
            if (n <= 0) throw new ProtoFormatException("the file ended early (was it truncated while being read?).", position);
            destination = destination[n..];
            position += n;
        }
    }

    public void Dispose() => stream.Dispose();
}

/// <summary>
/// A forward reader over one protobuf message: the bytes [position, end) of a <see cref="ProtoFile"/>.
/// Every length it reads is checked against the bytes the message really has left before
/// anything is allocated or skipped, so a hostile length claim fails at once.
/// </summary>
struct ProtoCursor
{
    readonly ProtoFile file;
    readonly long end;
    long position;

    public ProtoCursor(ProtoFile file, long start, long length)
    {
        if (start < 0 || length < 0 || start > file.Length - length)
            throw new ProtoFormatException($"a message of {length} bytes at offset {start} does not fit in the {file.Length}-byte file.", start);
        this.file = file;
        position = start;
        end = start + length;
    }

    public readonly bool HasMore => position < end;
    public readonly long Position => position;
    public readonly long Remaining => end - position;

    /// <summary>Reads a field key; field 0 and the group wire types are refused.</summary>
    public (int Field, WireType Wire) ReadTag()
    {
        long at = position;
        ulong key = ReadVarint();
        ulong field = key >> 3;
        int wire = (int)(key & 7);
        if (field == 0 || field > 0x1FFF_FFFF)
            throw new ProtoFormatException($"field number {field} is not valid.", at);
        if (wire is not (0 or 1 or 2 or 5))
            throw new ProtoFormatException($"field {field} has wire type {wire}, which ONNX does not use.", at);
        return ((int)field, (WireType)wire);
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        long start = position;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (position >= end)
                throw new ProtoFormatException("a varint runs past the end of its message.", start);
            byte b = file.ByteAt(position++);
            if (shift == 63 && b > 1)
                throw new ProtoFormatException("a varint is longer than 64 bits.", start);
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new ProtoFormatException("a varint is longer than 10 bytes.", start);
    }

    public long ReadInt64() => unchecked((long)ReadVarint());

    /// <summary>A protobuf int32 (sign-extended to 64 bits on the wire); values outside int range are refused.</summary>
    public int ReadInt32()
    {
        long at = position;
        long value = ReadInt64();
        if (value is < int.MinValue or > int.MaxValue)
            throw new ProtoFormatException($"the value {value} does not fit a 32-bit field.", at);
        return (int)value;
    }

    public uint ReadFixed32()
    {
        Span<byte> bytes = stackalloc byte[4];
        ReadRaw(bytes);
        return BinaryPrimitives.ReadUInt32LittleEndian(bytes);
    }

    public ulong ReadFixed64()
    {
        Span<byte> bytes = stackalloc byte[8];
        ReadRaw(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }

    public float ReadFloat() => BitConverter.Int32BitsToSingle(unchecked((int)ReadFixed32()));

    void ReadRaw(Span<byte> destination)
    {
        if (destination.Length > Remaining)
            throw new ProtoFormatException($"a {destination.Length}-byte value runs past the end of its message.", position);
        for (int i = 0; i < destination.Length; i++) destination[i] = file.ByteAt(position++);
    }

    /// <summary>Reads the length of a length-delimited field, checks it against what is left, and steps over the payload.</summary>
    public (long Start, long Length) ReadLengthDelimited()
    {
        long at = position;
        ulong length = ReadVarint();
        if (length > (ulong)Remaining)
            throw new ProtoFormatException(
                $"a field claims {length} bytes but only {Remaining} remain in its message (truncated or corrupt file).", at);
        long start = position;
        position += (long)length;
        return (start, (long)length);
    }

    /// <summary>A cursor over the next length-delimited field (an embedded message).</summary>
    public ProtoCursor ReadMessage()
    {
        var (start, length) = ReadLengthDelimited();
        return new ProtoCursor(file, start, length);
    }

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads a string field of at most <paramref name="maxBytes"/> bytes (names, op types, attribute keys).</summary>
    public string ReadString(int maxBytes = 1 << 20)
    {
        long at = position;
        var (start, length) = ReadLengthDelimited();
        if (length > maxBytes)
            throw new ProtoFormatException($"a {length}-byte string is longer than the {maxBytes} bytes allowed.", at);
        if (length == 0) return "";
        Span<byte> bytes = length <= 256 ? stackalloc byte[(int)length] : new byte[length];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = file.ByteAt(start + i);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtoFormatException("a string is not valid UTF-8.", at);
        }
    }

    /// <summary>A cursor over [start, start + length) of the same file (a payload this cursor stepped over).</summary>
    public readonly ProtoCursor Sub(long start, long length) => new(file, start, length);

    /// <summary>The remaining bytes as a UTF-8 string, or null when they are not valid UTF-8.</summary>
    public readonly string? TryDecodeRest()
    {
        if (Remaining > 1 << 20) return null;
        var bytes = new byte[Remaining];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = file.ByteAt(position + i);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>Steps over a field's value of the given wire type.</summary>
    public void Skip(WireType wire)
    {
        switch (wire)
        {
            case WireType.Varint: ReadVarint(); break;
            case WireType.Fixed32: Advance(4); break;
            case WireType.Fixed64: Advance(8); break;
            case WireType.LengthDelimited: ReadLengthDelimited(); break;
            default: throw new ProtoFormatException($"wire type {wire} cannot be skipped.", position);
        }
    }

    void Advance(int count)
    {
        if (count > Remaining)
            throw new ProtoFormatException($"a {count}-byte value runs past the end of its message.", position);
        position += count;
    }

    /// <summary>Fails unless the field has the expected wire type.</summary>
    public readonly void Expect(int field, WireType actual, WireType expected, string what)
    {
        if (actual != expected)
            throw new ProtoFormatException($"{what} (field {field}) has wire type {(int)actual}, expected {(int)expected}.", position);
    }
}
