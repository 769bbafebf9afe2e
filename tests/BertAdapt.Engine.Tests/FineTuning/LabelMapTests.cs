using BertAdapt.Engine.Data.FineTuning;

namespace BertAdapt.Engine.Tests.FineTuning;

public sealed class LabelMapTests
{
    [Fact]
    public void IntegerLabelsSortByValueOthersByCodePoint()
    {
        Assert.Equal(["-1", "0", "2", "10"], LabelMap.Sorted(["10", "2", "-1", "0", "2"]).Labels);
        Assert.Equal(["01", "1", "2"], LabelMap.Sorted(["2", "1", "01"]).Labels); // equal values by their text
        Assert.Equal(["10", "2", "x"], LabelMap.Sorted(["x", "2", "10"]).Labels); // not all integers: text order
        Assert.Equal(["Neutral", "neg", "pos"], LabelMap.Sorted(["pos", "neg", "Neutral"]).Labels); // upper case first, as Python
        Assert.Equal(["B-LOC", "B-PER", "I-PER", "O"], LabelMap.Sorted(["O", "I-PER", "B-PER", "O", "B-LOC"]).Labels); // "O" where it sorts
        // U+FF21 sorts before U+1F600 by code point, though its UTF-16 unit (FF21) is above the emoji's first (D83D).
        Assert.Equal(["\uFF21", "\U0001F600"], LabelMap.Sorted(["\U0001F600", "\uFF21"]).Labels);
    }

    [Fact]
    public void TheMapIsWhatConfigJsonHolds()
    {
        var map = LabelMap.Sorted(["pos", "neg"]);
        Assert.Equal(new Dictionary<string, string> { ["0"] = "neg", ["1"] = "pos" }, map.Id2Label);
        Assert.Equal(new Dictionary<string, int> { ["neg"] = 0, ["pos"] = 1 }, map.Label2Id);
        Assert.Equal(["0", "1"], map.Id2Label.Keys);
        Assert.True(map.TryGetId("pos", out int id));
        Assert.Equal(1, id);
        Assert.False(map.TryGetId("Pos", out _));
    }

    [Fact]
    public void TrainingRowsGiveTheSortedUnionOfTheirLabels()
    {
        LabeledRow[] rows = [new("a", null, "b|c", "f:1") { Labels = ["c", "b"] }, new("b", null, "", "f:2") { Labels = [] }, new("c", null, "a", "f:3")];
        Assert.Equal(["a", "b", "c"], LabelMap.FromTraining(rows, FineTuneTask.MultiLabelClassification).Labels);
        TaggedSentence[] sentences = [new(["EU", "rejects"], ["B-ORG", "O"], "f:1"), new(["Peter"], ["B-PER"], "f:4")];
        Assert.Equal(["B-ORG", "B-PER", "O"], LabelMap.FromTraining(sentences).Labels);
    }

    [Fact]
    public void OneClassIsTooFewForSingleLabelClassification()
    {
        LabeledRow[] rows = [new("a", null, "pos", "f:1"), new("b", null, "pos", "f:2")];
        var ex = Assert.Throws<BertAdaptException>(() => LabelMap.FromTraining(rows, FineTuneTask.SequenceClassification));
        Assert.Equal(("FineTuneTooFewLabels", BertAdaptErrorKind.InvalidData), (ex.ErrorId, ex.Kind));
        Assert.Contains("it has 1 ('pos')", ex.Message);
        Assert.Single(LabelMap.FromTraining(rows, FineTuneTask.MultiLabelClassification).Labels);
    }

    [Fact]
    public void AnImportedId2LabelKeepsItsIdsAndIsChecked()
    {
        var map = LabelMap.FromId2Label(new Dictionary<string, string> { ["1"] = "pos", ["0"] = "neg", ["2"] = "Neutral" }, "'model/config.json'");
        Assert.Equal(["neg", "pos", "Neutral"], map.Labels);

        string[][] bad = [["0", "a", "2", "b"], ["0", "a", "x", "b"], ["0", "a", "1", "a"], ["0", "a", "1", " "], ["0", "a", "-1", "b"]];
        foreach (var pairs in bad)
        {
            var id2Label = new Dictionary<string, string> { [pairs[0]] = pairs[1], [pairs[2]] = pairs[3] };
            var ex = Assert.Throws<BertAdaptException>(() => LabelMap.FromId2Label(id2Label, "'model/config.json'"));
            Assert.Equal(("FineTuneLabelMapInvalid", BertAdaptErrorKind.InvalidData), (ex.ErrorId, ex.Kind));
            Assert.Contains("'model/config.json'", ex.Message);
        }
        Assert.Equal("FineTuneLabelMapInvalid", Assert.Throws<BertAdaptException>(() => LabelMap.FromId2Label(new Dictionary<string, string>(), "'c.json'")).ErrorId);
    }
}
