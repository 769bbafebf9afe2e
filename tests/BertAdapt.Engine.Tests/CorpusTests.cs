using BertAdapt.Engine.Data;

namespace BertAdapt.Engine.Tests;

public sealed class CorpusTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-corpus-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(temp, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void BlankLinesSeparateDocumentsAndBomAndCrlfAreHandled()
    {
        var text = "\uFEFFfirst line\r\nsecond line\r\n\r\n\r\nthird line\r\n";
        var path = Write("a.txt", System.Text.Encoding.UTF8.GetBytes(text));
        var documents = CorpusReader.ReadDocuments(path).ToList();
        Assert.Equal(2, documents.Count);
        Assert.Equal(["first line", "second line"], documents[0]);
        Assert.Equal(["third line"], documents[1]);
    }

    [Fact]
    public void InvalidUtf8NamesTheFileAndByteOffset()
    {
        var path = Write("bad.txt", [(byte)'o', (byte)'k', (byte)'\n', (byte)'a', (byte)'b', 0xFF, (byte)'\n']);
        var ex = Assert.Throws<BertAdaptException>(() => CorpusReader.ReadDocuments(path).ToList());
        Assert.Equal("CorpusNotUtf8", ex.ErrorId);
        Assert.Contains("byte offset 5", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void PackingFillsWindowsAndSeparatesDocumentsWithSep()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var packer = new SequencePacker(vocabulary, 8);
        IReadOnlyList<string>[] documents = [["nginx redis cron"], ["sshd spooler"], ["restart stop start check reload"]];
        var sequences = packer.Pack(documents).ToList();
        var flat = sequences.SelectMany(s => s).ToList();
        Assert.All(sequences, s => Assert.Equal(vocabulary.ClsId, s[0]));
        Assert.All(sequences, s => Assert.Equal(vocabulary.SepId, s[^1]));
        Assert.All(sequences.SkipLast(1), s => Assert.Equal(8, s.Length));
        // 10 words + 1 separator: the second document boundary falls on a fresh window, which
        // [CLS] already opens, so no [SEP] is spent there. Windows: 6 body tokens, then 5.
        Assert.Equal(2, sequences.Count);
        var body = sequences.SelectMany(s => s[1..^1]).ToList();
        Assert.Equal(11, body.Count);
        Assert.Equal(vocabulary.SepId, body[3]);
        Assert.Single(body, id => id == vocabulary.SepId);
    }
}
