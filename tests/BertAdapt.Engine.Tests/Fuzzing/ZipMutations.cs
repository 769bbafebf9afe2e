using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BertAdapt.Engine.Tests.Fuzzing;

/// <summary>
/// Damage that knows torch.save's zip layout: fields of the central directory, the local headers
/// and the end record overwritten with edge values; or the archive rebuilt with its data.pkl's
/// opcodes mutated (so the CRCs still match), an entry dropped, duplicated, renamed or
/// deflated, or entries torch would never write added.
/// </summary>
public static class ZipMutations
{
    /// <summary>(signature, field offset, width, name) of the fields a reader sizes or seeks by.</summary>
    static readonly (uint Signature, int Offset, int Width, string Name)[] Fields =
    [
        (0x02014b50, 10, 2, "central method"), (0x02014b50, 16, 4, "central crc"), (0x02014b50, 20, 4, "central compressed size"),
        (0x02014b50, 24, 4, "central size"), (0x02014b50, 28, 2, "central name length"), (0x02014b50, 30, 2, "central extra length"),
        (0x02014b50, 32, 2, "central comment length"), (0x02014b50, 42, 4, "central local-header offset"),
        (0x04034b50, 8, 2, "local method"), (0x04034b50, 18, 4, "local compressed size"), (0x04034b50, 22, 4, "local size"),
        (0x04034b50, 26, 2, "local name length"), (0x04034b50, 28, 2, "local extra length"),
        (0x06054b50, 8, 2, "end entries on disk"), (0x06054b50, 10, 2, "end entries"), (0x06054b50, 12, 4, "end directory size"),
        (0x06054b50, 16, 4, "end directory offset"), (0x06054b50, 20, 2, "end comment length"),
        (0x06064b50, 24, 8, "zip64 end entries"), (0x06064b50, 40, 8, "zip64 directory size"), (0x06064b50, 48, 8, "zip64 directory offset"),
    ];

    public static (byte[] Bytes, string What) Apply(byte[] file, Random random)
    {
        switch (random.Next(4))
        {
            case 0:
            case 1:
                return Field(file, random);
            case 2:
                return Rebuild(file, random, pickleOnly: true);
            default:
                return Rebuild(file, random, pickleOnly: false);
        }
    }

    static (byte[], string) Field(byte[] file, Random random)
    {
        var (signature, offset, width, name) = Fields[random.Next(Fields.Length)];
        var places = new List<int>();
        for (int i = 0; i + 4 <= file.Length; i++)
            if (BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(i)) == signature && i + offset + width <= file.Length) places.Add(i);
        if (places.Count == 0) return ByteMutations.Apply(file, random);
        int at = places[random.Next(places.Count)] + offset;
        long value = ByteMutations.InterestingIntegers[random.Next(ByteMutations.InterestingIntegers.Length)];
        if (random.Next(4) == 0) value = file.Length + random.Next(-70, 70);
        var copy = (byte[])file.Clone();
        var span = copy.AsSpan(at, width);
        if (width == 2) BinaryPrimitives.WriteUInt16LittleEndian(span, unchecked((ushort)value));
        else if (width == 4) BinaryPrimitives.WriteUInt32LittleEndian(span, unchecked((uint)value));
        else BinaryPrimitives.WriteInt64LittleEndian(span, value);
        return (copy, $"{name} at {at} -> {value}");
    }

    static (byte[], string) Rebuild(byte[] file, Random random, bool pickleOnly)
    {
        List<(string Name, byte[] Bytes)> entries;
        try
        {
            using var archive = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
            entries = archive.Entries.Select(e => { using var s = e.Open(); var m = new MemoryStream(); s.CopyTo(m); return (e.FullName, m.ToArray()); }).ToList();
        }
        catch (InvalidDataException) { return ByteMutations.Apply(file, random); }
        int pickle = entries.FindIndex(e => e.Name.EndsWith("/data.pkl", StringComparison.Ordinal));
        if (pickle < 0) return ByteMutations.Apply(file, random);
        string prefix = entries[pickle].Name[..^"data.pkl".Length];
        string what;
        var deflated = new HashSet<int>();
        if (pickleOnly)
        {
            var (bytes, how) = PickleMutations.Apply(entries[pickle].Bytes, PickleMutations.Scan(entries[pickle].Bytes), random);
            entries[pickle] = (entries[pickle].Name, bytes);
            what = "data.pkl " + how;
        }
        else
        {
            int index = random.Next(entries.Count);
            var (name, content) = entries[index];
            switch (random.Next(7))
            {
                case 0: entries.RemoveAt(index); what = $"dropped '{name}'"; break;
                case 1: entries.Add((name, content)); what = $"duplicated '{name}'"; break;
                case 2:
                {
                    string renamed = random.Next(3) switch { 0 => name + "0", 1 => "other/" + name, _ => name.Replace("/", "\\") };
                    entries[index] = (renamed, content);
                    what = $"renamed '{name}' to '{renamed}'";
                    break;
                }
                case 3: deflated.Add(index); what = $"deflated '{name}'"; break;
                case 4:
                {
                    string order = random.Next(3) switch { 0 => "big", 1 => "middle", _ => new string('l', 100) };
                    entries.RemoveAll(e => e.Name == prefix + "byteorder");
                    entries.Add((prefix + "byteorder", Encoding.ASCII.GetBytes(order)));
                    what = $"byteorder '{(order.Length > 10 ? order[..10] + "..." : order)}'";
                    break;
                }
                case 5: entries.Add(("second/data.pkl", entries[pickle].Bytes)); what = "added a second top folder with a data.pkl"; break;
                default:
                {
                    var (cut, how) = ByteMutations.Truncate(content, random);
                    entries[index] = (name, cut);
                    what = $"'{name}' {how}";
                    break;
                }
            }
        }
        var output = new MemoryStream();
        using (var archive = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
            for (int i = 0; i < entries.Count; i++)
            {
                var entry = archive.CreateEntry(entries[i].Name, deflated.Contains(i) ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var stream = entry.Open();
                stream.Write(entries[i].Bytes);
            }
        return (output.ToArray(), "rebuilt the archive: " + what);
    }
}
