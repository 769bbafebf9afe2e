using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Tests;

/// <summary>
/// A run goes on (resumes, continues, or hands back a finished model) only from a checkpoint whose
/// files are as its manifest says they were written: a damaged optimizer.bin or weights file would
/// otherwise be trained on without a word.
/// </summary>
public sealed class RunCheckpointTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-runcheckpoint-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static readonly MlmTrainingOptions Options = new() { BatchSize = 4, SequenceLength = 32, MaxSteps = 4, Seed = 3, Threads = 1 };

    /// <summary>A run stopped after step 2 of 4, its checkpoint-00000002 left.</summary>
    string Interrupted(string name)
    {
        var path = Path.Combine(temp, name);
        using var model = TinyFixtures.Model();
        using var cancel = new CancellationTokenSource();
        MlmTrainer.Train(model, TinyFixtures.Examples(model, 12, 1), Options with { OutputPath = path },
            onStep: (m, _) => { if (m.Step == 2) cancel.Cancel(); }, cancellation: cancel.Token);
        Assert.True(Directory.Exists(Path.Combine(path, "checkpoint-00000002")));
        return path;
    }

    static BertAdaptException Rerun(string path)
    {
        using var model = TinyFixtures.Model();
        return Assert.Throws<BertAdaptException>(() => MlmTrainer.Train(model, TinyFixtures.Examples(model, 12, 1), Options with { OutputPath = path }));
    }

    [Theory]
    [InlineData("optimizer.bin")]
    [InlineData("model.safetensors")]
    [InlineData("rng.bin")]
    public void AFlippedByteInAResumeCheckpointIsRunCheckpointChangedAndNothingTrains(string file)
    {
        var path = Interrupted(file);
        var target = Path.Combine(path, "checkpoint-00000002", file);
        var bytes = File.ReadAllBytes(target);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(target, bytes);
        var metricsBefore = File.ReadAllText(Path.Combine(path, "metrics.jsonl"));

        var error = Rerun(path);
        Assert.Equal("RunCheckpointChanged", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
        Assert.Contains(file, error.Message);
        Assert.Contains("-Restart", error.Message);
        Assert.Equal(metricsBefore, File.ReadAllText(Path.Combine(path, "metrics.jsonl")));
        Assert.False(Directory.Exists(Path.Combine(path, "checkpoint-00000004")));
    }

    [Fact]
    public void AMissingListedFileIsRunCheckpointChanged()
    {
        var path = Interrupted("missing");
        File.Delete(Path.Combine(path, "checkpoint-00000002", "optimizer.bin"));
        var error = Rerun(path);
        Assert.Equal("RunCheckpointChanged", error.ErrorId);
        Assert.Contains("missing", error.Message);
    }

    [Fact]
    public void AnUntouchedCheckpointResumesAndAFinishedRunIsVerifiedToo()
    {
        var path = Interrupted("intact");
        using (var model = TinyFixtures.Model())
        {
            var result = MlmTrainer.Train(model, TinyFixtures.Examples(model, 12, 1), Options with { OutputPath = path });
            Assert.Equal(RunStart.Resumed, result.Run.Start);
            Assert.Equal(4, model.StepsTrained);
        }
        // The finished run's checkpoint is what a rerun hands back; changed, it is refused as well.
        var final = Path.Combine(path, "checkpoint-00000004", "model.safetensors");
        using (var stream = File.OpenWrite(final)) { stream.Seek(-1, SeekOrigin.End); stream.WriteByte(0x7f); }
        Assert.Equal("RunCheckpointChanged", Rerun(path).ErrorId);
    }
}
