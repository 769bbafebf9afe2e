using System.Runtime.InteropServices;
using BertAdapt.Engine.Training;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests;

/// <summary>
/// A model's random streams are its own: models and runs of one seed made at the same time on
/// other threads, while yet another thread draws from (and reseeds) libtorch's process-wide
/// generator, come out bit for bit as when each is made alone (issue 17 item 8).
/// </summary>
public sealed class ConcurrentModelTests
{
    /// <summary>Draws from and reseeds libtorch's default generator until disposed, as other code in the process may.</summary>
    sealed class GlobalGeneratorNoise : IDisposable
    {
        readonly CancellationTokenSource stop = new();
        readonly Thread thread;

        public GlobalGeneratorNoise()
        {
            thread = new Thread(() =>
            {
                long i = 0;
                while (!stop.IsCancellationRequested)
                {
                    using (var scope = NewDisposeScope())
                    {
                        rand(64).sum().item<float>();
                        nn.functional.dropout(ones(64), 0.5, training: true).sum().item<float>();
                    }
                    if (++i % 7 == 0) manual_seed(i);
                }
            }) { IsBackground = true };
            thread.Start();
        }

        public void Dispose()
        {
            stop.Cancel();
            thread.Join();
            stop.Dispose();
        }
    }

    static byte[] Weights(BertModel model)
    {
        using var scope = NewDisposeScope();
        return model.Module.named_parameters()
            .SelectMany(p => MemoryMarshal.AsBytes(p.parameter.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray().AsSpan()).ToArray()).ToArray();
    }

    static T[] AtOnce<T>(int count, Func<T> work)
    {
        using var start = new Barrier(count);
        var results = new T[count];
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() => { start.SignalAndWait(); results[i] = work(); })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return results;
    }

    [Fact]
    public void TwoModelsOfOneSeedBuiltAtOnceEqualOneBuiltAlone()
    {
        byte[] alone;
        using (var model = TinyFixtures.Model(seed: 1)) alone = Weights(model);

        for (int round = 0; round < 3; round++)
        {
            byte[][] together;
            using (new GlobalGeneratorNoise())
                together = AtOnce(2, () =>
                {
                    using var model = TinyFixtures.Model(seed: 1);
                    return Weights(model);
                });
            Assert.Equal(alone, together[0]);
            Assert.Equal(alone, together[1]);
        }
    }

    static double[] TrainWithDropout()
    {
        using var model = TinyFixtures.Model(seed: 1);
        Assert.Equal(0.1, model.Config.HiddenDropoutProb);
        Assert.Equal(0.1, model.Config.AttentionProbsDropoutProb);
        var options = new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 6, LearningRate = 1e-3, Seed = 3, Threads = 1 };
        MlmTrainer.Train(model, TinyFixtures.Examples(model, 12, 1), options);
        return model.History.Select(m => m.Loss).ToArray();
    }

    [Fact]
    public void TwoMlmRunsOfOneSeedWithDropoutTrainedAtOnceGiveTheLossesOfOneAlone()
    {
        var alone = TrainWithDropout();
        Assert.Equal(alone, TrainWithDropout());

        double[][] together;
        using (new GlobalGeneratorNoise())
            together = AtOnce(2, TrainWithDropout);
        Assert.Equal(alone, together[0]);
        Assert.Equal(alone, together[1]);
    }

    [Fact]
    public void ReseedingTheGlobalGeneratorBetweenStepsDoesNotChangeADropoutRun()
    {
        using var model = TinyFixtures.Model(seed: 1);
        var options = new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 6, LearningRate = 1e-3, Seed = 3, Threads = 1 };
        // Each step reseeds libtorch's generator: with dropout drawing from it, the masks would change.
        MlmTrainer.Train(model, TinyFixtures.Examples(model, 12, 1), options, onStep: (m, _) => manual_seed(1000 + m.Step));
        Assert.Equal(TrainWithDropout(), model.History.Select(m => m.Loss));
    }
}
