using System.IO.Compression;
using System.Text;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Tests.Corpora;

/// <summary>
/// A line longer than 1 Mi characters is read in pieces no longer than that, cut at whitespace
/// where there is some, so reading, tokenizing and training on it hold a bounded amount whatever
/// the line's length.
/// </summary>
public sealed class LongLineTests : IDisposable
{
    /// <summary>The bound the README states (TextFileReader.MaxLineChars), written out so the test predates the constant.</summary>
    const int Bound = 1 << 20;

    readonly CorpusScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    /// <summary>One line of <paramref name="words"/> words from the tiny vocabulary, no newline.</summary>
    static string LongLine(int words, int seed)
    {
        string[] vocabulary = ["restart", "the", "nginx", "service", "on", "web01", "then", "read", "logs", "."];
        var random = new Random(seed);
        var line = new StringBuilder(words * 7);
        for (int w = 0; w < words; w++) line.Append(vocabulary[random.Next(vocabulary.Length)]).Append(' ');
        return line.ToString(0, line.Length - 1);
    }

    [Fact]
    public void BoundIsTheStatedConstant() => Assert.Equal(Bound, TextFileReader.MaxLineChars);

    [Fact]
    public void LongLineIsReadInPiecesCutAtWhitespaceThatKeepEveryWord()
    {
        var line = LongLine(2_500_000, 1); // about 13 M characters
        var path = scratch.Write("long.txt", "before\n" + line + "\nafter\n\nnext document\n");
        var documents = CorpusDocuments.Read(path).ToList();
        Assert.Equal(2, documents.Count);
        Assert.Equal(["next document"], documents[1]);
        var pieces = documents[0].Skip(1).SkipLast(1).ToList();
        Assert.Equal("before", documents[0][0]);
        Assert.Equal("after", documents[0][^1]);
        Assert.InRange(pieces.Count, line.Length / Bound + 1, 2 * (line.Length / Bound) + 2);
        Assert.All(pieces, p => Assert.InRange(p.Length, 1, Bound));
        Assert.Equal(line.Split(' '), pieces.SelectMany(p => p.Split(' ')));
    }

    [Fact]
    public void LineWithoutWhitespaceIsCutAtTheBoundButNotInsideASurrogatePair()
    {
        // "a" then emoji (a surrogate pair each): the bound falls inside a pair.
        var line = "a" + string.Concat(Enumerable.Repeat("\U0001F600", 1_500_000));
        var path = scratch.Write("emoji.txt", line + "\n");
        var pieces = Assert.Single(CorpusDocuments.Read(path));
        Assert.Equal(3, pieces.Count);
        Assert.Equal(Bound - 1, pieces[0].Length);
        Assert.All(pieces, p => Assert.False(char.IsLowSurrogate(p[0])));
        Assert.Equal(line, string.Concat(pieces));
    }

    [Fact]
    public void LongLineInAJsonLinesRecordIsSplitToo()
    {
        var line = LongLine(600_000, 2); // about 3.6 M characters
        var path = scratch.Write("long.jsonl", "{\"text\":\"" + line + "\"}\n");
        var pieces = Assert.Single(CorpusDocuments.Read(path));
        Assert.InRange(pieces.Count, line.Length / Bound + 1, 2 * (line.Length / Bound) + 2);
        Assert.All(pieces, p => Assert.InRange(p.Length, 1, Bound));
        Assert.Equal(line.Split(' '), pieces.SelectMany(p => p.Split(' ')));
    }

    [Fact]
    public void JsonLinesRecordOverTheRecordLimitIsCorpusRecordTooLong()
    {
        var path = scratch.Write("huge.jsonl", "{\"text\":\"ok\"}\n{\"text\":\"" + new string('a', (64 << 20) + 10) + "\"}\n");
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusRecordTooLong", ex.ErrorId);
        Assert.Contains("line 2", ex.Message);
    }

    [Fact]
    public void TokenCacheStoresALongLineAsPiecesAndTrainingRuns()
    {
        var line = LongLine(3_000_000, 3); // about 18 M characters
        var path = scratch.Write("long.txt", line + "\n");
        var vocabulary = TinyFixtures.Vocabulary();
        using var data = TrainingData.Open([path], vocabulary, new TrainingDataOptions
        {
            SequenceLength = 32,
            CacheDirectory = Path.Combine(scratch.Root, "cache"),
        });
        Assert.InRange(data.Corpus.LineCount, line.Length / Bound + 1, 2 * (line.Length / Bound) + 2);
        Assert.Equal(3_000_000, data.Corpus.TokenCount); // every word is one token: none lost or split at a cut
        using var model = TinyFixtures.Model();
        var result = MlmTrainer.Train(model, data.Train, new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 3 });
        Assert.Equal(3, result.Steps);
    }

    [Fact]
    public void GzipThatInflatesToOneLineOverAGibibyteStreamsInBoundedPieces()
    {
        const long Length = (1L << 30) + 12345;
        var path = Path.Combine(scratch.Root, "bomb.txt.gz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            var block = Encoding.ASCII.GetBytes(new string('a', 1 << 20));
            for (long left = Length; left > 0; left -= block.Length) gzip.Write(block, 0, (int)Math.Min(block.Length, left));
        }
        Assert.True(new FileInfo(path).Length < 16 << 20);
        long pieces = 0, total = 0;
        int longest = 0;
        foreach (var piece in CorpusDocuments.ReadLines(path, CorpusFileKind.Of(path), null))
        {
            if (piece is null) continue;
            pieces++;
            total += piece.Length;
            longest = Math.Max(longest, piece.Length);
        }
        Assert.Equal(Length, total);
        Assert.Equal(Bound, longest);
        Assert.Equal((Length + Bound - 1) / Bound, pieces);
    }
}
