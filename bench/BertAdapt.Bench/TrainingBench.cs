using System.Diagnostics;
using BertAdapt.Engine;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using BertAdapt.Engine.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Bench;

/// <summary>One row of the training table: what was run and what it measured.</summary>
public sealed record TrainingRow(string Preset, int Length, int Batch, string Variant, int Threads,
    double StepSeconds, double DataSeconds, double OptimizerSeconds, double TokensPerSecond,
    double ModelFlopsPerStep, double Mfu, double InferenceTokensPerSecond, double Loss, string Attention);

/// <summary>
/// Times the engine's MLM training step, mirroring MlmTrainer's loop (collate, forward, backward,
/// clip, AdamW step, zero_grad) with a per-phase breakdown; and the encoder's inference forward.
/// Variants: "masked" is the engine as shipped (vocabulary projection on masked rows only),
/// "all-positions" projects every position as HF's BertForMaskedLM does, "bf16" sets -Precision BFloat16,
/// "manual-attn" runs the textbook attention sequence instead of the fused kernel the engine ships.
/// </summary>
public static class TrainingBench
{
    public static TrainingRow Run(BertVocabulary vocabulary, string preset, int length, int batchSize, string variant,
        int threads, int warmup, int steps, double peakFlops)
    {
        using var rig = new MlmStepRig(vocabulary, preset, length, batchSize, threads, examples: batchSize * 4);
        var module = rig.Module;
        module.SetComputeType(variant == "bf16" ? ScalarType.BFloat16 : null);
        var kernel = variant == "manual-attn" ? AttentionKernel.Manual : AttentionKernel.Fused;
        module.SetAttentionKernel(kernel);

        var stepTimes = new List<double>();
        var dataTimes = new List<double>();
        var optimizerTimes = new List<double>();
        double loss = 0;
        long masked = 0;
        for (int step = 0; step < warmup + steps; step++)
        {
            var timing = rig.Step(variant == "all-positions" ? AllPositions : null);
            loss = timing.Loss;
            if (step < warmup) continue;
            stepTimes.Add(timing.Total);
            dataTimes.Add(timing.Data);
            optimizerTimes.Add(timing.Optimizer);
            masked += timing.Masked;
        }
        module.SetComputeType(null);
        module.SetAttentionKernel(AttentionKernel.Fused);
        double stepSeconds = Median(stepTimes);
        long tokens = (long)batchSize * length;
        double maskedPerStep = (double)masked / steps;
        double flops = ModelFlops(rig.Config, length, tokens, maskedPerStep);
        double inference = variant == "masked" ? InferenceTokensPerSecond(module, rig.Masker, rig.Examples, batchSize, warmup, steps) : double.NaN;
        return new TrainingRow(preset, length, batchSize, variant, threads, stepSeconds, Median(dataTimes), Median(optimizerTimes),
            tokens / stepSeconds, flops, flops / stepSeconds / peakFlops, inference, loss, kernel.ToString().ToLowerInvariant());
    }

    /// <summary>
    /// Model FLOPs of one training step (forward + backward = 3 × forward):
    /// 6·N·tokens for N non-embedding encoder parameters, 12·L·T·H per token for the attention
    /// scores and context, and 6·(H·V + H·H)·masked for the MLM head on the masked positions.
    /// </summary>
    public static double ModelFlops(BertConfig c, int length, long tokens, double masked)
    {
        double h = c.HiddenSize, i = c.IntermediateSize, l = c.NumHiddenLayers;
        double perLayer = 4 * h * h + 4 * h + 2 * h * i + i + h + 4 * h; // QKVO, FFN, biases, two LayerNorms
        double n = l * perLayer;
        return 6 * n * tokens + 12 * l * length * h * tokens + 6 * (h * c.VocabSize + h * h) * masked;
    }

    static double InferenceTokensPerSecond(BertForPreTraining module, MlmMasker masker, List<TrainingExample> examples,
        int batchSize, int warmup, int steps)
    {
        module.eval();
        using var noGrad = no_grad();
        var times = new List<double>();
        for (int step = 0; step < warmup + steps; step++)
        {
            using var scope = NewDisposeScope();
            var rows = examples.Skip(step % 4 * batchSize).Take(batchSize).ToList();
            var batch = masker.Collate(rows, r => StatelessRandom.For(7, StatelessRandom.Streams.Masking, step, r));
            var clock = Stopwatch.StartNew();
            var shape = new long[] { batch.Rows, batch.Length };
            var hidden = module.Bert.Encode(tensor(batch.InputIds, shape), tensor(batch.TokenTypeIds, shape), tensor(batch.AttentionMask, shape));
            _ = hidden.sum().item<float>();
            if (step >= warmup) times.Add(clock.Elapsed.TotalSeconds);
        }
        module.train();
        return (double)batchSize * examples[0].TokenIds.Length / Median(times);
    }

    /// <summary>The HF way: every position goes through the vocabulary projection; unmasked ones carry label -100.</summary>
    static MlmBatch AllPositions(MlmBatch batch)
    {
        int n = batch.Rows * batch.Length;
        var labels = Enumerable.Repeat(-100L, n).ToArray();
        for (int k = 0; k < batch.MaskedPositions.Length; k++) labels[batch.MaskedPositions[k]] = batch.MaskedLabels[k];
        return batch with { MaskedPositions = Enumerable.Range(0, n).Select(i => (long)i).ToArray(), MaskedLabels = labels };
    }

    /// <summary>Full-length sequences of ordinary word pieces, [CLS] … [SEP].</summary>
    public static List<TrainingExample> SyntheticExamples(BertVocabulary vocabulary, int length, int count)
    {
        var random = new Random(42);
        return Enumerable.Range(0, count).Select(_ => new TrainingExample(SyntheticIds(vocabulary, length, random))).ToList();
    }

    /// <summary>[CLS], length − 2 random ordinary word pieces, [SEP].</summary>
    public static int[] SyntheticIds(BertVocabulary vocabulary, int length, Random random)
    {
        var ids = new int[length];
        ids[0] = vocabulary.ClsId;
        ids[^1] = vocabulary.SepId;
        for (int t = 1; t < length - 1; t++) ids[t] = random.Next(1000, vocabulary.Count);
        return ids;
    }

    public static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }
}

/// <summary>
/// A freshly initialised model in training mode with its AdamW and synthetic full-length examples:
/// what the step rows and the attention comparison time, one MLM training step at a time, the way
/// MlmTrainer runs a step (collate, forward, backward, clip, AdamW step, zero_grad).
/// </summary>
public sealed class MlmStepRig : IDisposable
{
    readonly BertModel model;
    readonly AdamW optimizer;
    readonly List<Parameter> parameters;
    readonly int batchSize;
    int step;

    public MlmStepRig(BertVocabulary vocabulary, string preset, int length, int batchSize, int threads, int examples)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(42);
        Config = BertConfig.FromPreset(preset, vocabulary.Count);
        model = BertModel.Create(Config, vocabulary, 42, "bench");
        optimizer = TrainingLoop.CreateOptimizer(Module, new MlmTrainingOptions { BatchSize = batchSize, SequenceLength = length });
        parameters = Module.parameters().ToList();
        Masker = new MlmMasker(vocabulary);
        Examples = TrainingBench.SyntheticExamples(vocabulary, length, examples);
        this.batchSize = batchSize;
        Module.train();
    }

    public BertConfig Config { get; }
    public BertForPreTraining Module => model.GetModule();
    public MlmMasker Masker { get; }
    public List<TrainingExample> Examples { get; }

    /// <summary>One training step on the next examples; its wall time, the collation and optimizer parts, the loss and the masked count.</summary>
    public (double Total, double Data, double Optimizer, double Loss, long Masked) Step(Func<MlmBatch, MlmBatch>? transform = null)
    {
        using var scope = NewDisposeScope();
        var clock = Stopwatch.StartNew();
        int current = step++;
        var rows = Enumerable.Range(0, batchSize).Select(r => Examples[(current * batchSize + r) % Examples.Count]).ToList();
        var batch = Masker.Collate(rows, r => StatelessRandom.For(42, StatelessRandom.Streams.Masking, current, r));
        if (transform is not null) batch = transform(batch);
        var data = clock.Elapsed.TotalSeconds;
        var losses = Module.Losses(batch);
        double loss = losses.Total.item<float>();
        losses.Total.backward();
        nn.utils.clip_grad_norm_(parameters, 1.0);
        var beforeOptimizer = clock.Elapsed.TotalSeconds;
        optimizer.step();
        optimizer.zero_grad();
        var total = clock.Elapsed.TotalSeconds;
        return (total, data, total - beforeOptimizer, loss, batch.MaskedLabels.Count(l => l >= 0));
    }

    public void Dispose()
    {
        optimizer.Dispose();
        model.Dispose();
    }
}
