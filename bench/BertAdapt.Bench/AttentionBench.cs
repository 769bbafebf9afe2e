using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;

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
        using var rig = new MlmStepRig(vocabulary, preset, length, batchSize, threads, examples: batchSize * 2);
        double Step(AttentionKernel kernel)
        {
            rig.Module.SetAttentionKernel(kernel);
            return rig.Step().Total;
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
        rig.Module.SetAttentionKernel(AttentionKernel.Fused);
        return new AttentionRow(preset, length, batchSize, rounds, TrainingBench.Median(fused), TrainingBench.Median(manual),
            TrainingBench.Median(ratios), ratios);
    }
}
