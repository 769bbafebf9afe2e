using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Training;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests;

/// <summary>Dropout from the model's own stream (<see cref="DropoutRandom"/>) and that stream in checkpoints.</summary>
public sealed class ModelDropoutTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-dropout-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    [Fact]
    public void SeededDropoutZeroesAboutPOfTheElementsAndScalesTheRestInTrainingOnly()
    {
        using var random = new DropoutRandom(1);
        using var dropout = new SeededDropout(0.25, random);
        using var scope = NewDisposeScope();
        var input = ones(100_000);
        dropout.train();
        var values = dropout.call(input).data<float>().ToArray();
        double dropped = values.Count(v => v == 0) / (double)values.Length;
        Assert.InRange(dropped, 0.24, 0.26);
        Assert.All(values.Where(v => v != 0), v => Assert.Equal(1 / 0.75f, v, 1e-6f));
        dropout.eval();
        Assert.Equal(input.data<float>().ToArray(), dropout.call(input).data<float>().ToArray());
    }

    [Fact]
    public void AStreamPutBackOrReseededRepeatsItsMasks()
    {
        using var random = new DropoutRandom(7);
        using var scope = NewDisposeScope();
        var like = empty(1000);
        var first = random.Mask(like, 0.9).data<float>().ToArray();
        var state = random.GetState();
        var second = random.Mask(like, 0.9).data<float>().ToArray();
        Assert.NotEqual(first, second);
        random.SetState(state, "test");
        Assert.Equal(second, random.Mask(like, 0.9).data<float>().ToArray());
        random.Reseed(7);
        Assert.Equal(first, random.Mask(like, 0.9).data<float>().ToArray());
        // Another seed, another stream; and libtorch's global generator is not touched.
        var global = get_rng_state().bytes.ToArray();
        random.Reseed(8);
        Assert.NotEqual(first, random.Mask(like, 0.9).data<float>().ToArray());
        Assert.Equal(global, get_rng_state().bytes.ToArray());
    }

    string CheckpointAfterTwoOfFourSteps(string name, MlmTrainingOptions options)
    {
        var path = Path.Combine(temp, name);
        using var model = TinyFixtures.Model();
        using var cancel = new CancellationTokenSource();
        MlmTrainer.Train(model, TinyFixtures.Examples(model, 12, 1), options with { OutputPath = path },
            onStep: (m, _) => { if (m.Step == 2) cancel.Cancel(); }, cancellation: cancel.Token);
        return Path.Combine(path, "checkpoint-00000002", "rng.bin");
    }

    [Fact]
    public void ACheckpointWhoseRngFileHoldsTheGlobalGeneratorStateAsBeforeStillResumes()
    {
        var options = new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 4, Seed = 3, Threads = 1 };
        var rng = CheckpointAfterTwoOfFourSteps("old", options);
        // What checkpoints written before the model had its own stream hold: libtorch's global CPU generator.
        manual_seed(3);
        File.WriteAllBytes(rng, get_rng_state().bytes.ToArray());
        // Such a checkpoint's manifest hashed the rng.bin it was written with; rewriting the file here
        // stands in for writing it then, so the manifest goes (the run would refuse a changed file).
        File.Delete(Path.Combine(Path.GetDirectoryName(rng)!, "bertadapt_manifest.json"));
        using var model = TinyFixtures.Model();
        var result = MlmTrainer.Train(model, TinyFixtures.Examples(model, 12, 1), options with { OutputPath = Path.GetDirectoryName(Path.GetDirectoryName(rng)) });
        Assert.Equal(RunStart.Resumed, result.Run.Start);
        Assert.Equal(2, result.ResumedFromStep);
        Assert.Equal(4, model.StepsTrained);
    }

    [Fact]
    public void AnRngFileOfTheWrongLengthInACheckpointWithoutManifestIsCheckpointCorrupt()
    {
        var options = new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 4, Seed = 3, Threads = 1 };
        var rng = CheckpointAfterTwoOfFourSteps("truncated", options);
        File.WriteAllBytes(rng, File.ReadAllBytes(rng)[..100]);
        // With its manifest, the run refuses the changed file first (RunCheckpointTests); without
        // one, as written before manifests, the reader's own length check must still catch it.
        File.Delete(Path.Combine(Path.GetDirectoryName(rng)!, "bertadapt_manifest.json"));
        using var model = TinyFixtures.Model();
        var ex = Assert.Throws<BertAdaptException>(() =>
            MlmTrainer.Train(model, TinyFixtures.Examples(model, 12, 1), options with { OutputPath = Path.GetDirectoryName(Path.GetDirectoryName(rng)) }));
        Assert.Equal("CheckpointCorrupt", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Contains("rng.bin", ex.Message);
    }
}
