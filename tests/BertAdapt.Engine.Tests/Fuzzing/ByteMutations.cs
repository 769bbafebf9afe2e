using System.Buffers.Binary;

namespace BertAdapt.Engine.Tests.Fuzzing;

/// <summary>
/// Format-blind damage: bit flips, bytes and integers overwritten with values readers trip on
/// (0, 0xFF, 0x7F, lengths near int and long max), truncation, and chunks duplicated, deleted or
/// inserted. Each returns a new array and says what it did, so a failing case can be read.
/// </summary>
public static class ByteMutations
{
    static readonly byte[] InterestingBytes = [0x00, 0x01, 0x7F, 0x80, 0xFF, 0xFE, (byte)'"', (byte)'{', (byte)'[', (byte)'-', (byte)'9', (byte)'.'];

    /// <summary>Integers that sit at the edges of 32- and 64-bit lengths, signed and unsigned.</summary>
    public static readonly long[] InterestingIntegers =
    [
        0, 1, -1, 2, 7, 8, 63, 64, 255, 256, 65535, 65536, int.MaxValue, int.MaxValue - 1, (long)int.MaxValue + 1, int.MinValue,
        uint.MaxValue, (long)uint.MaxValue + 1, long.MaxValue, long.MaxValue - 1, long.MinValue, 1L << 53, 1L << 40, 0x7FFFFFC7,
    ];

    public static (byte[] Bytes, string What) Apply(byte[] data, Random random)
    {
        if (data.Length == 0) return (RandomBytes(random, random.Next(1, 64)), "replaced an empty file with random bytes");
        switch (random.Next(8))
        {
            case 0:
            {
                var copy = (byte[])data.Clone();
                int flips = 1 << random.Next(4);
                for (int i = 0; i < flips; i++) copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                return (copy, $"flipped {flips} bits");
            }
            case 1:
            {
                var copy = (byte[])data.Clone();
                int at = random.Next(copy.Length);
                copy[at] = InterestingBytes[random.Next(InterestingBytes.Length)];
                return (copy, $"overwrote byte {at} with 0x{copy[at]:X2}");
            }
            case 2:
            {
                var copy = (byte[])data.Clone();
                long value = InterestingIntegers[random.Next(InterestingIntegers.Length)];
                int width = random.Next(2) == 0 ? 4 : 8;
                if (copy.Length < width) return Truncate(data, random);
                int at = random.Next(copy.Length - width + 1);
                bool bigEndian = random.Next(4) == 0;
                var span = copy.AsSpan(at, width);
                if (width == 4 && bigEndian) BinaryPrimitives.WriteInt32BigEndian(span, unchecked((int)value));
                else if (width == 4) BinaryPrimitives.WriteInt32LittleEndian(span, unchecked((int)value));
                else if (bigEndian) BinaryPrimitives.WriteInt64BigEndian(span, value);
                else BinaryPrimitives.WriteInt64LittleEndian(span, value);
                return (copy, $"wrote {value} as a {width * 8}-bit {(bigEndian ? "big" : "little")}-endian integer at {at}");
            }
            case 3:
                return Truncate(data, random);
            case 4:
            {
                var (start, length) = Chunk(data.Length, random);
                int at = random.Next(data.Length + 1);
                return ([.. data.AsSpan(0, at), .. data.AsSpan(start, length), .. data.AsSpan(at)], $"copied {length} bytes from {start} to {at}");
            }
            case 5:
            {
                var (start, length) = Chunk(data.Length, random);
                return ([.. data.AsSpan(0, start), .. data.AsSpan(start + length)], $"deleted {length} bytes at {start}");
            }
            case 6:
            {
                int at = random.Next(data.Length + 1);
                var inserted = RandomBytes(random, random.Next(1, 256));
                return ([.. data.AsSpan(0, at), .. inserted, .. data.AsSpan(at)], $"inserted {inserted.Length} random bytes at {at}");
            }
            default:
            {
                var copy = (byte[])data.Clone();
                var (start, length) = Chunk(data.Length, random);
                byte fill = InterestingBytes[random.Next(InterestingBytes.Length)];
                copy.AsSpan(start, length).Fill(fill);
                return (copy, $"filled {length} bytes at {start} with 0x{fill:X2}");
            }
        }
    }

    public static (byte[] Bytes, string What) Truncate(byte[] data, Random random)
    {
        // Half the cuts near the start, where the headers are.
        int at = random.Next(2) == 0 ? random.Next(Math.Min(data.Length, 256)) : random.Next(data.Length);
        return (data[..at], $"truncated to {at} of {data.Length} bytes");
    }

    static (int Start, int Length) Chunk(int size, Random random)
    {
        int length = Math.Max(1, Math.Min(size, random.Next(2) == 0 ? random.Next(1, 16) : random.Next(1, Math.Max(2, size / 4))));
        return (random.Next(size - length + 1), length);
    }

    public static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
