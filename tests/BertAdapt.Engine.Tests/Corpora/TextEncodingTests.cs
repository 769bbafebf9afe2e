using System.Text;
using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.Engine.Tests.Corpora;

/// <summary>Byte-order marks, fallback encodings and exact offsets in encodings other than UTF-8.</summary>
public sealed class TextEncodingTests : IDisposable
{
    readonly CorpusScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    // A character outside the Basic Multilingual Plane straddles the first 64 KiB buffer edge in
    // every UTF-16 and UTF-32 layout, so a surrogate pair or a code unit is split between reads.
    static readonly string Long = new string('a', 32766) + "\U0001D11E\r\n\r\n" + new string('b', 40000) + " café\n";

    public static TheoryData<string> MarkedEncodings() => ["utf-8", "utf-16", "utf-16BE", "utf-32", "utf-32BE"];

    static Encoding WithMark(string name) => name switch
    {
        "utf-8" => new UTF8Encoding(true),
        "utf-16" => new UnicodeEncoding(false, true),
        "utf-16BE" => new UnicodeEncoding(true, true),
        "utf-32" => new UTF32Encoding(false, true),
        _ => new UTF32Encoding(true, true),
    };

    [Theory]
    [MemberData(nameof(MarkedEncodings))]
    public void AByteOrderMarkDecidesTheEncodingAcrossReadBuffers(string name)
    {
        var encoding = WithMark(name);
        var path = scratch.Write($"{name}.txt", [.. encoding.GetPreamble(), .. encoding.GetBytes(Long)]);
        var documents = CorpusDocuments.Read(path).Select(d => d.ToArray()).ToArray();
        Assert.Equal([[new string('a', 32766) + "\U0001D11E"], [new string('b', 40000) + " café"]], documents);
    }

    [Fact]
    public void AMarkWinsOverTheFallbackEncoding()
    {
        var path = scratch.Write("marked.txt", [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes("héllo\n")]);
        var read = CorpusDocuments.Read(path, new CorpusReadOptions { Encoding = Encoding.Latin1 }).Single();
        Assert.Equal(["héllo"], read);
    }

    [Fact]
    public void WithoutAMarkTheFallbackEncodingIsUsed()
    {
        var path = scratch.Write("latin1.txt", Encoding.Latin1.GetBytes("café\n"));
        Assert.Equal("CorpusNotUtf8", Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList()).ErrorId);
        Assert.Equal(["café"], CorpusDocuments.Read(path, new CorpusReadOptions { Encoding = Encoding.Latin1 }).Single());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(65530)]
    public void AnUnpairedSurrogateNamesTheOffsetOfItsBytes(int padding)
    {
        var bytes = new List<byte>(Encoding.Unicode.GetPreamble());
        bytes.AddRange(Encoding.Unicode.GetBytes(new string('a', padding) + "b\n"));
        long bad = bytes.Count;
        bytes.AddRange([0x00, 0xD8, 0x63, 0x00]);
        var path = scratch.Write("surrogate.txt", bytes.ToArray());
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusNotDecodable", ex.ErrorId);
        Assert.Contains($"not valid UTF-16 LE at byte offset {bad}.", ex.Message);
        var lenient = CorpusDocuments.Read(path, new CorpusReadOptions { Strict = false }).Single();
        Assert.Equal("\uFFFDc", lenient[^1]);
    }

    [Fact]
    public void AnInvalidAsciiByteNamesItsOffset()
    {
        var path = scratch.Write("ascii.txt", [(byte)'o', (byte)'k', (byte)'\n', (byte)'a', 0xE9, (byte)'\n']);
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path, new CorpusReadOptions { Encoding = Encoding.ASCII }).ToList());
        Assert.Equal("CorpusNotDecodable", ex.ErrorId);
        Assert.Contains("byte offset 4.", ex.Message);
    }

    [Fact]
    public void ATruncatedUtf32FileIsAnErrorAtItsLastBytes()
    {
        var path = scratch.Write("cut.txt", [.. Encoding.UTF32.GetPreamble(), .. Encoding.UTF32.GetBytes("ab"), 0x63, 0x00]);
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusNotDecodable", ex.ErrorId);
        Assert.Contains("UTF-32 LE", ex.Message);
    }

    [Theory]
    [InlineData("utf8", 65001)]
    [InlineData("unicode", 1200)]
    [InlineData("BigEndianUnicode", 1201)]
    [InlineData("utf32", 12000)]
    [InlineData("bigendianutf32", 12001)]
    [InlineData("latin1", 28591)]
    [InlineData("1252", 1252)]
    [InlineData("windows-1252", 1252)]
    [InlineData("ascii", 20127)]
    public void NamesAreThoseOfPowerShellAndDotNet(string name, int codePage) => Assert.Equal(codePage, TextEncodings.FromName(name)!.CodePage);

    [Fact]
    public void AnUnknownNameIsNull() => Assert.Null(TextEncodings.FromName("klingon"));

    [Fact]
    public void TheCacheKeyNamesAFallbackEncodingOtherThanUtf8Only()
    {
        var kind = CorpusFileKind.Of("a.txt");
        Assert.Equal(kind.Describe(new CorpusReadOptions()), kind.Describe(new CorpusReadOptions { Encoding = Encoding.UTF8 }));
        Assert.NotEqual(kind.Describe(new CorpusReadOptions()), kind.Describe(new CorpusReadOptions { Encoding = Encoding.Latin1 }));
    }
}
