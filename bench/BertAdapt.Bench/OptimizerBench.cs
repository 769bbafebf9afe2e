using System.Diagnostics;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using BertAdapt.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Bench;

/// <summary>What AdamW's per-parameter loop costs, apart from the arithmetic.</summary>
/// <param name="Tensors">Parameter tensors of the preset.</param>
/// <param name="PerTensorSeconds">optimizer.step() time per one-element parameter: the loop and native-call overhead alone.</param>
/// <param name="PresetStepSeconds">optimizer.step() on the preset's real parameters with real-sized gradients.</param>
public sealed record OptimizerRow(string Preset, int Tensors, long Elements, double PerTensorSeconds, double PresetStepSeconds)
{
    public double OverheadSeconds => PerTensorSeconds * Tensors;
}

/// <summary>
/// Times AdamW twice: on as many one-element parameters as the preset has tensors (so nearly all
/// the time is the per-parameter loop and its native calls), and on the preset's own parameters
/// (loop plus the memory-bound arithmetic). The difference says which one a fused optimizer would cut.
/// </summary>
public static class OptimizerBench
{
    public static OptimizerRow Run(BertVocabulary vocabulary, string preset, int threads, int steps = 20)
    {
        torch.set_num_threads(threads);
        var config = BertConfig.FromPreset(preset, vocabulary.Count);
        using var model = BertModel.Create(config, vocabulary, 42, "bench");
        var real = model.GetModule().parameters().ToList();
        long elements = real.Sum(p => p.numel());
        var tiny = real.Select((_, i) => new TorchSharp.Modules.Parameter(zeros(1))).ToList();
        double perTensor = Time(tiny, steps) / tiny.Count;
        double full = Time(real, Math.Max(3, steps / 4));
        foreach (var p in tiny) p.Dispose();
        return new OptimizerRow(preset, real.Count, elements, perTensor, full);
    }

    static double Time(List<TorchSharp.Modules.Parameter> parameters, int steps)
    {
        using var optimizer = optim.AdamW(parameters, 1e-4, 0.9, 0.999, 1e-8, 0.01);
        var times = new List<double>();
        for (int step = 0; step < steps + 2; step++)
        {
            using var scope = NewDisposeScope();
            foreach (var p in parameters) p.grad = ones_like(p) * 1e-3; // the gradient backward would leave
            var clock = Stopwatch.StartNew();
            optimizer.step();
            if (step >= 2) times.Add(clock.Elapsed.TotalSeconds);
            foreach (var p in parameters) p.grad = null;
        }
        return TrainingBench.Median(times);
    }
}
