using System.Diagnostics;
using BertAdapt.Engine;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using BertAdapt.Engine.Training;
using TorchSharp;

namespace BertAdapt.Bench;

public sealed record MemoryRow(string Preset, int Steps, int WarmupSteps, long WorkingSetAfterWarmup, long WorkingSetAtEnd,
    long LiveTensorsAfterWarmup, long LiveTensorsAtEnd, double Seconds)
{
    /// <summary>(step, working set, managed heap, live tensors) every tenth of the run, to see whether growth levels off.</summary>
    public List<(int Step, long WorkingSet, long ManagedHeap, long LiveTensors)> Samples { get; init; } = [];

    public double WorkingSetGrowth => (double)WorkingSetAtEnd / WorkingSetAfterWarmup - 1;
}

/// <summary>
/// A long run through MlmTrainer itself (its dispose scopes, clip, AdamW): working set and
/// TorchSharp's live-tensor count after warm-up and at the end.
/// </summary>
public static class MemoryBench
{
    public static MemoryRow Run(BertVocabulary vocabulary, string preset, int steps, int warmupSteps, int threads)
    {
        torch.set_num_threads(threads);
        var config = BertConfig.FromPreset(preset, vocabulary.Count);
        using var model = BertModel.Create(config, vocabulary, 42, "bench");
        var examples = TrainingBench.SyntheticExamples(vocabulary, 128, 512).Select(e => e.TokenIds).ToList();
        var options = new MlmTrainingOptions { BatchSize = 8, SequenceLength = 128, MaxSteps = steps, WarmupSteps = 10 };
        long wsWarm = 0, liveWarm = 0, wsEnd = 0, liveEnd = 0;
        var samples = new List<(int, long, long, long)>();
        int every = Math.Max(1, steps / 10);
        var process = Process.GetCurrentProcess();
        var clock = Stopwatch.StartNew();
        MlmTrainer.Train(model, new InMemoryExamples(examples), options, (metrics, total) =>
        {
            if (metrics.Step != warmupSteps && metrics.Step != steps && metrics.Step % every != 0) return;
            GC.Collect();
            process.Refresh();
            long ws = process.WorkingSet64, live = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            samples.Add((metrics.Step, ws, GC.GetTotalMemory(false), live));
            if (metrics.Step == warmupSteps) (wsWarm, liveWarm) = (ws, live);
            else (wsEnd, liveEnd) = (ws, live);
        });
        return new MemoryRow(preset, steps, warmupSteps, wsWarm, wsEnd, liveWarm, liveEnd, clock.Elapsed.TotalSeconds) { Samples = samples };
    }
}
