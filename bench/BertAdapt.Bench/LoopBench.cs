using System.Diagnostics;
using BertAdapt.Engine;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using BertAdapt.Engine.Training;
using TorchSharp;

namespace BertAdapt.Bench;

/// <summary>One run through the real training loop: throughput in real (non-padding) tokens and the padding share.</summary>
public sealed record LoopRow(string Preset, string Job, string Variant, int Batch, int Steps, double StepSeconds,
    double RealTokensPerSecond, double PaddingFraction, int Threads);

/// <summary>
/// Runs <see cref="TrainingLoop"/> itself (through FineTuneTrainer and MlmTrainer) to measure what
/// the per-row step bench cannot: padding left by the batch order, and the background producer.
/// "fine-tune" is sequence classification on examples of 8 to 128 tokens (uniform), "mlm" is
/// packed full-length masked-LM examples. Variants: shuffled / length-grouped batches, and
/// collation on the training thread (prefetch 0) or on a background thread two batches ahead (prefetch 2).
/// With <c>fixedLength</c>, every fine-tuning example has that many tokens: the fine-tuning step
/// rows, timed against bench/reference_finetune.py at the same shape.
/// </summary>
public static class LoopBench
{
    public static LoopRow Run(BertVocabulary vocabulary, string preset, string job, bool groupByLength, int prefetch,
        int batchSize, int warmup, int steps, int threads, int? fixedLength = null)
    {
        torch.set_num_threads(threads);
        var config = BertConfig.FromPreset(preset, vocabulary.Count);
        using var model = BertModel.Create(config, vocabulary, 42, "bench");
        var times = new List<(int Step, double Elapsed, long Tokens)>();
        var callbacks = new TrainingCallbacks { Step = (m, _, _) => times.Add((m.Step, m.ElapsedSeconds, m.Tokens)) };
        double padding;
        if (job == "fine-tune")
        {
            model.AddTaskHead(FineTuneTask.SequenceClassification, ["a", "b", "c", "d"], 42);
            var options = new FineTuneOptions
            {
                Task = FineTuneTask.SequenceClassification, BatchSize = batchSize, MaxSteps = warmup + steps, Epochs = null,
                EvalEachEpoch = false, GroupByLength = groupByLength, PrefetchBatches = prefetch,
            };
            padding = FineTuneTrainer.Train(model, new VariedExamples(vocabulary, batchSize * (warmup + steps) * 2, fixedLength ?? 8, fixedLength ?? 128), null, options, callbacks).PaddingFraction;
        }
        else
        {
            var examples = TrainingBench.SyntheticExamples(vocabulary, 128, batchSize * (warmup + steps)).Select(e => e.TokenIds).ToList();
            var options = new MlmTrainingOptions { BatchSize = batchSize, SequenceLength = 128, MaxSteps = warmup + steps, PrefetchBatches = prefetch, GroupByLength = groupByLength };
            padding = MlmTrainer.Train(model, new InMemoryExamples(examples), null, options, callbacks).PaddingFraction;
        }
        // Per-step wall time from the loop's own clock (it includes collation when inline); the median resists noise.
        var stepSeconds = Enumerable.Range(warmup, steps).Select(i => times[i].Elapsed - times[i - 1].Elapsed).ToList();
        var timed = times.Skip(warmup).ToList();
        double seconds = timed[^1].Elapsed - times[warmup - 1].Elapsed;
        string variant = fixedLength is int t ? $"T={t}" : $"{(groupByLength ? "grouped" : "shuffled")} prefetch={prefetch}";
        return new LoopRow(preset, job, variant, batchSize, steps, TrainingBench.Median(stepSeconds), timed.Sum(t => t.Tokens) / seconds, padding, threads);
    }

    /// <summary>Four-class examples of <c>shortest</c> to <c>longest</c> tokens, uniformly: [CLS], ordinary word pieces, [SEP].</summary>
    sealed class VariedExamples : IFineTuneExamples
    {
        readonly List<FineTuneExample> examples = [];

        public VariedExamples(BertVocabulary vocabulary, int count, int shortest, int longest)
        {
            var random = new Random(42);
            for (int e = 0; e < count; e++)
            {
                var ids = TrainingBench.SyntheticIds(vocabulary, random.Next(shortest, longest + 1), random);
                examples.Add(new FineTuneExample(ids, new int[ids.Length], random.Next(4), null, null, null));
            }
        }

        public long Count => examples.Count;
        public FineTuneExample Get(long index) => examples[(int)index];
    }
}
