using System.Text;
using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.Engine.Tests.Corpora;

public sealed class CorpusDocumentsTests : IDisposable
{
    readonly CorpusScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    static readonly string[][] Expected = [["alpha one", "alpha two"], ["beta"]];

    public static TheoryData<string, string> EveryFormat()
    {
        var data = new TheoryData<string, string>();
        (string Extension, string Text)[] formats =
        [
            (".txt", "alpha one\nalpha two\n \n\nbeta\n"),
            (".jsonl", "{\"id\":1,\"text\":\"alpha one\\nalpha two\"}\n{\"text\":\"  \"}\n\n{\"text\":\"beta\",\"other\":[2]}\n"),
            (".csv", "id,text\n1,\"alpha one\nalpha two\"\n2,\" \"\n3,beta\n"),
            (".tsv", "id\ttext\n1\t\"alpha one\nalpha two\"\n2\t \n3\tbeta\n"),
        ];
        foreach (var (extension, text) in formats)
        {
            data.Add(extension, text);
            data.Add(extension + ".gz", text);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryFormat))]
    public void EveryFormatYieldsTheSameDocumentsPlainOrGzipped(string extension, string text)
    {
        var path = scratch.Write("corpus" + extension, text);
        Assert.Equal(Expected, CorpusDocuments.Read(path).Select(d => d.ToArray()).ToArray());
    }

    [Theory]
    [MemberData(nameof(EveryFormat))]
    public void BomAndCrlfReadLikeLf(string extension, string text)
    {
        var path = scratch.Write("crlf" + extension, "\uFEFF" + text.Replace("\n", "\r\n"));
        Assert.Equal(Expected, CorpusDocuments.Read(path).Select(d => d.ToArray()).ToArray());
    }

    [Fact]
    public void TextFieldAndTextColumnChooseWhereTheTextIs()
    {
        var jsonl = scratch.Write("a.jsonl", "{\"text\":\"no\",\"body\":\"yes\"}\n");
        var csv = scratch.Write("a.csv", "text,Body\nno,yes\n");
        var options = new CorpusReadOptions { TextField = "body", TextColumn = "Body" };
        Assert.Equal(["yes"], Assert.Single(CorpusDocuments.Read(jsonl, options)));
        Assert.Equal(["yes"], Assert.Single(CorpusDocuments.Read(csv, options)));
    }

    [Fact]
    public void InvalidUtf8InJsonLinesNamesTheByteOffset()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"text\":\"ok\"}\n{\"text\":\"caf").Concat(new byte[] { 0xE9 }).Concat(Encoding.UTF8.GetBytes("\"}\n")).ToArray();
        var path = scratch.Write("bad.jsonl", bytes);
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusNotUtf8", ex.ErrorId);
        Assert.Contains(path, ex.Message);
        Assert.Contains("byte offset 26", ex.Message); // 14 bytes of line 1, then {"text":"caf
    }

    [Fact]
    public void InvalidUtf8InCsvNamesTheByteOffsetAndLenientReadingReplacesIt()
    {
        var bytes = Encoding.UTF8.GetBytes("id,text\n1,ok\n2,caf").Concat(new byte[] { 0xE9, (byte)'\n' }).ToArray();
        var path = scratch.Write("bad.csv", bytes);
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusNotUtf8", ex.ErrorId);
        Assert.Contains("byte offset 18", ex.Message);
        var lenient = CorpusDocuments.Read(path, new CorpusReadOptions { Strict = false }).ToList();
        Assert.Equal(["caf\uFFFD"], lenient[1]);
    }

    [Fact]
    public void InvalidUtf8InGzipNamesTheOffsetInTheDecompressedStream()
    {
        var path = scratch.Write("bad.txt.gz", [(byte)'o', (byte)'k', (byte)'\n', (byte)'a', 0xC3, (byte)'(', (byte)'\n']);
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusNotUtf8", ex.ErrorId);
        Assert.Contains("byte offset 4 of the decompressed stream", ex.Message);
    }

    [Fact]
    public void OffsetsStayExactAcrossReadBuffers()
    {
        // A two-byte character straddles the 64 KiB buffer edge, and the bad byte lies far beyond it.
        var bytes = new List<byte>(Enumerable.Repeat((byte)'a', 65535));
        bytes.AddRange(Encoding.UTF8.GetBytes("é\n"));
        bytes.AddRange(Enumerable.Repeat((byte)'b', 100000));
        long bad = bytes.Count;
        bytes.AddRange([0xFF, (byte)'\n']);
        var path = scratch.Write("long.txt", bytes.ToArray());
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Contains($"byte offset {bad}", ex.Message);
        var lenient = CorpusDocuments.Read(path, new CorpusReadOptions { Strict = false }).Single();
        Assert.Equal(new string('a', 65535) + "é", lenient[0]);
        Assert.Equal(new string('b', 100000) + "\uFFFD", lenient[1]);
    }

    [Fact]
    public void JsonLinesRecordErrorsNameTheLine()
    {
        (string Text, string Fragment)[] cases =
        [
            ("{\"text\":\"a\"}\n{\"title\":\"b\"}\n", "has no \"text\" field"),
            ("{\"text\":\"a\"}\n{\"text\":3}\n", "not a string"),
            ("{\"text\":\"a\"}\n{\"text\":\"b\"\n", "not valid JSON"),
            ("{\"text\":\"a\"}\n[\"b\"]\n", "not an object"),
        ];
        foreach (var (text, fragment) in cases)
        {
            var path = scratch.Write($"e{Guid.NewGuid():N}.jsonl", text);
            var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
            Assert.Equal("CorpusRecordInvalid", ex.ErrorId);
            Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
            Assert.Contains("line 2", ex.Message);
            Assert.Contains(fragment, ex.Message);
            Assert.Contains(path, ex.Message);
        }
    }

    [Fact]
    public void MissingCsvColumnIsReportedWithTheColumnsThere()
    {
        var path = scratch.Write("a.csv", "id,body\n1,x\n");
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusColumnNotFound", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Contains("line 1", ex.Message);
        Assert.Contains("'body'", ex.Message);
        var empty = scratch.Write("empty.tsv", "");
        Assert.Equal("CorpusColumnNotFound", Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(empty).ToList()).ErrorId);
    }

    [Fact]
    public void ShortCsvRowNamesItsLineCountingQuotedLineBreaks()
    {
        var path = scratch.Write("a.csv", "id,text\n1,\"two\nlines\"\n2\n");
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusRecordInvalid", ex.ErrorId);
        Assert.Contains("line 4", ex.Message);
    }

    [Fact]
    public void UnknownExtensionAndMissingFileAreReportedAtOnce()
    {
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(Path.Combine(scratch.Root, "notes.md")));
        Assert.Equal("CorpusFormatUnsupported", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidArgument, ex.Kind);
        var missing = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(Path.Combine(scratch.Root, "gone.jsonl.gz")));
        Assert.Equal("CorpusFileNotFound", missing.ErrorId);
        Assert.Equal(new CorpusFileKind(CorpusFormat.Tsv, Compressed: true), CorpusFileKind.Of("x/Data.TSV.GZ"));
    }
}
