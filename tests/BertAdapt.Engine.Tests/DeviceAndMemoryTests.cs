using System.Text.Json;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Tests;

/// <summary>
/// Running out of memory mid-run: a clear error and a checkpoint a rerun resumes from exactly.
/// The out-of-memory error here is real, from libtorch's CPU allocator (the loop asks for 4 PiB);
/// a GPU raises the same exception type with "CUDA out of memory", which no test here can make.
/// </summary>
public sealed class DeviceAndMemoryTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-memory-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static double[] Losses(string metricsPath) => File.ReadLines(metricsPath)
        .Select(l => JsonSerializer.Deserialize<TrainingStepMetrics>(l)!.Loss).ToArray();

    [Fact]
    public void RunningOutOfMemorySavesTheLastStepAndTheRerunResumesExactly()
    {
        var options = new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 6, LearningRate = 1e-3, CheckpointEvery = 100, Seed = 5 };
        var whole = Path.Combine(temp, "whole");
        using (var model = TinyFixtures.Model())
            MlmTrainer.Train(model, TinyFixtures.Examples(model, 20, 2), options with { OutputPath = whole });

        var failed = Path.Combine(temp, "failed");
        using (var model = TinyFixtures.Model())
        {
            var examples = TinyFixtures.Examples(model, 20, 2);
            var error = Assert.Throws<BertAdaptException>(() => MlmTrainer.Train(model, examples,
                options with { OutputPath = failed, ExhaustMemoryAtAttempt = a => a == 4 }));
            Assert.Equal(DeviceOutOfMemory.ErrorId, error.ErrorId);
            Assert.Equal(BertAdaptErrorKind.ResourceUnavailable, error.Kind);
            Assert.Contains("cpu ran out of memory while computing step 4", error.Message);
            Assert.Contains($"The last completed step (3) was saved in '{Path.Combine(failed, "checkpoint-00000003")}'", error.Message);
            Assert.Contains("Lower -BatchSize", error.Message);
            Assert.Equal(3, model.StepsTrained);
        }
        Assert.True(Directory.Exists(Path.Combine(failed, "checkpoint-00000003")));

        using (var model = TinyFixtures.Model())
        {
            var result = MlmTrainer.Train(model, TinyFixtures.Examples(model, 20, 2), options with { OutputPath = failed });
            Assert.Equal(3, result.ResumedFromStep);
            Assert.Equal(3, result.Steps);
        }
        Assert.Equal(Losses(Path.Combine(whole, "metrics.jsonl")), Losses(Path.Combine(failed, "metrics.jsonl")));
    }

    [Fact]
    public void WithoutAJobDirectoryTheErrorSaysNothingWasSaved()
    {
        using var model = TinyFixtures.Model();
        var examples = TinyFixtures.Examples(model, 10, 3);
        var error = Assert.Throws<BertAdaptException>(() => MlmTrainer.Train(model, examples,
            new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 2, ExhaustMemoryAtAttempt = a => a == 1 }));
        Assert.Equal(DeviceOutOfMemory.ErrorId, error.ErrorId);
        Assert.Contains("Nothing was saved: give -OutputPath", error.Message);
    }

    [Theory]
    [InlineData("Auto", DeviceKind.Auto, null)]
    [InlineData("cpu", DeviceKind.Cpu, null)]
    [InlineData(" CUDA ", DeviceKind.Cuda, null)]
    [InlineData("cuda:0", DeviceKind.Cuda, 0)]
    [InlineData("Cuda:12", DeviceKind.Cuda, 12)]
    public void DevicesParse(string text, DeviceKind kind, int? index)
    {
        Assert.True(DeviceSelector.TryParse(text, out var parsedKind, out var parsedIndex, out var why), why);
        Assert.Equal((kind, index), (parsedKind, parsedIndex));
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("1")]
    [InlineData("cpu:0")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("")]
    public void OtherDevicesDoNot(string text) => Assert.False(DeviceSelector.TryParse(text, out _, out _, out _));
}
