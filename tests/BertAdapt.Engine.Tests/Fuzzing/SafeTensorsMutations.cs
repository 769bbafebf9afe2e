using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace BertAdapt.Engine.Tests.Fuzzing;

/// <summary>
/// Damage that knows the safetensors layout (8-byte little-endian header length, JSON header,
/// data section): the header length, a tensor's data_offsets, shape and dtype, duplicate and
/// metadata members, the header's JSON itself, and the data section.
/// </summary>
public static class SafeTensorsMutations
{
    static readonly string[] DTypes = ["F16", "BF16", "F64", "I64", "I32", "BOOL", "U8", "F8_E4M3", "XX", "", "f32"];

    public static (byte[] Bytes, string What) Apply(byte[] file, Random random)
    {
        if (file.Length < 8) return ByteMutations.Apply(file, random);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(file);
        if (headerLength <= 0 || headerLength > file.Length - 8) return ByteMutations.Apply(file, random);
        var header = file.AsSpan(8, (int)headerLength).ToArray();
        var data = file.AsSpan(8 + (int)headerLength).ToArray();

        switch (random.Next(8))
        {
            case 0:
            {
                long[] lengths = [0, 1, headerLength - 1, headerLength + 1, file.Length, file.Length - 8, file.Length - 7, 100L << 20, (100L << 20) + 1, .. ByteMutations.InterestingIntegers];
                long claimed = lengths[random.Next(lengths.Length)];
                var copy = (byte[])file.Clone();
                BinaryPrimitives.WriteInt64LittleEndian(copy, claimed);
                return (copy, $"set the header length to {claimed} (really {headerLength})");
            }
            case 1:
            case 2:
            case 3:
            case 6:
            {
                var root = JsonNode.Parse(header)!.AsObject();
                var names = root.Select(p => p.Key).Where(k => k != "__metadata__").ToList();
                var name = names[random.Next(names.Count)];
                var entry = root[name]!.AsObject();
                string what = random.Next(4) switch
                {
                    _ when random.Next(4) == 0 && names.Count > 1 => Swap(root, names, name, random),
                    0 => Offsets(entry, random, data.Length),
                    1 => Shape(entry, random),
                    2 => DType(entry, random),
                    _ => Metadata(root, random),
                };
                return (Assemble(Encoding.UTF8.GetBytes(root.ToJsonString()), data), $"tensor '{name}': {what}");
            }
            case 4:
            {
                var (mutated, what) = JsonMutations.Apply(header, random);
                return (Assemble(mutated, data), "header JSON: " + what);
            }
            case 5:
            {
                // Padding the format allows (trailing spaces), and bytes it does not.
                string pad = random.Next(3) switch { 0 => new string(' ', random.Next(1, 9)), 1 => "\0\0", _ => "}" };
                return (Assemble([.. header, .. Encoding.UTF8.GetBytes(pad)], data), $"appended {pad.Length} padding bytes ({(int)pad[0]}) to the header");
            }
            default:
            {
                var (mutated, what) = random.Next(3) == 0 ? ByteMutations.Truncate(data, random) : ByteMutations.Apply(data, random);
                return (Assemble(header, mutated), "data section: " + what);
            }
        }
    }

    static string Swap(JsonObject root, List<string> names, string name, Random random)
    {
        // Two tensors exchange their offsets: both fit the data section, neither its own bytes.
        var other = names[random.Next(names.Count)];
        var a = root[name]!["data_offsets"]!.DeepClone();
        root[name]!.AsObject()["data_offsets"] = root[other]!["data_offsets"]!.DeepClone();
        root[other]!.AsObject()["data_offsets"] = a;
        return $"swapped data_offsets with '{other}'";
    }

    static string Offsets(JsonObject entry, Random random, long dataLength)
    {
        var offsets = entry["data_offsets"]!.AsArray();
        long begin = offsets[0]!.GetValue<long>(), end = offsets[1]!.GetValue<long>();
        long[] candidates = [begin, end, begin - 1, end + 1, end - 1, dataLength, dataLength + 1, .. ByteMutations.InterestingIntegers];
        JsonNode? Pick() => random.Next(10) switch
        {
            0 => JsonValue.Create(1.5),
            1 => JsonValue.Create("8"),
            2 => null,
            _ => JsonValue.Create(candidates[random.Next(candidates.Length)]),
        };
        JsonArray replacement = random.Next(6) switch
        {
            0 => [Pick()],
            1 => [Pick(), Pick(), Pick()],
            _ => [Pick(), Pick()],
        };
        entry["data_offsets"] = replacement;
        return $"data_offsets [{begin}, {end}] -> {replacement.ToJsonString()}";
    }

    static string Shape(JsonObject entry, Random random)
    {
        var shape = entry["shape"]!.AsArray();
        long[] dims = [0, 1, -1, 2, 3, 1L << 31, 1L << 32, long.MaxValue, 1L << 62, 65536];
        switch (random.Next(4))
        {
            case 0 when shape.Count > 0:
                shape[random.Next(shape.Count)] = dims[random.Next(dims.Length)];
                break;
            case 1:
                shape.Add(dims[random.Next(dims.Length)]);
                break;
            case 2 when shape.Count > 0:
                shape.RemoveAt(random.Next(shape.Count));
                break;
            default:
                // A product that overflows a long, each factor fine alone.
                entry["shape"] = new JsonArray(1L << 31, 1L << 31, 1L << 31, 8);
                break;
        }
        return $"shape -> {entry["shape"]!.ToJsonString()}";
    }

    static string DType(JsonObject entry, Random random)
    {
        JsonNode? value = random.Next(8) == 0 ? JsonValue.Create(5) : JsonValue.Create(DTypes[random.Next(DTypes.Length)]);
        entry["dtype"] = value;
        return $"dtype -> {value?.ToJsonString()}";
    }

    static string Metadata(JsonObject root, Random random)
    {
        JsonNode? value = random.Next(4) switch
        {
            0 => new JsonObject { ["format"] = 1 },
            1 => new JsonArray(),
            2 => null,
            _ => new JsonObject { ["format"] = "pt", ["extra"] = new string('m', 4096) },
        };
        root["__metadata__"] = value;
        return $"__metadata__ -> {value?.ToJsonString() ?? "null"}";
    }

    /// <summary>A safetensors file: the header's true length, the header, the data.</summary>
    public static byte[] Assemble(byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteInt64LittleEndian(file, header.Length);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }
}
