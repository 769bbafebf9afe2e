using BertAdapt.Engine.Data;

namespace BertAdapt.Engine.Tests.Objectives;

public class NextSentenceExamplesTests
{
    // Token ids spell out where they came from: 1,000,000 + document * 10,000 + line * 100 + position.
    static int Token(int document, int line, int position) => 1_000_000 + document * 10_000 + line * 100 + position;
    static int DocumentOf(int token) => (token - 1_000_000) / 10_000;
    static int LineOf(int token) => (token / 100) % 100;

    static InMemoryTokenizedCorpus Corpus(IEnumerable<int[]> lineLengthsPerDocument) =>
        new(lineLengthsPerDocument.Select((lengths, d) =>
            (IReadOnlyList<int[]>)lengths.Select((length, l) => Enumerable.Range(0, length).Select(p => Token(d, l, p)).ToArray()).ToList()));

    /// <summary>Mostly multi-line documents of short lines, a few of one line.</summary>
    static InMemoryTokenizedCorpus RandomCorpus(int documents, int seed)
    {
        var random = new Random(seed);
        return Corpus(Enumerable.Range(0, documents).Select(d =>
            Enumerable.Range(0, d % 40 == 0 ? 1 : random.Next(3, 11)).Select(_ => random.Next(4, 17)).ToArray()).ToList());
    }

    /// <summary>Splits an example into its A and B tokens after checking the [CLS] A [SEP] B [SEP] layout.</summary>
    static (int[] A, int[] B) Segments(TrainingExample example, int sequenceLength)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var ids = example.TokenIds;
        var types = example.TokenTypeIds!;
        Assert.True(ids.Length <= sequenceLength, $"{ids.Length} tokens > {sequenceLength}");
        Assert.Equal(ids.Length, types.Length);
        Assert.Equal(vocabulary.ClsId, ids[0]);
        Assert.Equal(vocabulary.SepId, ids[^1]);
        int sep = Array.IndexOf(ids, vocabulary.SepId);
        Assert.Equal(2, ids.Count(id => id == vocabulary.SepId));
        Assert.Equal(1, ids.Count(id => id == vocabulary.ClsId));
        Assert.All(types[..(sep + 1)], t => Assert.Equal(0, t));
        Assert.All(types[(sep + 1)..], t => Assert.Equal(1, t));
        var (a, b) = (ids[1..sep], ids[(sep + 1)..^1]);
        Assert.NotEmpty(a);
        Assert.NotEmpty(b);
        return (a, b);
    }

    /// <summary>Tokens that follow one another in the corpus (same document, same or next line).</summary>
    static void AssertContiguous(int[] tokens)
    {
        for (int i = 1; i < tokens.Length; i++)
        {
            int previous = tokens[i - 1], token = tokens[i];
            bool sameLine = token == previous + 1;
            bool nextLine = DocumentOf(token) == DocumentOf(previous) && LineOf(token) == LineOf(previous) + 1 && token % 100 == 0;
            Assert.True(sameLine || nextLine, $"{previous} then {token} are not consecutive");
        }
    }

    [Fact]
    public void AboutHalfThePairsAreRandomAndNeverFromTheSameDocument()
    {
        const int length = 128;
        var examples = new NextSentenceExamples(RandomCorpus(120, 1), TinyFixtures.Vocabulary(), length, seed: 17);
        int total = 0, random = 0;
        for (int epoch = 0; total < 2000; epoch++)
            for (long i = 0; i < examples.Count; i++, total++)
            {
                var example = examples.Get(i, epoch);
                var (a, b) = Segments(example, length);
                AssertContiguous(a);
                AssertContiguous(b);
                int document = DocumentOf(a[0]);
                Assert.All(a, t => Assert.Equal(document, DocumentOf(t)));
                if (example.NextSentenceLabel == 1)
                {
                    random++;
                    Assert.All(b, t => Assert.NotEqual(document, DocumentOf(t)));
                }
                else
                {
                    Assert.Equal(0, example.NextSentenceLabel);
                    // The true continuation: B starts on the line right after A's last line.
                    Assert.Equal(document, DocumentOf(b[0]));
                    Assert.Equal(LineOf(a[^1]) + 1, LineOf(b[0]));
                    Assert.Equal(0, b[0] % 100);
                }
            }
        Assert.InRange((double)random / total, 0.45, 0.55);
    }

    [Fact]
    public void LinesAreGroupedIntoChunksThatFitTheBody()
    {
        // Body is 16 - 3 = 13: document 0 groups as [5, 5] [9] [13] [20]; document 1 as [2, 2, 2].
        var corpus = Corpus([[5, 5, 9, 13, 20], [2, 2, 2]]);
        var examples = new NextSentenceExamples(corpus, TinyFixtures.Vocabulary(), 16, seed: 1);
        Assert.Equal(5, examples.Count);
        // A starts on the chunk's first line (maybe front-truncated within it).
        var firstLines = Enumerable.Range(0, 5).Select(i => Segments(examples.Get(i, 0), 16).A[0] / 100 * 100);
        Assert.Equal([Token(0, 0, 0), Token(0, 2, 0), Token(0, 3, 0), Token(0, 4, 0), Token(1, 0, 0)], firstLines);
    }

    [Fact]
    public void OneLineChunkTakesItsContinuationFromTheFollowingLines()
    {
        // Each 70-token line is a chunk of its own; a true B must be (the start of) the next line.
        const int length = 128;
        var corpus = Corpus([[70, 70, 70], [10, 10]]);
        var examples = new NextSentenceExamples(corpus, TinyFixtures.Vocabulary(), length, seed: 5);
        Assert.Equal(4, examples.Count);
        int continued = 0, forced = 0;
        for (int epoch = 0; epoch < 200; epoch++)
            for (long i = 0; i < 3; i++)
            {
                var example = examples.Get(i, epoch);
                var (a, b) = Segments(example, length);
                Assert.All(a, t => Assert.Equal((int)i, LineOf(t)));
                if (example.NextSentenceLabel == 0)
                {
                    continued++;
                    Assert.Equal(length, example.TokenIds.Length); // truncated to fit exactly
                    Assert.All(b, t => Assert.Equal((int)i + 1, LineOf(t)));
                    Assert.Equal(0, DocumentOf(b[0]));
                }
                else
                {
                    Assert.All(b, t => Assert.Equal(1, DocumentOf(t)));
                    if (i == 2) forced++;
                }
            }
        Assert.InRange(continued, 150, 250); // half of chunks 0 and 1 over 200 epochs
        Assert.Equal(200, forced); // the last line has no continuation: always random
    }

    [Fact]
    public void SameIndexAndEpochGiveTheSameExample()
    {
        var corpus = RandomCorpus(40, 2);
        var vocabulary = TinyFixtures.Vocabulary();
        var first = new NextSentenceExamples(corpus, vocabulary, 64, seed: 3);
        var second = new NextSentenceExamples(corpus, vocabulary, 64, seed: 3);
        int differentAcrossEpochs = 0;
        for (long i = 0; i < first.Count; i++)
        {
            var example = first.Get(i, 4);
            foreach (var again in new[] { first.Get(i, 4), second.Get(i, 4) })
            {
                Assert.Equal(example.TokenIds, again.TokenIds);
                Assert.Equal(example.TokenTypeIds, again.TokenTypeIds);
                Assert.Equal(example.NextSentenceLabel, again.NextSentenceLabel);
            }
            if (!first.Get(i, 5).TokenIds.SequenceEqual(example.TokenIds)) differentAcrossEpochs++;
        }
        Assert.True(differentAcrossEpochs > first.Count / 2);
    }

    [Fact]
    public void ExamplesCollateWithSegmentIdsAndLabels()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var examples = new NextSentenceExamples(RandomCorpus(10, 4), vocabulary, 32, seed: 8);
        // The masker needs vocabulary ids, so map the position-coded tokens onto ordinary ones.
        var rows = Enumerable.Range(0, 4).Select(i => examples.Get(i, 0))
            .Select(e => e with { TokenIds = e.TokenIds.Select(t => t >= 1_000_000 ? 5 + t % 50 : t).ToArray() }).ToList();
        var batch = new MlmMasker(vocabulary).Collate(rows, r => StatelessRandom.For(1, StatelessRandom.Streams.Masking, 0, r));
        Assert.Equal(rows.Select(r => (long)r.NextSentenceLabel!.Value), batch.NextSentenceLabels!);
        for (int r = 0; r < rows.Count; r++)
            Assert.Equal(rows[r].TokenTypeIds!.Select(t => (long)t), batch.TokenTypeIds.Skip(r * batch.Length).Take(rows[r].TokenIds.Length));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void OneDocumentCannotMakeNextSentencePairs(bool withEmptyDocument)
    {
        var documents = new List<IReadOnlyList<int[]>> { new[] { new[] { 10, 11 }, new[] { 12, 13 } } };
        if (withEmptyDocument) documents.Add(new[] { Array.Empty<int>() });
        var error = Assert.Throws<BertAdaptException>(() =>
            new NextSentenceExamples(new InMemoryTokenizedCorpus(documents), TinyFixtures.Vocabulary(), 32, seed: 1));
        Assert.Equal("NspNeedsTwoDocuments", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
    }
}
