using System.Diagnostics;
using BertAdapt.Engine.Tests;
using BertAdapt.Engine.Training;
using TorchSharp;

namespace BertAdapt.Bench;

/// <summary>One sample of the soak run, taken after a full garbage collection.</summary>
public sealed record SoakSample(int Step, long WorkingSet, long ManagedHeap, long LiveTensors);

public sealed record SoakRow(int Steps, int Every, double Seconds, List<SoakSample> Samples)
{
    /// <summary>The samples after warm-up: the second tenth of the run, whose median is the baseline.</summary>
    IEnumerable<SoakSample> Baseline => Samples.Skip(Samples.Count / 10).Take(Math.Max(1, Samples.Count / 10));

    /// <summary>The last tenth of the run.</summary>
    IEnumerable<SoakSample> End => Samples.Skip(Samples.Count - Math.Max(1, Samples.Count / 10));

    public double WorkingSetAfterWarmup => Median(Baseline.Select(s => (double)s.WorkingSet));
    public double WorkingSetAtEnd => Median(End.Select(s => (double)s.WorkingSet));
    public double WorkingSetGrowth => WorkingSetAtEnd / WorkingSetAfterWarmup - 1;
    public double ManagedHeapAfterWarmup => Median(Baseline.Select(s => (double)s.ManagedHeap));
    public double ManagedHeapAtEnd => Median(End.Select(s => (double)s.ManagedHeap));
    /// <summary>Managed growth per step between the baseline and the end, from the medians' steps.</summary>
    public double ManagedBytesPerStep => (ManagedHeapAtEnd - ManagedHeapAfterWarmup) / Math.Max(1, Median(End.Select(s => (double)s.Step)) - Median(Baseline.Select(s => (double)s.Step)));
    public double LiveTensorsAfterWarmup => Median(Baseline.Select(s => (double)s.LiveTensors));
    public double LiveTensorsAtEnd => Median(End.Select(s => (double)s.LiveTensors));

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// Issue 17's soak: thousands of MLM steps through MlmTrainer (TrainingLoop, its background
/// producer, dispose scopes, clipping, AdamW, periodic validation) on the tests' 2-layer,
/// 64-hidden model, sampling the working set, the managed heap and TorchSharp's live-tensor count
/// of the training thread every <c>every</c> steps. Growth compares the median of the last tenth
/// of the samples with the median of the second tenth (the first is warm-up).
/// </summary>
public static class SoakBench
{
    public static SoakRow Run(int steps, int threads)
    {
        torch.set_num_threads(threads);
        using var model = TinyFixtures.Model(seed: 1);
        var train = TinyFixtures.Examples(model, documents: 400, seed: 3);
        var validation = TinyFixtures.Examples(model, documents: 20, seed: 4);
        var options = new MlmTrainingOptions { BatchSize = 8, SequenceLength = 32, MaxSteps = steps, WarmupSteps = 50, EvalEvery = 250, LearningRate = 1e-3 };
        int every = Math.Max(1, steps / 100);
        var samples = new List<SoakSample>();
        var process = Process.GetCurrentProcess();
        var clock = Stopwatch.StartNew();
        MlmTrainer.Train(model, train, validation, options, new TrainingCallbacks
        {
            Step = (metrics, _, _) =>
            {
                if (metrics.Step % every != 0) return;
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                process.Refresh();
                samples.Add(new SoakSample(metrics.Step, process.WorkingSet64, GC.GetTotalMemory(false), DisposeScopeManager.Statistics.ThreadTotalLiveCount));
            },
        });
        return new SoakRow(steps, every, clock.Elapsed.TotalSeconds, samples);
    }
}
