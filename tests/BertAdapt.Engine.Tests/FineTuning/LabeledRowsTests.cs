using System.Text;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Tests.Corpora;

namespace BertAdapt.Engine.Tests.FineTuning;

public sealed class LabeledRowsTests : IDisposable
{
    readonly CorpusScratch scratch = new();

    public void Dispose() => scratch.Dispose();

    static BertAdaptException Fails(Action read) => Assert.Throws<BertAdaptException>(read);

    // Row one's text spans two lines, so CSV/TSV rows start on lines 2 and 4; JSON Lines has a
    // blank line between its records, on lines 1 and 3.
    public static TheoryData<string, string, int, int> EveryFormat()
    {
        var data = new TheoryData<string, string, int, int>();
        (string Extension, string Text, int First, int Second)[] formats =
        [
            (".csv", "id,text,label\n1,\"restart nginx\nthen read logs\",ok\n2,disk full, alert \n", 2, 4),
            (".tsv", "id\ttext\tlabel\n1\t\"restart nginx\nthen read logs\"\tok\n2\tdisk full\t alert \n", 2, 4),
            (".jsonl", "{\"text\":\"restart nginx\\nthen read logs\",\"label\":\"ok\"}\n\n{\"label\":\" alert \",\"text\":\"disk full\"}\n", 1, 3),
        ];
        foreach (var (extension, text, first, second) in formats)
        {
            data.Add(extension, text, first, second);
            data.Add(extension + ".gz", text, first, second);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryFormat))]
    public void EveryTableFormatReadsTheSameRowsWithTheirLines(string extension, string text, int firstLine, int secondLine)
    {
        var path = scratch.Write("train" + extension, text);
        var data = LabeledRows.Read(path, FineTuneTask.SequenceClassification);
        Assert.Equal(0, data.Skipped.Count);
        Assert.Equal(
            [new LabeledRow("restart nginx\nthen read logs", null, "ok", $"{path}:{firstLine}"), new LabeledRow("disk full", null, "alert", $"{path}:{secondLine}")],
            data.Items);
    }

    [Fact]
    public void PairsComeFromTheTextPairColumn()
    {
        var path = scratch.Write("pairs.tsv", "sentence1\tsentence2\tlabel\nthe disk is full\tclean tmp\tentailment\n");
        var options = new FineTuneReadOptions { TextColumn = "sentence1", TextPairColumn = "sentence2" };
        var row = Assert.Single(LabeledRows.Read(path, FineTuneTask.SequenceClassification, options).Items);
        Assert.Equal(("the disk is full", "clean tmp", "entailment"), (row.Text, row.TextPair, row.Label));
    }

    [Fact]
    public void JsonLinesLabelsMayBeStringsNumbersBooleansOrArrays()
    {
        var single = scratch.Write("single.jsonl", "{\"text\":\"a\",\"label\":2}\n{\"text\":\"b\",\"label\":false}\n{\"text\":\"c\",\"label\":\"2\"}\n");
        Assert.Equal(["2", "false", "2"], LabeledRows.Read(single, FineTuneTask.SequenceClassification).Items.Select(r => r.Label));

        var multi = scratch.Write("multi.jsonl",
            "{\"text\":\"a\",\"label\":[\"x\",\" y \",\"x\"]}\n{\"text\":\"b\",\"label\":[]}\n{\"text\":\"c\",\"label\":\"y|z\"}\n{\"text\":\"d\",\"label\":7}\n{\"text\":\"e\",\"label\":[1,true]}\n");
        var rows = LabeledRows.Read(multi, FineTuneTask.MultiLabelClassification).Items;
        Assert.Equal([["x", "y"], [], ["y", "z"], ["7"], ["1", "true"]], rows.Select(r => r.Labels.ToArray()).ToArray());
        Assert.Equal("x|y", rows[0].Label);
    }

    [Fact]
    public void CsvMultiLabelCellsSplitOnTheSeparatorAndABlankCellMeansNoLabel()
    {
        var path = scratch.Write("multi.csv", "text,label\na,sports|politics\nb,\nc, sports | tech \n");
        var rows = LabeledRows.Read(path, FineTuneTask.MultiLabelClassification).Items;
        Assert.Equal([["sports", "politics"], [], ["sports", "tech"]], rows.Select(r => r.Labels.ToArray()).ToArray());

        var semicolons = scratch.Write("semi.csv", "text,label\na,x;y|z\n");
        var options = new FineTuneReadOptions { LabelSeparator = ";" };
        Assert.Equal(["x", "y|z"], Assert.Single(LabeledRows.Read(semicolons, FineTuneTask.MultiLabelClassification, options).Items).Labels);
    }

    [Fact]
    public void RegressionLabelsAreInvariantCultureNumbers()
    {
        var path = scratch.Write("scores.csv", "text,label\na,0.5\nb,-1e-1\nc, 3 \n");
        var jsonl = scratch.Write("scores.jsonl", "{\"text\":\"a\",\"label\":2.25}\n");
        Assert.Equal([0.5, -0.1, 3.0], LabeledRows.Read(path, FineTuneTask.Regression).Items.Select(r => r.Value!.Value));
        Assert.Equal(2.25, Assert.Single(LabeledRows.Read(jsonl, FineTuneTask.Regression).Items).Value);
    }

    [Fact]
    public void WithoutALabelColumnRowsAreUnlabelled()
    {
        var path = scratch.Write("predict.csv", "text\nrestart nginx\n");
        var row = Assert.Single(LabeledRows.Read(path, FineTuneTask.SequenceClassification, new FineTuneReadOptions { LabelColumn = null }).Items);
        Assert.Null(row.Label);
        Assert.Empty(row.Labels);
    }

    public static TheoryData<string, FineTuneTask, string, string> BadRows() => new()
    {
        { ".csv", FineTuneTask.SequenceClassification, "text,label\nfine,a\n   ,b\n", "'text' is empty" },
        { ".csv", FineTuneTask.SequenceClassification, "text,label\nfine,a\nno label here\n", "'label' is missing (the row has 1 field)" },
        { ".csv", FineTuneTask.SequenceClassification, "text,label\nfine,a\nsome text, \n", "'label' is empty" },
        { ".tsv", FineTuneTask.Regression, "text\tlabel\nfine\t0.5\nsome text\thigh\n", "'label' is \"high\", not a finite number" },
        { ".csv", FineTuneTask.Regression, "text,label\nfine,0.5\nsome text,NaN\n", "'label' is \"NaN\", not a finite number" },
        { ".csv", FineTuneTask.MultiLabelClassification, "text,label\nfine,a\nsome text,a||b\n", "'label' has an empty label between separators ('|')" },
        { ".jsonl", FineTuneTask.SequenceClassification, "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\": oops}\n", "the record is not valid JSON" },
        { ".jsonl", FineTuneTask.SequenceClassification, "{\"text\":\"fine\",\"label\":\"a\"}\n[\"text\"]\n", "the record is a JSON Array, not an object" },
        { ".jsonl", FineTuneTask.SequenceClassification, "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\":\"b\",\"label\":[\"a\"]}\n", "'label' is an array, but a SequenceClassification row has one label" },
        { ".jsonl", FineTuneTask.SequenceClassification, "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\":5,\"label\":\"a\"}\n", "'text' is the number 5, not text" },
        { ".jsonl", FineTuneTask.SequenceClassification, "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\":\"b\",\"label\":null}\n", "'label' is null" },
        { ".jsonl", FineTuneTask.SequenceClassification, "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\":\"b\"}\n", "'label' is missing" },
        { ".jsonl", FineTuneTask.MultiLabelClassification, "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\":\"b\",\"label\":[[\"a\"]]}\n", "'label' is an array holding an array, not a label" },
        { ".jsonl", FineTuneTask.SequenceClassification, "{\"text\":\"fine\",\"label\":\"a\"}\n{\"text\":\"b\",\"label\":{\"id\":1}}\n", "'label' is a JSON Object, not a label" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void EachBadRowIsAnErrorNamingTheFileAndLine(string extension, FineTuneTask task, string text, string reason)
    {
        // Every case's bad row is the second one, on line 2 (JSON Lines) or 3 (after a header).
        var path = scratch.Write($"bad{Guid.NewGuid():N}{extension}", text);
        int line = extension == ".jsonl" ? 2 : 3;
        var ex = Fails(() => LabeledRows.Read(path, task));
        Assert.Equal("FineTuneRowInvalid", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.StartsWith($"Invalid row at {path}:{line}: {reason}", ex.Message);

        var skipped = LabeledRows.Read(path, task, new FineTuneReadOptions { SkipInvalidRows = true });
        Assert.Equal("fine", Assert.Single(skipped.Items).Text);
        Assert.Equal(1, skipped.Skipped.Count);
        Assert.StartsWith($"{path}:{line} {reason}", Assert.Single(skipped.Skipped.FirstReasons));
    }

    [Fact]
    public void SkippedRowsAreCountedAndTheFirstFewReasonsKept()
    {
        var lines = new StringBuilder("text,label\n");
        for (int i = 0; i < 8; i++) lines.Append(i % 2 == 0 ? $"row {i},a\n" : $" ,b\n"); // odd rows (lines 3, 5, 7, 9) have no text
        lines.Append("last,\n"); // line 10: no label
        lines.Append(",\n,\n,\n"); // lines 11 to 13: neither
        var path = scratch.Write("skips.csv", lines.ToString());
        var data = LabeledRows.Read(path, FineTuneTask.SequenceClassification, new FineTuneReadOptions { SkipInvalidRows = true });
        Assert.Equal(["row 0", "row 2", "row 4", "row 6"], data.Items.Select(r => r.Text));
        Assert.Equal(8, data.Skipped.Count);
        Assert.Equal(
            [$"{path}:3 'text' is empty", $"{path}:5 'text' is empty", $"{path}:7 'text' is empty", $"{path}:9 'text' is empty", $"{path}:10 'label' is empty"],
            data.Skipped.FirstReasons);
        Assert.Equal($"skipped 8 rows: {string.Join("; ", data.Skipped.FirstReasons)}; …", data.Skipped.ToString());
    }

    [Fact]
    public void AMissingColumnIsReportedWithTheColumnsThere()
    {
        var csv = scratch.Write("cols.csv", "id,body,label\n1,x,a\n");
        var ex = Fails(() => LabeledRows.Read(csv, FineTuneTask.SequenceClassification));
        Assert.Equal("FineTuneColumnNotFound", ex.ErrorId);
        Assert.Contains("no 'text' column (columns: 'id', 'body', 'label')", ex.Message);
        Assert.Contains(csv, ex.Message);

        var pair = Fails(() => LabeledRows.Read(csv, FineTuneTask.SequenceClassification, new FineTuneReadOptions { TextColumn = "body", TextPairColumn = "hypothesis" }));
        Assert.Contains("no 'hypothesis' column", pair.Message);

        var jsonl = scratch.Write("cols.jsonl", "\n{\"text\":\"a\",\"target\":1}\n{\"text\":\"b\",\"label\":1}\n");
        var json = Fails(() => LabeledRows.Read(jsonl, FineTuneTask.SequenceClassification));
        Assert.Equal("FineTuneColumnNotFound", json.ErrorId);
        Assert.Contains("first record (line 2)", json.Message);
        Assert.Contains("no 'label' field (fields: 'text', 'target')", json.Message);
    }

    [Fact]
    public void CsvColumnsMatchIgnoringCaseAfterExactNames()
    {
        var path = scratch.Write("case.csv", "Text,LABEL,label\nrestart nginx,upper,lower\n");
        var row = Assert.Single(LabeledRows.Read(path, FineTuneTask.SequenceClassification).Items);
        Assert.Equal(("restart nginx", "lower"), (row.Text, row.Label));
    }

    [Fact]
    public void PipelineObjectsAreRowsNumberedFromOne()
    {
        IReadOnlyDictionary<string, object?>[] objects =
        [
            new Dictionary<string, object?> { ["Text"] = "disk full", ["Label"] = 1 },
            new Dictionary<string, object?> { ["text"] = "clean tmp", ["label"] = "0", ["extra"] = new object() },
            new Dictionary<string, object?> { ["text"] = "", ["label"] = "0" },
            new Dictionary<string, object?> { ["text"] = "every night" },
        ];
        var data = LabeledRows.FromObjects(objects, FineTuneTask.SequenceClassification, new FineTuneReadOptions { SkipInvalidRows = true });
        Assert.Equal([new LabeledRow("disk full", null, "1", "input object 1"), new LabeledRow("clean tmp", null, "0", "input object 2")], data.Items);
        Assert.Equal(["input object 3 'text' is empty", "input object 4 'label' is missing"], data.Skipped.FirstReasons);

        var ex = Fails(() => LabeledRows.FromObjects(objects.Skip(3), FineTuneTask.SequenceClassification));
        Assert.Equal("FineTuneColumnNotFound", ex.ErrorId);
        Assert.Contains("no 'label' property (properties: 'text')", ex.Message);
    }

    [Fact]
    public void PipelineListsAndNumbersServeMultiLabelAndRegression()
    {
        IReadOnlyDictionary<string, object?>[] multi = [new Dictionary<string, object?> { ["text"] = "a", ["label"] = new object[] { "x", 2 } }];
        Assert.Equal(["x", "2"], Assert.Single(LabeledRows.FromObjects(multi, FineTuneTask.MultiLabelClassification).Items).Labels);
        IReadOnlyDictionary<string, object?>[] scores = [new Dictionary<string, object?> { ["text"] = "a", ["label"] = 0.25 }, new Dictionary<string, object?> { ["text"] = "b", ["label"] = "1.5" }];
        Assert.Equal([0.25, 1.5], LabeledRows.FromObjects(scores, FineTuneTask.Regression).Items.Select(r => r.Value!.Value));
    }

    [Fact]
    public void NonUtf8DataIsTheCorpusReadersError()
    {
        var bytes = Encoding.UTF8.GetBytes("text,label\nok,a\ncaf").Concat(new byte[] { 0xE9, (byte)',', (byte)'b', (byte)'\n' }).ToArray();
        var path = scratch.Write("latin1.csv", bytes);
        var ex = Fails(() => LabeledRows.Read(path, FineTuneTask.SequenceClassification));
        Assert.Equal("CorpusNotUtf8", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Contains($"The data file '{path}' is not valid UTF-8 at byte offset 19", ex.Message); // 11 + 5 + "caf"
    }

    [Fact]
    public void MissingFilesUnknownFormatsAndBadOptionsAreReportedAtOnce()
    {
        var missing = Fails(() => LabeledRows.Read(Path.Combine(scratch.Root, "gone.csv"), FineTuneTask.SequenceClassification));
        Assert.Equal(("FineTuneFileNotFound", BertAdaptErrorKind.ObjectNotFound), (missing.ErrorId, missing.Kind));

        var text = scratch.Write("plain.txt", "restart nginx\n");
        var format = Fails(() => LabeledRows.Read(text, FineTuneTask.SequenceClassification));
        Assert.Equal(("FineTuneFormatUnsupported", BertAdaptErrorKind.InvalidArgument), (format.ErrorId, format.Kind));

        var csv = scratch.Write("ok.csv", "text,label\na,b\n");
        var option = Fails(() => LabeledRows.Read(csv, FineTuneTask.SequenceClassification, new FineTuneReadOptions { LabelColumn = "text" }));
        Assert.Equal(("FineTuneOptionInvalid", BertAdaptErrorKind.InvalidArgument), (option.ErrorId, option.Kind));
    }
}
