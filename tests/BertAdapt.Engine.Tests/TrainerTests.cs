using System.Text.Json;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests;

public sealed class TrainerTests(ITestOutputHelper output) : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-trainer-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static BertModel TinyModel(double dropout = 0.1)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var config = TinyFixtures.Config(vocabulary.Count);
        config.HiddenDropoutProb = dropout;
        config.AttentionProbsDropoutProb = dropout;
        return BertModel.Create(config, vocabulary, 1, "test");
    }

    ITrainingExamples Examples(BertModel model, int documents, int seed)
    {
        return TinyFixtures.Examples(model.Vocabulary, TinyFixtures.CorpusText(documents, seed), 32);
    }

    static double[] Losses(string metricsPath) => File.ReadLines(metricsPath)
        .Select(l => JsonSerializer.Deserialize<TrainingStepMetrics>(l)!.Loss).ToArray();

    [Fact]
    public void ResumingAfterACrashReproducesTheUninterruptedLossesExactly()
    {
        var options = new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 12, LearningRate = 1e-3, CheckpointEvery = 4, Seed = 3 };
        var whole = Path.Combine(temp, "whole");
        using (var model = TinyModel())
            MlmTrainer.Train(model, Examples(model, 20, 1), options with { OutputPath = whole });

        var crashed = Path.Combine(temp, "crashed");
        using (var model = TinyModel())
        {
            // A crash after step 6: checkpoint 4 exists, steps 5 and 6 are in the metrics but not saved.
            Assert.Throws<InvalidOperationException>(() => MlmTrainer.Train(model, Examples(model, 20, 1), options with { OutputPath = crashed },
                onStep: (m, _) => { if (m.Step == 6) throw new InvalidOperationException("simulated crash"); }));
        }
        Assert.Equal(6, Losses(Path.Combine(crashed, "metrics.jsonl")).Length);
        using (var model = TinyModel())
        {
            var result = MlmTrainer.Train(model, Examples(model, 20, 1), options with { OutputPath = crashed });
            Assert.Equal(4, result.ResumedFromStep);
            Assert.Equal(8, result.Steps);
            Assert.Equal(12, model.StepsTrained);
            Assert.Equal(12, model.History.Count);
        }
        var expected = Losses(Path.Combine(whole, "metrics.jsonl"));
        var actual = Losses(Path.Combine(crashed, "metrics.jsonl"));
        output.WriteLine(string.Join(", ", actual.Select(l => l.ToString("F6"))));
        Assert.Equal(expected, actual);
        Assert.Equal(2, Directory.GetDirectories(crashed, "checkpoint-*").Length);
    }

    [Fact]
    public void AResumedRunKeepsTheLinesOfOtherRunsInASharedMetricsFile()
    {
        var metrics = Path.Combine(temp, "shared.jsonl");
        var options = new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 6, CheckpointEvery = 2, MetricsPath = metrics };
        using (var model = TinyModel())
            MlmTrainer.Train(model, Examples(model, 20, 1), options with { CheckpointEvery = null, MaxSteps = 3 });
        var job = Path.Combine(temp, "shared-job");
        using (var model = TinyModel())
            Assert.Throws<InvalidOperationException>(() => MlmTrainer.Train(model, Examples(model, 20, 1), options with { OutputPath = job },
                onStep: (m, _) => { if (m.RunStep == 3) throw new InvalidOperationException("simulated crash"); }));
        using (var model = TinyModel())
            Assert.Equal(RunStart.Resumed, MlmTrainer.Train(model, Examples(model, 20, 1), options with { OutputPath = job }).Run.Start);

        var lines = File.ReadLines(metrics).Select(l => JsonSerializer.Deserialize<TrainingStepMetrics>(l)!).ToList();
        var runs = lines.GroupBy(l => l.RunId).ToList();
        Assert.Equal(2, runs.Count);
        Assert.Equal([1, 2, 3], runs[0].Select(l => l.RunStep!.Value));
        Assert.Equal([1, 2, 3, 4, 5, 6], runs[1].Select(l => l.RunStep!.Value));
    }

    [Fact]
    public void ARerunOnOtherExamplesStopsWithTrainingRunChangedNamingTheData()
    {
        var job = Path.Combine(temp, "changed");
        var options = new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 2, OutputPath = job };
        using (var model = TinyModel())
            MlmTrainer.Train(model, Examples(model, 20, 1), options);
        using (var model = TinyModel())
        {
            var ex = Assert.Throws<BertAdaptException>(() => MlmTrainer.Train(model, Examples(model, 20, 2), options));
            Assert.Equal("TrainingRunChanged", ex.ErrorId);
            Assert.Contains("Training data: ", ex.Message);
            Assert.DoesNotContain("Batch size", ex.Message);
        }
    }

    [Fact]
    public void ASecondJobOnTheSameOutputPathFails()
    {
        var path = Path.Combine(temp, "locked");
        using var first = RunDirectory.Open(path);
        var ex = Assert.Throws<BertAdaptException>(() => RunDirectory.Open(path));
        Assert.Equal("OutputPathLocked", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.ResourceUnavailable, ex.Kind);
    }

    [Fact]
    public void CancellingWithAnOutputPathSavesACheckpointOfTheLastStep()
    {
        var path = Path.Combine(temp, "cancelled");
        using var model = TinyModel();
        using var cancel = new CancellationTokenSource();
        var result = MlmTrainer.Train(model, Examples(model, 20, 2),
            new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 50, OutputPath = path, CheckpointEvery = 100 },
            onStep: (m, _) => { if (m.Step == 3) cancel.Cancel(); }, cancellation: cancel.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(["checkpoint-00000003"], Directory.GetDirectories(path, "checkpoint-*").Select(Path.GetFileName));
    }

    [Fact]
    public void NonFiniteLossesAreSkippedAndParametersStayFinite()
    {
        using var model = TinyModel();
        var warnings = new List<string>();
        var result = MlmTrainer.Train(model, Examples(model, 20, 3), null,
            new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 6, LearningRate = 1e-3, PoisonLossAtAttempt = a => a is 3 or 4 },
            new TrainingCallbacks { Warning = warnings.Add });
        Assert.Equal(6, result.Steps);
        Assert.Equal(2, result.SkippedNonFiniteSteps);
        Assert.Equal(2, warnings.Count);
        Assert.All(model.Module.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
        Assert.All(model.History, m => Assert.True(double.IsFinite(m.Loss)));
    }

    [Fact]
    public void GradientAccumulationCombinesTheMicroBatches()
    {
        // With a large Adam epsilon the first update is proportional to the gradient, so weight
        // differences show gradient differences. 4 x 2 accumulated must land near one batch of 8
        // (the same examples and masks; only per-micro-batch averaging differs), and far closer
        // than a single batch of 4, which is what a broken accumulation would amount to.
        var common = new MlmTrainingOptions { SequenceLength = 32, MaxSteps = 1, LearningRate = 1e-2, WarmupSteps = 0, MaxGradNorm = 1e9, AdamEpsilon = 1.0, WeightDecay = 0 };
        double Distance(BertModel x, BertModel y) => x.Module.parameters().Zip(y.Module.parameters())
            .Sum(p => (p.First - p.Second).pow(2).sum().item<float>());
        using var eight = TinyModel(dropout: 0);
        using var accumulated = TinyModel(dropout: 0);
        using var four = TinyModel(dropout: 0);
        var examples = Examples(eight, 20, 4);
        MlmTrainer.Train(eight, examples, common with { BatchSize = 8 });
        MlmTrainer.Train(accumulated, examples, common with { BatchSize = 4, GradientAccumulation = 2 });
        MlmTrainer.Train(four, examples, common with { BatchSize = 4 });
        double near = Distance(eight, accumulated), far = Distance(eight, four);
        output.WriteLine($"squared distance to batch 8: accumulated 4x2 {near:E3}, single 4 {far:E3}");
        Assert.True(near < far / 10, $"accumulated {near} is not much closer than a single micro-batch {far}");
    }

    [Fact]
    public void ValidationIsMeasuredAndEarlyStoppingStopsTheRun()
    {
        using var model = TinyModel();
        var train = Examples(model, 30, 5);
        var validation = Examples(model, 5, 6);
        var result = MlmTrainer.Train(model, train, validation,
            new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 200, LearningRate = 5e-2, EvalEvery = 2, EarlyStoppingPatience = 2 },
            new TrainingCallbacks());
        var evaluated = model.History.Where(m => m.ValidationPerplexity is not null).ToList();
        output.WriteLine($"stopped after {result.Steps} steps; best validation perplexity {result.BestValidationPerplexity:F2}");
        Assert.True(result.EarlyStopped);
        Assert.True(result.Steps < 200);
        Assert.Equal(result.Steps / 2, evaluated.Count);
        Assert.Equal(evaluated.Min(m => m.ValidationPerplexity), result.BestValidationPerplexity);
    }

    [Fact]
    public void SchedulesHaveTheirShapes()
    {
        var cosine = new LearningRateSchedule(ScheduleKind.Cosine, 1.0, WarmupSteps: 0, TotalSteps: 100);
        Assert.Equal(1.0, cosine.At(0), 12);
        Assert.Equal(0.5, cosine.At(50), 12);
        Assert.Equal(0.0, cosine.At(100), 12);
        var constant = new LearningRateSchedule(ScheduleKind.Constant, 1.0, WarmupSteps: 4, TotalSteps: 100);
        Assert.Equal(0.25, constant.At(0), 12);
        Assert.Equal(1.0, constant.At(99), 12);
    }

    [Fact]
    public void SeededPermutationIsABijectionThatDependsOnSeedAndEpoch()
    {
        foreach (var n in new long[] { 1, 2, 7, 100, 1000 })
        {
            var p = new SeededPermutation(n, 5, 0);
            var seen = Enumerable.Range(0, (int)n).Select(i => p[i]).ToHashSet();
            Assert.Equal(n, seen.Count);
            Assert.All(seen, v => Assert.InRange(v, 0, n - 1));
        }
        var a = new SeededPermutation(1000, 5, 0);
        var b = new SeededPermutation(1000, 5, 1);
        var c = new SeededPermutation(1000, 6, 0);
        Assert.NotEqual(Enumerable.Range(0, 1000).Select(i => a[i]), Enumerable.Range(0, 1000).Select(i => b[i]));
        Assert.NotEqual(Enumerable.Range(0, 1000).Select(i => a[i]), Enumerable.Range(0, 1000).Select(i => c[i]));
    }

    [Fact]
    public void TheOptimizerDecaysWeightsButNotBiasesOrLayerNorm()
    {
        using var model = TinyModel();
        var options = new MlmTrainingOptions { WeightDecay = 0.05 };
        using var optimizer = TrainingLoop.CreateOptimizer(model.Module, options);
        var groups = optimizer.ParamGroups.Cast<TorchSharp.Modules.AdamW.ParamGroup>().ToList();
        Assert.Equal(2, groups.Count);
        Assert.Equal(0.05, groups[0].Options.weight_decay);
        Assert.Equal(0.0, groups[1].Options.weight_decay);
        var named = model.Module.named_parameters().ToList();
        Assert.Equal(named.Count, groups.Sum(g => g.Parameters.Count()));
        Assert.Equal(named.Count(p => p.name.EndsWith("bias", StringComparison.Ordinal) || p.name.Contains("LayerNorm", StringComparison.Ordinal)),
            groups[1].Parameters.Count());
    }

    [Fact]
    public void EachStepReportsTheEpochItsDataCameFrom()
    {
        using var model = TinyModel();
        var examples = Examples(model, 10, 8);
        int stepsPerEpoch = (int)((examples.Count + 3) / 4);
        MlmTrainer.Train(model, examples, new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, Epochs = 2 });
        Assert.Equal(2 * stepsPerEpoch, model.History.Count);
        Assert.All(model.History.Take(stepsPerEpoch), m => Assert.Equal(0, m.Epoch));
        Assert.All(model.History.Skip(stepsPerEpoch), m => Assert.Equal(1, m.Epoch));
    }

    [Fact]
    public void TheBestValidationWeightsAreKeptInTheJobDirectory()
    {
        var path = Path.Combine(temp, "best-job");
        using var model = TinyModel();
        var validation = Examples(model, 5, 6);
        var result = MlmTrainer.Train(model, Examples(model, 30, 5), validation,
            new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 200, LearningRate = 5e-2, EvalEvery = 2, EarlyStoppingPatience = 2, OutputPath = path },
            new TrainingCallbacks());
        Assert.True(result.EarlyStopped);
        using var best = Engine.Checkpoints.HfCheckpointDirectory.Import(Path.Combine(path, "best"));
        var measured = Engine.Evaluation.PerplexityEvaluator.Measure(best, validation, 4, 0.15, 42);
        Assert.Equal(result.BestValidationPerplexity!.Value, measured.Perplexity, 6);
        // The run stopped after evaluations that were worse, so the final weights differ from the best ones.
        Assert.True(Engine.Evaluation.PerplexityEvaluator.Measure(model, validation, 4, 0.15, 42).Perplexity > measured.Perplexity);
    }
}
