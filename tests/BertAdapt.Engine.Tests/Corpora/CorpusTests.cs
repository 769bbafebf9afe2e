using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.Engine.Tests.Corpora;

/// <summary>The original corpus tests, now over the Corpora readers and packers.</summary>
public sealed class CorpusTests : IDisposable
{
    readonly CorpusScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    [Fact]
    public void BlankLinesSeparateDocumentsAndBomAndCrlfAreHandled()
    {
        var text = "\uFEFFfirst line\r\nsecond line\r\n\r\n\r\nthird line\r\n";
        var path = scratch.Write("a.txt", System.Text.Encoding.UTF8.GetBytes(text));
        foreach (var documents in new[] { CorpusDocuments.Read(path).ToList() })
        {
            Assert.Equal(2, documents.Count);
            Assert.Equal(["first line", "second line"], documents[0]);
            Assert.Equal(["third line"], documents[1]);
        }
    }

    [Fact]
    public void InvalidUtf8NamesTheFileAndByteOffset()
    {
        var path = scratch.Write("bad.txt", [(byte)'o', (byte)'k', (byte)'\n', (byte)'a', (byte)'b', 0xFF, (byte)'\n']);
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusNotUtf8", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Contains("byte offset 5", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void PackingFillsWindowsAndSeparatesDocumentsWithSep()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        IReadOnlyList<string>[] documents = [["nginx redis cron"], ["sshd spooler"], ["restart stop start check reload"]];
        var packed = new PackedExamples(Tokenized(vocabulary, documents), vocabulary, 8);
        var fromPacker = new SequencePacker(vocabulary, 8).Pack(documents).ToList();
        var sequences = Enumerable.Range(0, (int)packed.Count).Select(i => packed.Get(i, 0).TokenIds).ToList();
        Assert.Equal(fromPacker, sequences);
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

    internal static InMemoryTokenizedCorpus Tokenized(Engine.Tokenization.BertVocabulary vocabulary, IEnumerable<IReadOnlyList<string>> documents) =>
        new(documents.Select(d => (IReadOnlyList<int[]>)d.Select(line => vocabulary.Encode(line).ToArray()).ToList()));
}
