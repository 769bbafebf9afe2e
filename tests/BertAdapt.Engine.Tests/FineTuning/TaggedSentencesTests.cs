using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Tests.Corpora;

namespace BertAdapt.Engine.Tests.FineTuning;

public sealed class TaggedSentencesTests : IDisposable
{
    readonly CorpusScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    // CoNLL-2003 layout: word, POS, chunk, NER tag.
    const string Conll =
        "-DOCSTART- -X- -X- O\n" + // 1
        "\n" +                     // 2
        "EU NNP B-NP B-ORG\n" +    // 3
        "rejects VBZ B-VP O\n" +   // 4
        "German JJ B-NP B-MISC\n" +// 5
        "\n" +                     // 6
        "  \t \n" +                // 7 (white space only: blank)
        "\n" +                     // 8
        "Peter NNP B-NP B-PER\n" + // 9
        "Blackburn NNP I-NP I-PER\n" + // 10
        "-DOCSTART- -X- -X- O\n" + // 11 (ends the sentence without a blank line)
        "\n" +                     // 12
        "BRUSSELS\tNNP\tB-NP\tB-LOC"; // 13, tabs, no final newline

    [Theory]
    [InlineData("train.conll")]
    [InlineData("train.txt.gz")]
    [InlineData("train.TSV")]
    public void SentencesAreSplitOnBlankLinesAndDocumentMarkers(string name)
    {
        var path = scratch.Write(name, Conll);
        var data = TaggedSentences.Read(path);
        Assert.Equal(0, data.Skipped.Count);
        Assert.Equal([$"{path}:3", $"{path}:9", $"{path}:13"], data.Items.Select(s => s.Source));
        Assert.Equal([["EU", "rejects", "German"], ["Peter", "Blackburn"], ["BRUSSELS"]], data.Items.Select(s => s.Words.ToArray()).ToArray());
        Assert.Equal([["B-ORG", "O", "B-MISC"], ["B-PER", "I-PER"], ["B-LOC"]], data.Items.Select(s => s.Tags.ToArray()).ToArray());
    }

    [Fact]
    public void TheWordAndTagColumnsCanBeChosen()
    {
        var path = scratch.Write("pos.conll", Conll);
        var chunks = TaggedSentences.Read(path, new FineTuneReadOptions { TagColumn = 2 });
        Assert.Equal(["B-NP", "B-VP", "B-NP"], chunks.Items[0].Tags);
        var fromEnd = TaggedSentences.Read(path, new FineTuneReadOptions { WordColumn = -1, TagColumn = 0 });
        Assert.Equal(["B-ORG", "O", "B-MISC"], fromEnd.Items[0].Words);
        Assert.Equal(["EU", "rejects", "German"], fromEnd.Items[0].Tags);
    }

    [Fact]
    public void AOneColumnLineIsAnErrorAndSkippingDropsItsSentence()
    {
        var path = scratch.Write("bad.conll", "EU B-ORG\nrejects\nGerman B-MISC\n\n\nPeter B-PER\n");
        var ex = Assert.Throws<BertAdaptException>(() => TaggedSentences.Read(path));
        Assert.Equal("FineTuneRowInvalid", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Equal($"Invalid row at {path}:2: the line has 1 column; a token line needs a word and a tag.", ex.Message);

        var data = TaggedSentences.Read(path, new FineTuneReadOptions { SkipInvalidRows = true });
        var sentence = Assert.Single(data.Items);
        Assert.Equal(["Peter"], sentence.Words);
        Assert.Equal($"{path}:6", sentence.Source);
        Assert.Equal(1, data.Skipped.Count);
        Assert.Equal($"{path}:2 the line has 1 column; a token line needs a word and a tag", Assert.Single(data.Skipped.FirstReasons));
    }

    [Fact]
    public void ATagColumnBeyondTheLineIsAnError()
    {
        var path = scratch.Write("short.conll", "EU NNP B-NP B-ORG\nrejects O\n");
        var ex = Assert.Throws<BertAdaptException>(() => TaggedSentences.Read(path, new FineTuneReadOptions { TagColumn = 3 }));
        Assert.Equal("FineTuneRowInvalid", ex.ErrorId);
        Assert.Contains($"{path}:2: the line has no tag column 3 (it has 2 columns)", ex.Message);
        var same = Assert.Throws<BertAdaptException>(() => TaggedSentences.Read(path, new FineTuneReadOptions { TagColumn = -2 }));
        Assert.Contains($"{path}:2: the line has its word and tag in one column (0, of 2)", same.Message);
    }

    [Fact]
    public void UnknownExtensionsMissingFilesAndNonUtf8AreReported()
    {
        var jsonl = scratch.Write("train.jsonl", "{}\n");
        Assert.Equal("FineTuneFormatUnsupported", Assert.Throws<BertAdaptException>(() => TaggedSentences.Read(jsonl)).ErrorId);
        Assert.Equal("FineTuneFileNotFound", Assert.Throws<BertAdaptException>(() => TaggedSentences.Read(Path.Combine(scratch.Root, "gone.conll"))).ErrorId);
        var latin1 = scratch.Write("latin1.conll.gz", [(byte)'M', (byte)'\xFC', (byte)'n', (byte)' ', (byte)'O', (byte)'\n']);
        var ex = Assert.Throws<BertAdaptException>(() => TaggedSentences.Read(latin1));
        Assert.Equal("CorpusNotUtf8", ex.ErrorId);
        Assert.Contains("byte offset 1 of the decompressed stream", ex.Message);
    }
}
