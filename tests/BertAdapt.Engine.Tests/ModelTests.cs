using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests;

public sealed class ModelTests(ITestOutputHelper output) : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-model-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static BertModel TinyModel(long seed = 1)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        return BertModel.Create(TinyFixtures.Config(vocabulary.Count), vocabulary, seed, "test");
    }

    ITrainingExamples Sequences(BertModel model, int documents, int seed, int length = 32)
    {
        return TinyFixtures.Examples(model.Vocabulary, TinyFixtures.CorpusText(documents, seed), length);
    }

    [Fact]
    public void StateDictNamesAndShapesAreHuggingFaces()
    {
        using var model = TinyModel();
        var actual = model.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var expected = StateDictLayout.PreTraining(model.Config);
        Assert.Equal(expected.Keys.OrderBy(k => k, StringComparer.Ordinal), actual.Keys.OrderBy(k => k, StringComparer.Ordinal));
        foreach (var (name, shape) in expected) Assert.Equal(shape, actual[name]);
        Assert.Contains("bert.encoder.layer.1.attention.self.query.weight", actual.Keys);
        Assert.Contains("cls.predictions.transform.LayerNorm.bias", actual.Keys);
    }

    [Fact]
    public void InitialisationFollowsHuggingFace()
    {
        using var model = TinyModel();
        var p = model.Module.named_parameters().ToDictionary(x => x.name, x => x.parameter);
        Assert.True(p["bert.embeddings.LayerNorm.weight"].eq(1).all().item<bool>());
        Assert.True(p["bert.encoder.layer.0.output.dense.bias"].eq(0).all().item<bool>());
        Assert.True(p["cls.predictions.bias"].eq(0).all().item<bool>());
        double std = p["bert.encoder.layer.0.intermediate.dense.weight"].std().item<float>();
        Assert.InRange(std, 0.018, 0.022);
        Assert.True(p["bert.embeddings.word_embeddings.weight"][model.Vocabulary.PadId].eq(0).all().item<bool>());
    }

    [Fact]
    public void SameSeedSameWeightsDifferentSeedDifferentWeights()
    {
        using var a = TinyModel(5);
        using var b = TinyModel(5);
        using var c = TinyModel(6);
        var wa = a.Module.named_parameters().First(x => x.name.EndsWith("query.weight")).parameter;
        var wb = b.Module.named_parameters().First(x => x.name.EndsWith("query.weight")).parameter;
        var wc = c.Module.named_parameters().First(x => x.name.EndsWith("query.weight")).parameter;
        Assert.True(wa.eq(wb).all().item<bool>());
        Assert.False(wa.eq(wc).all().item<bool>());
    }

    [Fact]
    public void PaddingDoesNotChangeTheEncodingOfRealTokens()
    {
        using var model = TinyModel();
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 2, 10, 11, 12, 3 }, [1, 5]);
        var padded = tensor(new long[] { 2, 10, 11, 12, 3, 0, 0, 0 }, [1, 8]);
        var plain = model.Module.Bert.Encode(ids, zeros_like(ids), ones_like(ids));
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 0, 0, 0 }, [1, 8]);
        var withPad = model.Module.Bert.Encode(padded, zeros_like(padded), mask);
        double diff = (plain - withPad.narrow(1, 0, 5)).abs().max().item<float>();
        output.WriteLine($"max |diff| with padding: {diff:E2}");
        Assert.True(diff < 1e-5, $"padding changed the real tokens' encoding by {diff}");
    }

    [Fact]
    public void TrainingLowersPerplexityOnLearnableText()
    {
        using var model = TinyModel();
        var train = Sequences(model, 200, 1);
        var heldOut = Sequences(model, 30, 2);
        var before = PerplexityEvaluator.Measure(model, heldOut, seed: 3);
        var result = MlmTrainer.Train(model, train, new MlmTrainingOptions { BatchSize = 16, SequenceLength = 32, MaxSteps = 150, LearningRate = 1e-3, WarmupSteps = 10 });
        var after = PerplexityEvaluator.Measure(model, heldOut, seed: 3);
        output.WriteLine($"perplexity before {before.Perplexity:F1}, after {after.Perplexity:F1} ({result.Steps} steps)");
        Assert.Equal(150, result.Steps);
        Assert.Equal(150, model.StepsTrained);
        Assert.True(after.Perplexity < before.Perplexity / 3, $"after {after.Perplexity} is not below a third of {before.Perplexity}");
    }

    [Fact]
    public void PerplexityIsDeterministic()
    {
        using var model = TinyModel();
        var heldOut = Sequences(model, 10, 2);
        var a = PerplexityEvaluator.Measure(model, heldOut, seed: 9);
        var b = PerplexityEvaluator.Measure(model, heldOut, seed: 9);
        Assert.Equal(a, b);
    }

    [Fact]
    public void PerplexityDoesNotDependOnTheBatchSize()
    {
        using var model = TinyModel();
        var heldOut = Sequences(model, 10, 2);
        var a = PerplexityEvaluator.Measure(model, heldOut, batchSize: 32, seed: 9);
        var b = PerplexityEvaluator.Measure(model, heldOut, batchSize: 3, seed: 9);
        Assert.Equal(a.MaskedTokens, b.MaskedTokens);
        // Same masks, so only float summation order differs between batch sizes.
        Assert.True(Math.Abs(a.Perplexity - b.Perplexity) / a.Perplexity < 1e-6, $"{a.Perplexity} vs {b.Perplexity}");
    }

    [Fact]
    public void LiveTensorCountDoesNotGrowOver200Steps()
    {
        using var model = TinyModel();
        var train = Sequences(model, 40, 4);
        long? afterWarmup = null, atEnd = null;
        MlmTrainer.Train(model, train, new MlmTrainingOptions { BatchSize = 8, SequenceLength = 32, MaxSteps = 200, LearningRate = 1e-3 },
            onStep: (m, total) =>
            {
                long live = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                if (m.Step == 10) afterWarmup = live;
                if (m.Step == 200) atEnd = live;
            });
        output.WriteLine($"live tensors after step 10: {afterWarmup}, after step 200: {atEnd}");
        Assert.NotNull(afterWarmup);
        Assert.Equal(afterWarmup, atEnd);
    }

    [Fact]
    public void ExportImportExportIsByteIdenticalAndGivesTheSameLoss()
    {
        using var model = TinyModel();
        var train = Sequences(model, 20, 5);
        MlmTrainer.Train(model, train, new MlmTrainingOptions { BatchSize = 8, SequenceLength = 32, MaxSteps = 5, LearningRate = 1e-3 });
        var first = Path.Combine(temp, "first");
        var second = Path.Combine(temp, "second");
        HfCheckpointDirectory.Export(model, first, force: false);
        using var imported = HfCheckpointDirectory.Import(first);
        HfCheckpointDirectory.Export(imported, second, force: false);
        Assert.Equal(File.ReadAllBytes(Path.Combine(first, "model.safetensors")), File.ReadAllBytes(Path.Combine(second, "model.safetensors")));
        Assert.Equal(File.ReadAllText(Path.Combine(first, "config.json")), File.ReadAllText(Path.Combine(second, "config.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(first, "vocab.txt")), File.ReadAllText(Path.Combine(second, "vocab.txt")));
        var a = PerplexityEvaluator.Measure(model, train, seed: 1);
        var b = PerplexityEvaluator.Measure(imported, train, seed: 1);
        Assert.Equal(a.Loss, b.Loss);
        Assert.Empty(imported.LoadReport);
    }

    [Fact]
    public void CancellationStopsTrainingCleanlyAfterTheCurrentStep()
    {
        using var model = TinyModel();
        var train = Sequences(model, 20, 6);
        using var cancel = new CancellationTokenSource();
        var result = MlmTrainer.Train(model, train, new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 50 },
            onStep: (m, _) => { if (m.Step == 5) cancel.Cancel(); }, cancellation: cancel.Token);
        Assert.True(result.Cancelled);
        Assert.Equal(5, result.Steps);
        Assert.Equal(5, model.StepsTrained);
        Assert.False(model.Module.training);
    }

    [Fact]
    public void NonFiniteLossesAreSkippedThenStopTheRun()
    {
        using var model = TinyModel();
        var train = Sequences(model, 20, 7);
        using (no_grad())
            model.Module.named_parameters().First(p => p.name == "cls.predictions.bias").parameter.fill_(double.NaN);
        var warnings = new List<string>();
        var ex = Assert.Throws<BertAdaptException>(() => MlmTrainer.Train(model, train,
            new MlmTrainingOptions { BatchSize = 4, SequenceLength = 32, MaxSteps = 50, MaxConsecutiveNonFiniteSteps = 3 }, onWarning: warnings.Add));
        Assert.Equal("TrainingDiverged", ex.ErrorId);
        Assert.Equal(4, warnings.Count);
        Assert.Equal(0, model.StepsTrained);
    }

    [Fact]
    public void LinearScheduleWarmsUpThenDecaysToZero()
    {
        var schedule = new LearningRateSchedule(ScheduleKind.Linear, 1e-3, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(1e-4, schedule.At(0), 12);
        Assert.Equal(1e-3, schedule.At(9), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.Equal(5e-4, schedule.At(60), 12);
        Assert.Equal(1e-5, schedule.At(109), 12);
    }

    [Fact]
    public void MaskingChoosesAboutFifteenPercentOfOrdinaryTokensWithEightyTenTen()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var masker = new MlmMasker(vocabulary);
        var sequence = new int[130];
        sequence[0] = vocabulary.ClsId;
        sequence[^1] = vocabulary.SepId;
        for (int i = 1; i < 129; i++) sequence[i] = 5 + i % 20;
        long chosen = 0, asMask = 0, unchanged = 0, total = 0;
        for (int round = 0; round < 400; round++)
        {
            var batch = masker.Collate([new TrainingExample(sequence)], _ => StatelessRandom.For(1, StatelessRandom.Streams.Masking, 0, round));
            total += 128;
            foreach (var (flat, label) in batch.MaskedPositions.Zip(batch.MaskedLabels))
            {
                Assert.NotEqual(0, flat);
                Assert.NotEqual(129, flat);
                chosen++;
                if (batch.InputIds[flat] == vocabulary.MaskId) asMask++;
                else if (batch.InputIds[flat] == label) unchanged++;
            }
        }
        Assert.InRange(chosen / (double)total, 0.14, 0.16);
        Assert.InRange(asMask / (double)chosen, 0.78, 0.82);
        // "unchanged" also catches the few random replacements that drew the same token.
        Assert.InRange(unchanged / (double)chosen, 0.085, 0.12);
    }
}

/// <summary>The fused attention kernel computes what the textbook sequence computes.</summary>
public sealed class AttentionKernelTests
{
    [Fact]
    public void FusedAndManualAttentionAgreeOnAPaddedBatch()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        using var model = BertModel.Create(TinyFixtures.Config(vocabulary.Count), vocabulary, 4, "test");
        var module = model.Module;
        module.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var random = new Random(3);
        long[] shape = [3, 20];
        var ids = tensor(Enumerable.Range(0, 60).Select(_ => (long)random.Next(5, vocabulary.Count)).ToArray(), shape);
        var lengths = new[] { 20, 13, 6 };
        var mask = tensor(Enumerable.Range(0, 60).Select(i => i % 20 < lengths[i / 20] ? 1L : 0L).ToArray(), shape);
        var types = zeros(shape, ScalarType.Int64);
        var fused = module.Bert.Encode(ids, types, mask);
        module.SetAttentionKernel(Modeling.AttentionKernel.Manual);
        var manual = module.Bert.Encode(ids, types, mask);
        module.SetAttentionKernel(Modeling.AttentionKernel.Fused);
        var keep = mask.unsqueeze(-1).to(ScalarType.Bool).expand_as(fused);
        float difference = (fused - manual).abs().masked_select(keep).max().item<float>();
        Assert.InRange(difference, 0f, 1e-5f);
        // And the comparison can fail: dropping the padding mask changes the padded rows' outputs.
        var unmasked = module.Bert.Encode(ids, types, ones(shape, ScalarType.Int64));
        Assert.True((fused - unmasked).abs().masked_select(keep).max().item<float>() > 1e-3f);
    }
}
