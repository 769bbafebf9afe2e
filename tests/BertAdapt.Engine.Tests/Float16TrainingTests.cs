using System.Text.Json;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Tests;

/// <summary>
/// -Precision Float16: float16 matmuls over float32 master weights with dynamic loss scaling, run
/// here on the CPU (libtorch computes float16 there too, slowly). On a GPU this is the mode for
/// cards without bfloat16; no GPU has run it.
/// </summary>
public sealed class Float16TrainingTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-fp16-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static List<TrainingStepMetrics> Train(MlmTrainingOptions options, List<string>? info = null)
    {
        using var model = TinyFixtures.Model();
        var examples = TinyFixtures.Examples(model, 20, 4);
        MlmTrainer.Train(model, examples, null, options, new TrainingCallbacks { Info = info is null ? null : info.Add });
        return [.. model.History];
    }

    static readonly MlmTrainingOptions Options = new() { BatchSize = 4, SequenceLength = 32, MaxSteps = 6, LearningRate = 1e-3, Seed = 9 };

    [Fact]
    public void Float16LossesFollowFloat32AndEachStepRecordsItsScale()
    {
        var single = Train(Options);
        var half = Train(Options with { Precision = TrainingPrecision.Float16 });
        Assert.Equal(6, half.Count);
        for (int i = 0; i < single.Count; i++)
            Assert.True(Math.Abs(half[i].Loss - single[i].Loss) <= 0.01 * single[i].Loss, $"step {i + 1}: float16 {half[i].Loss}, float32 {single[i].Loss}");
        Assert.All(half, m => Assert.Equal(LossScaler.DefaultInitialScale, m.LossScale));
        Assert.All(single, m => Assert.Null(m.LossScale));
    }

    [Fact]
    public void OverflowSkipsTheStepAndHalvesTheScaleWithoutCountingAsDivergence()
    {
        var info = new List<string>();
        using var model = TinyFixtures.Model();
        var examples = TinyFixtures.Examples(model, 20, 4);
        // 2^40 times the loss overflows float16 (largest finite value 65504) in the backward matmuls.
        var result = MlmTrainer.Train(model, examples, null, Options with { Precision = TrainingPrecision.Float16, InitialLossScale = Math.Pow(2, 40) },
            new TrainingCallbacks { Info = info.Add });
        Assert.Equal(6, result.Steps);
        Assert.Equal(0, result.SkippedNonFiniteSteps);
        var overflows = info.Where(m => m.Contains("float16 gradients overflowed")).ToList();
        Assert.NotEmpty(overflows);
        var scales = model.History.Select(m => m.LossScale!.Value).ToList();
        // Each overflow halved the scale (no step lasts the 2,000 good steps that would double it).
        Assert.Equal(Math.Pow(2, 40) / Math.Pow(2, overflows.Count), scales[^1]);
        Assert.True(scales.Zip(scales.Skip(1)).All(pair => pair.Second <= pair.First), string.Join(", ", scales));
        Assert.True(scales[0] <= 65504 * 4, $"the first good step ran at scale {scales[0]}");
        Assert.All(model.History, m => Assert.True(double.IsFinite(m.Loss) && double.IsFinite(m.GradNorm)));
    }

    [Fact]
    public void TheScaleIsSavedWithCheckpoints()
    {
        var output = Path.Combine(temp, "job");
        Train(Options with { Precision = TrainingPrecision.Float16, OutputPath = output, MaxSteps = 2 });
        var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "checkpoint-00000002", "trainer_state.json"))).RootElement;
        Assert.Equal(LossScaler.DefaultInitialScale, state.GetProperty("loss_scale").GetDouble());
        Assert.Equal(2, state.GetProperty("loss_scale_good_steps").GetInt32());
    }
}
