using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Data.FineTuning;

namespace BertAdapt.Engine.Tests.Corpora;

/// <summary>
/// A quoted CSV/TSV field that is never closed is an error naming the row where it opens:
/// CsvHelper reads it to the end of the file as one field, which swallowed every later row.
/// </summary>
public sealed class CsvQuoteTests : IDisposable
{
    readonly CorpusScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    [Theory]
    [InlineData("corpus.csv", "id,text\n1,alpha\n2,\"beta\n3,gamma\n4,delta\n")]
    [InlineData("corpus.tsv.gz", "id\ttext\n1\talpha\n2\t\"beta\n3\tgamma\n4\tdelta\n")]
    public void UnterminatedQuoteInACorpusIsCorpusRecordInvalidNamingItsLine(string name, string text)
    {
        var path = scratch.Write(name, text);
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusRecordInvalid", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Contains("line 3", ex.Message);
        Assert.Contains(path, ex.Message);
        Assert.Contains("never closed", ex.Message);
    }

    [Fact]
    public void UnterminatedQuoteInFineTuneDataIsFineTuneRowInvalid()
    {
        var path = scratch.Write("train.csv", "text,label\nalpha,ok\n\"beta,ok\ngamma,alert\n");
        var ex = Assert.Throws<BertAdaptException>(() => LabeledRows.Read(path, FineTuneTask.SequenceClassification));
        Assert.Equal("FineTuneRowInvalid", ex.ErrorId);
        Assert.Contains("line 3", ex.Message);
    }

    [Fact]
    public void QuotedFieldsThatCloseStillReadAcrossLines()
    {
        var path = scratch.Write("ok.csv", "id,text\n1,\"alpha one\nalpha \"\"two\"\"\"\n2,beta\n");
        Assert.Equal([["alpha one", "alpha \"two\""], ["beta"]], CorpusDocuments.Read(path).Select(d => d.ToArray()).ToArray());
    }

    [Fact]
    public void CsvRecordOverTheRecordLimitIsCorpusRecordInvalid()
    {
        var path = scratch.Write("huge.csv", "id,text\n1,ok\n2,\"" + new string('a', (64 << 20) + (1 << 20)) + "\"\n");
        var ex = Assert.Throws<BertAdaptException>(() => CorpusDocuments.Read(path).ToList());
        Assert.Equal("CorpusRecordInvalid", ex.ErrorId);
    }
}
