using System.IO.Compression;
using System.Text;
using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.Engine.Tests.Corpora;

/// <summary>
/// A .gz corpus is checked member by member: a cut file, a CRC that does not match, or plain
/// text named .gz is an error with its own id, never a shorter corpus; concatenated members and
/// zero padding read as gzip reads them.
/// </summary>
public sealed class GzipIntegrityTests : IDisposable
{
    readonly CorpusScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    /// <summary>Enough text of varied words that its compressed body spans many of the reader's slices.</summary>
    static string Words(int lines, int seed)
    {
        var random = new Random(seed);
        string[] words = ["restart", "nginx", "redis", "check", "disk", "the", "logs", "on", "host", "web01", "db02", "rotate", "tail"];
        var text = new StringBuilder();
        for (int l = 0; l < lines; l++)
        {
            for (int w = 0; w < 8; w++) text.Append(words[random.Next(words.Length)]).Append(w == 7 ? "" : " ").Append(random.Next(1000));
            text.Append('\n');
        }
        return text.ToString();
    }

    static byte[] Gzip(string text, CompressionLevel level = CompressionLevel.Optimal)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return output.ToArray();
    }

    string WriteBytes(string name, byte[] bytes)
    {
        var path = Path.Combine(scratch.Root, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    static string[] AllLines(string path) => CorpusDocuments.Read(path).SelectMany(d => d).ToArray();

    static string[] LinesOf(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Crc32IsTheGzipPolynomial()
    {
        Assert.Equal(0xCBF43926u, Crc32.Extend(0, "123456789"u8));
        Assert.Equal(0xCBF43926u, Crc32.Extend(Crc32.Extend(0, "12345"u8), "6789"u8));
        Assert.Equal(0u, Crc32.Extend(0, []));
    }

    [Fact]
    public void ConcatenatedMembersAndZeroPaddingReadAsOneCorpus()
    {
        string a = Words(3000, 1), b = Words(10, 2), c = Words(2000, 3);
        var path = WriteBytes("cat.txt.gz", [.. Gzip(a), .. Gzip(b), .. Gzip(c), .. new byte[700]]);
        Assert.Equal([.. LinesOf(a), .. LinesOf(b), .. LinesOf(c)], AllLines(path));
    }

    [Fact]
    public void ManyMembersOfEverySizeAndLevelReadWhereverTheirBoundariesFall()
    {
        var random = new Random(11);
        CompressionLevel[] levels = [CompressionLevel.NoCompression, CompressionLevel.Fastest, CompressionLevel.Optimal, CompressionLevel.SmallestSize];
        var bytes = new List<byte>();
        var expected = new List<string>();
        for (int m = 0; m < 60; m++)
        {
            var text = Words(random.Next(0, 900), m);
            bytes.AddRange(Gzip(text, levels[random.Next(levels.Length)]));
            expected.AddRange(LinesOf(text));
        }
        Assert.Equal(expected, AllLines(WriteBytes("many.txt.gz", [.. bytes])));
    }

    [Fact]
    public void EmptyMembersReadAsNothingBeforeOrAfterOthers()
    {
        Assert.Empty(Gzip("")); // .NET writes nothing at all for no data
        Assert.Empty(AllLines(WriteBytes("nothing.txt.gz", [])));
        // What gzip writes for no data: a header, an empty fixed-Huffman block (03 00), a trailer of zeros.
        byte[] empty = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Empty(AllLines(WriteBytes("empty.txt.gz", empty)));
        var path = WriteBytes("empties.txt.gz", [.. empty, .. Gzip("alpha\n"), .. empty, .. empty, .. Gzip("beta\n"), .. empty]);
        Assert.Equal(["alpha", "beta"], AllLines(path));
    }

    [Fact]
    public void HeaderFieldsAreSkippedAndTheHeaderCrcChecked()
    {
        var member = Gzip("alpha one\nbeta\n");
        // FEXTRA, FNAME, FCOMMENT and FHCRC, as RFC 1952 section 2.3 lays them out.
        var header = new List<byte> { 0x1F, 0x8B, 8, 0x1E, 0, 0, 0, 0, 0, 3, 3, 0, (byte)'x', (byte)'y', (byte)'z' };
        header.AddRange("corpus.txt\0"u8.ToArray());
        header.AddRange("a comment\0"u8.ToArray());
        uint crc = Crc32.Extend(0, header.ToArray()) & 0xFFFF;
        byte[] rest = member[10..];
        var good = WriteBytes("flags.txt.gz", [.. header, (byte)crc, (byte)(crc >> 8), .. rest]);
        Assert.Equal(["alpha one", "beta"], AllLines(good));

        var bad = WriteBytes("badhcrc.txt.gz", [.. header, (byte)~crc, (byte)(crc >> 8), .. rest]);
        var ex = Assert.Throws<BertAdaptException>(() => AllLines(bad));
        Assert.Equal("CorpusGzipCorrupt", ex.ErrorId);
        Assert.Contains("CRC-16", ex.Message);
    }

    public static TheoryData<string, int> Cuts() => new()
    {
        { "no trailer", 8 },
        { "half a trailer", 3 },
        { "one trailer byte", 7 },
        { "half the body", -2 },
        { "inside the header", -1 },
    };

    [Theory]
    [MemberData(nameof(Cuts))]
    public void TruncatedFileIsCorpusGzipTruncatedNotAShorterCorpus(string what, int cut)
    {
        var whole = Gzip(Words(3000, 4));
        int length = cut switch { -2 => whole.Length / 2, -1 => 6, _ => whole.Length - cut };
        var path = WriteBytes("cut.txt.gz", whole[..length]);
        var ex = Assert.Throws<BertAdaptException>(() => AllLines(path));
        Assert.True(ex.ErrorId == "CorpusGzipTruncated", $"{what}: {ex.ErrorId}: {ex.Message}");
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Contains(path, ex.Message);
        Assert.Contains("byte offset", ex.Message);
    }

    [Fact]
    public void TruncatedLastMemberOfAConcatenationIsCaught()
    {
        var first = Gzip(Words(500, 5));
        var second = Gzip(Words(500, 6));
        var path = WriteBytes("cat-cut.txt.gz", [.. first, .. second[..^8]]);
        var ex = Assert.Throws<BertAdaptException>(() => AllLines(path));
        Assert.Equal("CorpusGzipTruncated", ex.ErrorId);
        Assert.Contains("member 2", ex.Message);
    }

    [Fact]
    public void CrcMismatchIsCorpusGzipCorruptAndSaysCrc()
    {
        var bytes = Gzip(Words(300, 7));
        bytes[^6] ^= 0x40; // a CRC-32 byte of the trailer
        var path = WriteBytes("crc.txt.gz", bytes);
        var ex = Assert.Throws<BertAdaptException>(() => AllLines(path));
        Assert.Equal("CorpusGzipCorrupt", ex.ErrorId);
        Assert.Contains("CRC-32", ex.Message);
        Assert.DoesNotContain("unsupported compression method", ex.Message);
    }

    [Fact]
    public void PlainTextNamedGzSaysItHasNoGzipMagicNumber()
    {
        var path = scratch.Write("plain.txt", "just text\n");
        File.Move(path, path + ".gz");
        var ex = Assert.Throws<BertAdaptException>(() => AllLines(path + ".gz"));
        Assert.Equal("CorpusNotGzip", ex.ErrorId);
        Assert.Contains("magic number", ex.Message);
        Assert.DoesNotContain("unsupported compression method", ex.Message);
    }

    [Fact]
    public void BytesAfterTheLastMemberThatAreNotGzipAreCorrupt()
    {
        var path = WriteBytes("tail.txt.gz", [.. Gzip("alpha\n"), .. "garbage"u8.ToArray()]);
        var ex = Assert.Throws<BertAdaptException>(() => AllLines(path));
        Assert.Equal("CorpusGzipCorrupt", ex.ErrorId);
        Assert.Contains("not another gzip member", ex.Message);
    }

    [Fact]
    public void TokenCacheRefusesATruncatedFile()
    {
        var path = WriteBytes("cut.jsonl.gz", Gzip("{\"text\":\"check redis\"}\n{\"text\":\"reload sshd\"}\n")[..^4]);
        var cache = new TokenCache(Path.Combine(scratch.Root, "cache"));
        var ex = Assert.Throws<BertAdaptException>(() => cache.Open([path], TinyFixtures.Vocabulary()));
        Assert.Equal("CorpusGzipTruncated", ex.ErrorId);
        Assert.Empty(Directory.EnumerateFiles(cache.Directory, "*.shard"));
    }
}
