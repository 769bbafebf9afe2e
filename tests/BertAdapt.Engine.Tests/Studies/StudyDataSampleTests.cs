using System.IO.Compression;
using System.Text;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Studies;
using BertAdapt.Engine.Tokenization;
namespace BertAdapt.Engine.Tests.Studies;

public sealed class StudyDataSampleTests : IDisposable
{
    readonly string temp = Path.Combine(Path.GetTempPath(), $"bertadapt-sample-{Guid.NewGuid():N}");
    readonly BertVocabulary vocabulary = TinyFixtures.Vocabulary();

    public StudyDataSampleTests() => Directory.CreateDirectory(temp);

    public void Dispose() => Directory.Delete(temp, recursive: true);

    /// <summary>Rows of 1 to 6 words, so that a prefix of the file is not trivially like the rest.</summary>
    static string Csv(int rows)
    {
        var text = new StringBuilder("text,label\n");
        var words = new[] { "restart", "the", "nginx", "service", "on", "web01" };
        for (int i = 0; i < rows; i++) text.Append(string.Join(' ', words.Take(1 + i % 6))).Append(",a").Append(i % 2).Append('\n');
        return text.ToString();
    }

    string Write(string name, string text, bool gzip = false)
    {
        var path = Path.Combine(temp, name);
        if (!gzip) File.WriteAllText(path, text);
        else
        {
            using var file = File.Create(path);
            using var zip = new GZipStream(file, CompressionLevel.Optimal);
            zip.Write(Encoding.UTF8.GetBytes(text));
        }
        return path;
    }

    [Fact]
    public void ASmallFileIsCountedExactly()
    {
        var rows = StudyDataSample.Rows([Write("small.csv", Csv(60))], FineTuneTask.SequenceClassification, FineTuneReadOptions.Default, vocabulary, 128);
        Assert.True(rows.Exact);
        Assert.Equal(60, rows.Rows);
        Assert.Equal(2 + 6, rows.LongestRow);
        Assert.Equal(2 + 3.5, rows.TokensPerRow, 6);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ALargeFileIsEstimatedFromItsFirstBytesWithinAFewPercent(bool gzip)
    {
        const int count = 60_000; // about 1.6 MB, six times the sample
        var path = Write(gzip ? "large.csv.gz" : "large.csv", Csv(count), gzip);
        var rows = StudyDataSample.Rows([path], FineTuneTask.SequenceClassification, FineTuneReadOptions.Default, vocabulary, 128);
        Assert.False(rows.Exact);
        Assert.InRange(rows.Rows, count * 0.95, count * 1.05);
        Assert.Equal(2 + 3.5, rows.TokensPerRow, 1);
    }

    [Fact]
    public void ACorpusIsCountedInTokensAndLinesFromItsFirstBytes()
    {
        var text = TinyFixtures.CorpusText(4000, 1);
        var small = StudyDataSample.Corpus([Write("small.txt", TinyFixtures.CorpusText(40, 1))], vocabulary, CorpusReadOptions.Default);
        var large = StudyDataSample.Corpus([Write("large.txt", text)], vocabulary, CorpusReadOptions.Default);
        Assert.True(small.Exact);
        Assert.False(large.Exact);
        long lines = text.Split('\n').Count(l => l.Trim().Length > 0);
        long tokens = text.Split('\n').Sum(l => (long)vocabulary.Encode(l).Count);
        Assert.InRange(large.Lines, lines * 0.95, lines * 1.05);
        Assert.InRange(large.Tokens, tokens * 0.95, tokens * 1.05);
    }

    [Fact]
    public void ARowFileOfNoKnownFormatIsRefusedAsReadingItWould()
    {
        var path = Write("rows.txt", "text,label\nstop cron,a\n");
        var error = Assert.Throws<BertAdaptException>(() => StudyDataSample.Rows([path], FineTuneTask.SequenceClassification, FineTuneReadOptions.Default, vocabulary, 128));
        Assert.Equal("FineTuneFormatUnsupported", error.ErrorId);
    }
}
