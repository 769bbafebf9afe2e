using BertAdapt.Engine.Data;
using BertAdapt.Engine.Reports;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Tests.Reports;

/// <summary>Where a report's data comes from: metrics JSONL files and the settings beside them.</summary>
public sealed class ReportSourcesTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-report-sources-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    string Write(string name, string text)
    {
        var path = Path.Combine(temp, name);
        File.WriteAllText(path, text);
        return path;
    }

    const string Line = """{"step":1,"epoch":0,"loss":3.5,"learning_rate":1e-4,"grad_norm":1,"tokens":10,"masked_tokens":2,"tokens_per_second":5,"elapsed_seconds":2}""";

    [Fact]
    public void ReadsRecordsSkipsBlankLinesAndAcceptsNamedNaN()
    {
        var path = Write("metrics.jsonl", Line + "\n\n" + Line.Replace("\"step\":1", "\"step\":2").Replace("3.5", "\"NaN\"") + "\n");
        var records = MetricsFile.Read(path);
        Assert.Equal([1, 2], records.Select(r => r.Step));
        Assert.True(double.IsNaN(records[1].Loss));
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1, 2]")]
    [InlineData("""{"loss": 3}""")]
    [InlineData("""{"step": "one", "loss": 3}""")]
    public void NamesTheLineOfAMalformedRecord(string bad)
    {
        var path = Write("metrics.jsonl", Line + "\n\n" + bad + "\n");
        var error = Assert.Throws<BertAdaptException>(() => MetricsFile.Read(path));
        Assert.Equal("MetricsInvalid", error.ErrorId);
        Assert.Contains("Line 3", error.Message);
    }

    [Fact]
    public void TrainerStateSettingsNameTheRunsChoices()
    {
        var options = new MlmTrainingOptions { BatchSize = 24, GradientAccumulation = 3, SequenceLength = 64, Seed = 9, MaxSteps = 77 };
        var rows = MlmTrainer.SettingsOf(options, null, new InMemoryExamples(Enumerable.Repeat(new[] { 2, 3 }, 500).ToList()), null);
        Assert.Equal("24", rows["Batch size"]);
        Assert.Equal("3", rows["Gradient accumulation"]);
        Assert.Equal("64", rows["Sequence length"]);
        Assert.Equal("9", rows["Seed"]);
        Assert.Equal("500 examples", rows["Training data"]);
        Assert.Equal("77", rows["Planned steps"]);
    }

    [Fact]
    public void TakesSettingsFromTheNewestCheckpointBesideTheMetrics()
    {
        var metrics = Write("metrics.jsonl", Line + "\n");
        foreach (var (name, batch) in new[] { ("checkpoint-00000010", 8), ("checkpoint-00000020", 16) })
        {
            var directory = Directory.CreateDirectory(Path.Combine(temp, name)).FullName;
            var state = new TrainerState { Step = 20, Settings = MlmTrainer.SettingsOf(new MlmTrainingOptions { BatchSize = batch }, null, new InMemoryExamples([[2, 3]]), null) };
            File.WriteAllText(Path.Combine(directory, "trainer_state.json"), state.ToJson());
            File.WriteAllText(Path.Combine(directory, "config.json"), """{"num_hidden_layers": 2, "hidden_size": 64}""");
        }
        var rows = RunSettings.FromJob(metrics).ToDictionary(r => r.Key, r => r.Value);
        Assert.Equal("checkpoint-00000020", rows["Checkpoint"]);
        Assert.Equal("16", rows["Batch size"]);
        Assert.Equal("64", rows["Hidden size"]);
    }

    [Fact]
    public void AMetricsFileOutsideAJobHasOnlyItsPath()
    {
        var metrics = Write("metrics.jsonl", Line + "\n");
        Assert.Equal([new("Metrics file", metrics)], RunSettings.FromJob(metrics));
    }
}
