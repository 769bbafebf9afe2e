using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Data.Overlap;
using BertAdapt.Engine.Tests.Corpora;

namespace BertAdapt.Engine.Tests.Overlap;

public sealed class CorpusOverlapTests : IDisposable
{
    const string Ticket = "The nightly backup job on the storage cluster failed because the mount point was read only after the kernel update";

    readonly CorpusScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    static CorpusOverlapReport Scan(IEnumerable<string> heldOut, string corpusPath, int ngram = 8, double threshold = 0.8)
    {
        var index = new HeldOutIndex(ngram);
        int n = 0;
        foreach (var text in heldOut) index.Add(new HeldOutText($"held:{++n}", text));
        var scan = new CorpusOverlapScan(index, threshold);
        foreach (var document in OverlapFiles.Documents(corpusPath, CorpusReadOptions.Default)) scan.Document(document);
        return scan.Report([corpusPath]);
    }

    [Fact]
    public void ACopyThatDiffersOnlyInCaseAccentsSpacingAndPunctuationIsExactAndNamesItsLine()
    {
        var corpus = scratch.Write("corpus.txt", "An unrelated first line about printers.\n\nTHE  nightly backup job, on the storage cluster: failed because the mount-point was réad only after the kernel update!\n");
        var report = Scan([Ticket], corpus);
        var match = Assert.Single(report.Matches);
        Assert.Equal(OverlapKind.Exact, match.Kind);
        Assert.Equal(1.0, match.Containment);
        Assert.Equal($"{corpus}:3", match.CorpusSource);
        Assert.Equal("held:1", match.HeldOutSource);
        Assert.Equal((1, 1, 0, 100.0), (report.LeakedTexts, report.ExactMatches, report.NearDuplicates, report.LeakedPercent));
    }

    [Fact]
    public void AHeldOutTextInsideALongerDocumentIsContainedEvenAcrossItsLines()
    {
        var words = Ticket.Split(' ');
        var corpus = scratch.Write("corpus.txt",
            "Incident summary for the week.\nOn Tuesday " + string.Join(' ', words[..9]) + "\n" + string.Join(' ', words[9..]) + " and was fixed by hand.\n");
        var match = Assert.Single(Scan([Ticket], corpus).Matches);
        Assert.Equal(OverlapKind.Contained, match.Kind);
        Assert.Equal(1.0, match.Containment);
        Assert.Equal($"{corpus}:2", match.CorpusSource);
    }

    [Fact]
    public void HalvesInTwoDocumentsAreNotACopy()
    {
        var words = Ticket.Split(' ');
        var corpus = scratch.Write("corpus.txt", string.Join(' ', words[..10]) + "\n\n" + string.Join(' ', words[10..]) + "\n");
        Assert.Empty(Scan([Ticket], corpus).Matches);
    }

    [Fact]
    public void ACopyWithAFewWordsChangedIsANearDuplicateAboveTheThresholdOnly()
    {
        var words = Ticket.Split(' ');
        words[^1] = "upgrade";       // the last word changed: one run of 8 words lost
        var corpus = scratch.Write("corpus.txt", "Earlier text. " + string.Join(' ', words) + "\n");
        var match = Assert.Single(Scan([Ticket], corpus).Matches);
        Assert.Equal(OverlapKind.NearDuplicate, match.Kind);
        int runs = Ticket.Split(' ').Length - 8 + 1;
        Assert.Equal((double)(runs - 1) / runs, match.Containment, 9);
        Assert.Empty(Scan([Ticket], corpus, threshold: 0.99).Matches);
    }

    [Fact]
    public void SharedShortPhrasesAndUnrelatedTextAreNotLeaks()
    {
        var corpus = scratch.Write("corpus.txt", "the nightly backup job ran fine.\nthe storage cluster was read only for a while.\nA kernel update is planned.\n");
        var report = Scan([Ticket, "Printers on floor three print blank pages since the driver was replaced"], corpus);
        Assert.Empty(report.Matches);
        Assert.Equal((2, 0, 0.0), (report.HeldOutTexts, report.LeakedTexts, report.LeakedPercent));
        Assert.Equal(20, report.CorpusWords);
        Assert.Equal(1, report.CorpusDocuments);
    }

    [Fact]
    public void AShortHeldOutTextMatchesOnlyAWholeLine()
    {
        var corpus = scratch.Write("corpus.txt", "Please reset password now and then log in.\n\nReset password, now!\n");
        var report = Scan(["reset password now"], corpus);
        Assert.Equal(1, report.ShortHeldOutTexts);
        var match = Assert.Single(report.Matches);
        Assert.Equal((OverlapKind.Exact, $"{corpus}:3", 1L), (match.Kind, match.CorpusSource, match.Documents));
    }

    [Fact]
    public void TheStrongestMatchIsKeptAndEveryMatchingDocumentIsCounted()
    {
        var words = Ticket.Split(' ');
        words[3] = "restore";
        var near = string.Join(' ', words);
        var corpus = scratch.Write("corpus.txt", $"{near}\n\nBefore it: {Ticket} after it.\n\n{Ticket}\n\nunrelated words only here\n");
        var match = Assert.Single(Scan([Ticket], corpus, threshold: 0.5).Matches);
        Assert.Equal((OverlapKind.Exact, $"{corpus}:5", 3L), (match.Kind, match.CorpusSource, match.Documents));
    }

    [Fact]
    public void RecordsOfJsonLinesAndCsvFilesAreNamedByTheirPlace()
    {
        var heldOut = scratch.Write("validation.csv", "text,label\n\"" + Ticket + "\",storage\n\"Printers print blank pages since the driver was replaced yesterday\",printing\n");
        var texts = OverlapFiles.HeldOut(heldOut, CorpusReadOptions.Default).ToList();
        Assert.Equal([$"{heldOut}, text 1", $"{heldOut}, text 2"], texts.Select(t => t.Source));
        var corpus = scratch.Write("corpus.jsonl.gz", "{\"text\":\"nothing here\"}\n{\"text\":\"" + Ticket + "\"}\n");
        var index = new HeldOutIndex(8);
        foreach (var text in texts) index.Add(text);
        var scan = new CorpusOverlapScan(index, 0.8);
        foreach (var document in OverlapFiles.Documents(corpus, CorpusReadOptions.Default)) scan.Document(document);
        var match = Assert.Single(scan.Report([corpus]).Matches);
        Assert.Equal(($"{heldOut}, text 1", $"{corpus}, text 2"), (match.HeldOutSource, match.CorpusSource));
    }

    [Fact]
    public void ATextWithoutWordsIsLeftOutAndBadOptionsHaveAnId()
    {
        var index = new HeldOutIndex(8);
        Assert.False(index.Add(new HeldOutText("a", " -- !! ")));
        Assert.Equal(0, index.Count);
        Assert.Equal("OverlapOptionInvalid", Assert.Throws<BertAdaptException>(() => new HeldOutIndex(2)).ErrorId);
        Assert.Equal("OverlapOptionInvalid", Assert.Throws<BertAdaptException>(() => new CorpusOverlapScan(index, 0)).ErrorId);
        Assert.Equal("OverlapOptionInvalid", Assert.Throws<BertAdaptException>(() => new CorpusOverlapScan(index, double.NaN)).ErrorId);
    }

    [Fact]
    public void IdeographsAreWordsSoChineseTextWithoutSpacesIsCompared()
    {
        const string text = "备份任务在存储集群上失败了因为挂载点是只读的";
        var corpus = scratch.Write("corpus.txt", "今天的报告：" + text + "。\n");
        var match = Assert.Single(Scan([text], corpus).Matches);
        Assert.Equal(OverlapKind.Contained, match.Kind);
        Assert.Empty(Scan(["打印机打印空白页面因为驱动程序被替换了"], corpus).Matches);
    }
}
