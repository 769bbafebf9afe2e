using System.Buffers.Binary;
using System.Text;

namespace BertAdapt.Engine.Tests.Fuzzing;

/// <summary>
/// Damage that knows pickle's opcodes (protocols 0 to 5): an opcode swapped for another, its
/// argument (an integer, a length, a memo index) set to an edge value, opcodes deleted,
/// duplicated, or sequences inserted that unbalance the stack, refer to missing memo slots,
/// name forbidden globals or nest without end. <see cref="Scan"/> finds the opcode boundaries.
/// </summary>
public static class PickleMutations
{
    public readonly record struct Op(int Offset, byte Code, int ArgumentOffset, int ArgumentLength)
    {
        public int End => ArgumentOffset + ArgumentLength;
    }

    /// <summary>Every opcode of pickle protocols 0-5.</summary>
    static readonly byte[] Opcodes = Encoding.Latin1.GetBytes("(.012FIJKLMNPQRSTUVXabcdeghijlopqrstu}])G")
        .Concat(Enumerable.Range(0x80, 0x19).Select(i => (byte)i)).ToArray();

    static readonly byte[][] Insertions =
    [
        "0"u8.ToArray(), "1"u8.ToArray(), "2"u8.ToArray(), "("u8.ToArray(), "."u8.ToArray(), "R"u8.ToArray(), "b"u8.ToArray(), "s"u8.ToArray(),
        "t"u8.ToArray(), "e"u8.ToArray(), "u"u8.ToArray(), "Q"u8.ToArray(), ")"u8.ToArray(), "]"u8.ToArray(), "}"u8.ToArray(), "N"u8.ToArray(),
        "\x85"u8.ToArray(), "\x93"u8.ToArray(), "\x94"u8.ToArray(), "\x81"u8.ToArray(),
        "cos\nsystem\n"u8.ToArray(), "ctorch._utils\n_rebuild_tensor_v2\n"u8.ToArray(), "ccollections\nOrderedDict\n"u8.ToArray(),
        "ctorch\nFloatStorage\n"u8.ToArray(), "cbuiltins\neval\n"u8.ToArray(),
        [(byte)'h', 0xFF], [(byte)'j', 0xFF, 0xFF, 0xFF, 0x7F], [(byte)'q', 0x00], [(byte)'r', 0xFF, 0xFF, 0xFF, 0x7F],
        [(byte)'J', 0xFF, 0xFF, 0xFF, 0x7F], [(byte)'J', 0xFF, 0xFF, 0xFF, 0xFF], [(byte)'G', 0x7F, 0xF8, 0, 0, 0, 0, 0, 0],
        [(byte)'X', 0xFF, 0xFF, 0xFF, 0x7F], [0x8A, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], [0x8B, 0xFF, 0xFF, 0xFF, 0x7F],
        [0x8D, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F], [0x95, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F],
    ];

    /// <summary>
    /// The opcodes from <paramref name="start"/> through <paramref name="pickles"/> STOPs, or up to
    /// the first byte that is no opcode (or an argument that runs past the end).
    /// </summary>
    public static List<Op> Scan(byte[] data, int start = 0, int pickles = 1)
    {
        var ops = new List<Op>();
        int at = start, stops = 0;
        while (at < data.Length)
        {
            byte code = data[at];
            int argument = at + 1;
            int length = ArgumentLength(data, code, argument);
            if (length < 0 || argument + length > data.Length) break;
            ops.Add(new Op(at, code, argument, length));
            at = argument + length;
            if (code == (byte)'.' && ++stops == pickles) break;
        }
        return ops;
    }

    /// <summary>How many bytes follow the opcode; -1 for a byte that is not one.</summary>
    static int ArgumentLength(byte[] data, byte code, int at)
    {
        int Line() { int end = Array.IndexOf(data, (byte)'\n', at); return end < 0 ? -1 : end - at + 1; }
        int Prefixed(int width)
        {
            if (at + width > data.Length) return -1;
            long n = width switch
            {
                1 => data[at],
                4 => BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at)),
                _ => BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan(at)),
            };
            return n < 0 || n > data.Length ? -1 : width + (int)n;
        }
        switch ((char)code)
        {
            case '(' or '.' or '0' or '1' or '2' or 'N' or 'Q' or 'R' or 'a' or 'b' or 'd' or 'e' or 'l' or 'o' or 's' or 't' or 'u' or '}' or ']' or ')':
                return 0;
            case 'F' or 'I' or 'L' or 'P' or 'S' or 'V' or 'g' or 'p': return Line();
            case 'c' or 'i': { int first = Line(); if (first < 0) return -1; int end = Array.IndexOf(data, (byte)'\n', at + first); return end < 0 ? -1 : end - at + 1; }
            case 'J' or 'j' or 'r': return 4;
            case 'K' or 'h' or 'q': return 1;
            case 'M': return 2;
            case 'G': return 8;
            case 'X' or 'T' or 'B': return Prefixed(4);
            case 'U' or 'C': return Prefixed(1);
        }
        return code switch
        {
            0x80 or 0x82 => 1,
            0x83 => 2,
            0x84 => 4,
            0x85 or 0x86 or 0x87 or 0x88 or 0x89 or 0x8F or 0x90 or 0x91 or 0x92 or 0x93 or 0x94 or 0x81 or 0x97 or 0x98 => 0,
            0x8A or 0x8C => Prefixed(1),
            0x8B => Prefixed(4),
            0x8D or 0x8E or 0x96 => Prefixed(8),
            0x95 => 8,
            _ => -1,
        };
    }

    /// <summary>One mutation of the opcodes <paramref name="ops"/> of <paramref name="data"/>.</summary>
    public static (byte[] Bytes, string What) Apply(byte[] data, List<Op> ops, Random random)
    {
        if (ops.Count == 0) return ByteMutations.Apply(data, random);
        var op = ops[random.Next(ops.Count)];
        switch (random.Next(6))
        {
            case 0:
            {
                var copy = (byte[])data.Clone();
                copy[op.Offset] = Opcodes[random.Next(Opcodes.Length)];
                return (copy, $"opcode 0x{op.Code:X2} at {op.Offset} -> 0x{copy[op.Offset]:X2}");
            }
            case 1:
            case 2:
            {
                // Prefer opcodes with an argument: the integers that are shapes, strides, offsets, sizes and memo slots.
                var withArgument = ops.Where(o => o.ArgumentLength > 0 && o.Code != 0x80).ToList();
                if (withArgument.Count == 0) goto case 0;
                op = withArgument[random.Next(withArgument.Count)];
                var copy = (byte[])data.Clone();
                var argument = copy.AsSpan(op.ArgumentOffset, Math.Min(op.ArgumentLength, 8));
                long value = ByteMutations.InterestingIntegers[random.Next(ByteMutations.InterestingIntegers.Length)];
                if (argument.Length >= 8) BinaryPrimitives.WriteInt64LittleEndian(argument, value);
                else if (argument.Length >= 4) BinaryPrimitives.WriteInt32LittleEndian(argument, unchecked((int)value));
                else if (argument.Length >= 2) BinaryPrimitives.WriteInt16LittleEndian(argument, unchecked((short)value));
                else argument[0] = unchecked((byte)value);
                return (copy, $"argument of opcode 0x{op.Code:X2} at {op.Offset} -> {value} (its first {argument.Length} bytes)");
            }
            case 3:
                return ([.. data.AsSpan(0, op.Offset), .. data.AsSpan(op.End)], $"deleted opcode 0x{op.Code:X2} at {op.Offset}");
            case 4:
            {
                int count = random.Next(3) == 0 ? 1 << random.Next(4, 17) : random.Next(1, 4);
                var repeated = Enumerable.Repeat(data[op.Offset..op.End], count).SelectMany(b => b).ToArray();
                return ([.. data.AsSpan(0, op.End), .. repeated, .. data.AsSpan(op.End)], $"repeated opcode 0x{op.Code:X2} at {op.Offset} {count} more times");
            }
            default:
            {
                var inserted = Insertions[random.Next(Insertions.Length)];
                return ([.. data.AsSpan(0, op.Offset), .. inserted, .. data.AsSpan(op.Offset)], $"inserted {Convert.ToHexString(inserted)} before opcode at {op.Offset}");
            }
        }
    }
}
