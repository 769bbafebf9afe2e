using System.Diagnostics;
using BertAdapt.Engine;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using BertAdapt.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Bench;

/// <summary>Fused against manual attention on one model, alternating step by step.</summary>
public sealed record AttentionRow(string Preset, int Length, int Batch, int Rounds, double FusedSeconds, double ManualSeconds,
    double FusedOverManualSpeed, List<double> RoundRatios);

/// <summary>
/// Separate rows for the two kernels ran minutes apart and disagreed by more than the difference
/// being measured (a 2-core machine shared with other work). Here one model trains with the two
/// kernels in alternation, fused then manual then fused ..., so drift hits both alike; each
/// round gives a ratio and the median of the rounds is reported.
/// </summary>
public static class AttentionBench
{
    public static AttentionRow Run(BertVocabulary vocabulary, string preset, int length, int batchSize, int rounds, int threads)
    {
        torch.set_num_threads(threads);
        torch.manual_seed(42);
        var config = BertConfig.FromPreset(preset, vocabulary.Count);
        using var model = BertModel.Create(config, vocabulary, 42, "bench");
        var module = model.Module;
        var options = new MlmTrainingOptions { BatchSize = batchSize, SequenceLength = length };
        using var optimizer = TrainingLoop.CreateOptimizer(module, options);
        var parameters = module.parameters().ToList();
        var masker = new MlmMasker(vocabulary);
        var examples = TrainingBench.SyntheticExamples(vocabulary, length, batchSize * 2);
        module.train();
        int step = 0;
        double Step(AttentionKernel kernel)
        {
            module.SetAttentionKernel(kernel);
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var rows = Enumerable.Range(0, batchSize).Select(r => examples[(step * batchSize + r) % examples.Count]).ToList();
            var batch = masker.Collate(rows, r => StatelessRandom.For(42, StatelessRandom.Streams.Masking, step, r));
            step++;
            var losses = module.Losses(batch);
            _ = losses.Total.item<float>();
            losses.Total.backward();
            nn.utils.clip_grad_norm_(parameters, 1.0);
            optimizer.step();
            optimizer.zero_grad();
            return clock.Elapsed.TotalSeconds;
        }
        Step(AttentionKernel.Fused); // warm-up, both kernels
        Step(AttentionKernel.Manual);
        var fused = new List<double>();
        var manual = new List<double>();
        var ratios = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            // Alternate which kernel goes first, so neither always follows the other.
            double f, m;
            if (round % 2 == 0) { f = Step(AttentionKernel.Fused); m = Step(AttentionKernel.Manual); }
            else { m = Step(AttentionKernel.Manual); f = Step(AttentionKernel.Fused); }
            fused.Add(f);
            manual.Add(m);
            ratios.Add(m / f);
        }
        module.SetAttentionKernel(AttentionKernel.Fused);
        return new AttentionRow(preset, length, batchSize, rounds, TrainingBench.Median(fused), TrainingBench.Median(manual),
            TrainingBench.Median(ratios), ratios);
    }
}
