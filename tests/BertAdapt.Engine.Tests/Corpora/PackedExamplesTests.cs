using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.Corpora;

public sealed class PackedExamplesTests
{
    readonly BertVocabulary vocabulary = TinyFixtures.Vocabulary();

    /// <summary>
    /// The packing rules written the plain way, one token at a time: a [SEP] goes between
    /// documents unless the window is empty, full windows are emitted as they fill.
    /// </summary>
    List<int[]> ReferencePack(IEnumerable<IReadOnlyList<int[]>> documents, int sequenceLength)
    {
        int body = sequenceLength - 2;
        var windows = new List<int[]>();
        var window = new List<int>();
        void Add(int id)
        {
            window.Add(id);
            if (window.Count == body) Flush();
        }
        void Flush()
        {
            windows.Add([vocabulary.ClsId, .. window, vocabulary.SepId]);
            window.Clear();
        }
        bool seenToken = false;
        foreach (var document in documents)
        {
            var tokens = document.SelectMany(line => line).ToList();
            if (tokens.Count == 0) continue;
            if (seenToken && window.Count > 0) Add(vocabulary.SepId);
            foreach (var id in tokens) Add(id);
            seenToken = true;
        }
        if (window.Count > 0) Flush();
        return windows;
    }

    /// <summary>Documents of random shape: empty lines and documents, short ones, ones longer than a window, exact fits.</summary>
    static List<IReadOnlyList<int[]>> RandomDocuments(Random random, int body)
    {
        int next = 100;
        int[] Line(int length) => Enumerable.Range(0, length).Select(_ => next++).ToArray();
        var documents = new List<IReadOnlyList<int[]>>();
        int count = random.Next(0, 200);
        for (int d = 0; d < count; d++)
        {
            var lines = new List<int[]>();
            switch (random.Next(6))
            {
                case 0: break;                                               // a document with no lines
                case 1: lines.Add([]); break;                                // lines without tokens
                case 2: lines.Add(Line(body)); break;                        // exactly one window
                case 3: lines.Add(Line(body - 1)); break;                    // a window with room for the [SEP] only
                case 4: lines.Add(Line(random.Next(1, 4 * body))); break;    // up to several windows
                default:
                    for (int l = random.Next(1, 5); l > 0; l--) lines.Add(Line(random.Next(0, body)));
                    break;
            }
            documents.Add(lines);
        }
        return documents;
    }

    static List<int[]> All(ITrainingExamples examples, IEnumerable<long> order)
    {
        var result = new int[examples.Count][];
        foreach (var i in order) result[i] = examples.Get(i, epoch: 0).TokenIds;
        return [.. result];
    }

    [Fact]
    public void EqualsTheSequentialReferenceOnRandomDocumentStructures()
    {
        var random = new Random(12345);
        for (int trial = 0; trial < 400; trial++)
        {
            int sequenceLength = random.Next(8, 14);
            var documents = RandomDocuments(random, sequenceLength - 2);
            var corpus = new InMemoryTokenizedCorpus(documents);
            var expected = ReferencePack(documents, sequenceLength);
            var packed = new PackedExamples(corpus, vocabulary, sequenceLength);
            Assert.Equal(expected.Count, packed.Count);
            // In order (the cursor path) and shuffled (the checkpoint path), the same sequences.
            Assert.Equal(expected, All(packed, Enumerable.Range(0, expected.Count).Select(i => (long)i)));
            var shuffled = Enumerable.Range(0, expected.Count).Select(i => (long)i).OrderBy(_ => random.Next()).ToList();
            Assert.Equal(expected, All(new PackedExamples(corpus, vocabulary, sequenceLength), shuffled));
            Assert.Equal(expected, All(packed, Enumerable.Range(0, expected.Count).Select(i => (long)(expected.Count - 1 - i))));
        }
    }

    [Fact]
    public void EqualsSequencePackerOnText()
    {
        var documents = TinyFixtures.CorpusText(300, seed: 9).Split("\n\n")
            .Select(d => (IReadOnlyList<string>)d.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToList();
        foreach (int sequenceLength in new[] { 8, 16, 29, 64 })
        {
            var expected = new SequencePacker(vocabulary, sequenceLength).Pack(documents).ToList();
            var packed = new PackedExamples(CorpusTests.Tokenized(vocabulary, documents), vocabulary, sequenceLength);
            Assert.Equal(expected, All(packed, Enumerable.Range(0, expected.Count).Select(i => (long)i)));
        }
    }

    [Fact]
    public void TooShortSequenceLengthAndOutOfRangeIndexAreRejected()
    {
        var corpus = new InMemoryTokenizedCorpus([[[7, 8, 9]]]);
        Assert.Equal("SequenceLengthTooShort", Assert.Throws<BertAdaptException>(() => new PackedExamples(corpus, vocabulary, 4)).ErrorId);
        Assert.Equal("SequenceLengthTooShort", Assert.Throws<BertAdaptException>(() => new LineByLineExamples(corpus, vocabulary, 7)).ErrorId);
        var packed = new PackedExamples(corpus, vocabulary, 8);
        Assert.Equal(1, packed.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => packed.Get(1, 0));
        Assert.Equal(0, new PackedExamples(new InMemoryTokenizedCorpus([]), vocabulary, 8).Count);
    }

    [Fact]
    public void LineByLineGivesOneTruncatedExamplePerLineWithTokens()
    {
        var corpus = new InMemoryTokenizedCorpus(
        [
            [[10, 11], [], [12, 13, 14, 15, 16, 17, 18, 19]],
            [],
            [[], [20]],
        ]);
        var examples = new LineByLineExamples(corpus, vocabulary, 8);
        int cls = vocabulary.ClsId, sep = vocabulary.SepId;
        int[][] expected = [[cls, 10, 11, sep], [cls, 12, 13, 14, 15, 16, 17, sep], [cls, 20, sep]];
        Assert.Equal(expected, All(examples, [0, 1, 2]));
    }

    [Fact]
    public void LineByLineSkipsEmptyLinesAcrossManyStrides()
    {
        var random = new Random(3);
        var lines = Enumerable.Range(0, 5000).Select(i => random.Next(3) == 0 ? Array.Empty<int>() : new[] { 100 + i }).ToList();
        var corpus = new InMemoryTokenizedCorpus([lines]);
        var examples = new LineByLineExamples(corpus, vocabulary, 8);
        var expected = lines.Where(l => l.Length > 0).Select(l => new[] { vocabulary.ClsId, l[0], vocabulary.SepId }).ToList();
        Assert.Equal(expected.Count, examples.Count);
        Assert.Equal(expected, All(examples, Enumerable.Range(0, expected.Count).Select(i => (long)i).OrderBy(_ => random.Next())));
    }
}
