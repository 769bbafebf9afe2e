using System.Diagnostics;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// What a study's runs cost on this machine, timed rather than guessed: a copy of the model (of
/// the study's size) is exported and imported, warmed up with untimed steps, then trained a few
/// masked-LM and a few fine-tuning steps (with an evaluation after every second) on synthetic
/// tokens at the study's batch sizes, lengths, device, threads and precision, each in a run
/// directory with its end checkpoint, as the study's runs are; perplexity and fine-tuning
/// evaluation are timed on a batch (the median of three passes). The first timed step of each
/// run (allocation, first-call costs) is counted in the run's fixed cost, not in the step rate.
/// Everything is written under a temporary folder, which is removed at the end; the model given
/// is never changed.
/// </summary>
/// <param name="PretrainRunSeconds">A run's fixed cost (FineTuneRunSeconds likewise) on top of its steps: importing its start model, setting up, the first step's extra and the final checkpoint.</param>
/// <param name="PretrainCheckpointBytes">What one run folder holds at the end (its checkpoint with optimizer state, metrics; FineTuneCheckpointBytes also the best weights).</param>
/// <param name="EvaluationSeconds">A fine-tuning evaluation's cost besides its rows (<paramref name="EvaluationRowSeconds"/> each): setting up, and exporting the best weights so far.</param>
/// <param name="ModelBytes">What the exported base model holds.</param>
/// <param name="Repeats">How many times it was measured (see <see cref="RepeatSeconds"/>); each rate is the median of the repeats after the first.</param>
/// <param name="Seconds">What the calibration took.</param>
public sealed record StudyCalibration(
    double PretrainStepSeconds, double FineTuneStepSeconds, double PerplexitySequenceSeconds, double EvaluationRowSeconds, double EvaluationSeconds,
    double ExportSeconds, double PretrainRunSeconds, double FineTuneRunSeconds,
    long PretrainCheckpointBytes, long FineTuneCheckpointBytes, long ModelBytes,
    int FineTuneLength, string Device, int Threads, int Repeats, double Seconds)
{
    /// <summary>Timed steps of each kind after the first.</summary>
    public const int TimedSteps = 3;

    /// <summary>A calibration is repeated while another repeat (as long as the last) ends within this many seconds of its start, up to <see cref="MaxRepeats"/> times, and each rate is the median of the repeats after the first.</summary>
    public const double RepeatSeconds = 15;
    public const int MaxRepeats = 4;

    /// <param name="fineTuneLength">The padded length of a fine-tuning batch to time, from the task's rows.</param>
    public static StudyCalibration Measure(BertModel model, AdaptationStudyOptions options, int fineTuneLength, CancellationToken cancellation = default)
    {
        var total = Stopwatch.StartNew();
        using var threads = ComputeThreads.Use(options.Pretraining.Threads);
        var device = DeviceSelector.Resolve(options.Pretraining.Device, options.Pretraining.DeviceIndex);
        var folder = Path.Combine(Path.GetTempPath(), "bertadapt-calibration-" + Guid.NewGuid().ToString("N"));
        try
        {
            // A small model's runs take milliseconds, which another process on the machine can double: repeat while that is cheap.
            var repeats = new List<StudyCalibration>();
            do repeats.Add(Once(model, options, fineTuneLength, device, Path.Combine(folder, repeats.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)), warmUp: repeats.Count == 0, cancellation));
            while (repeats.Count < MaxRepeats && total.Elapsed.TotalSeconds + repeats[^1].Seconds <= RepeatSeconds);
            // The first repeat runs code the runtime has not optimized yet (a long study soon has): with more, it is left out.
            var counted = repeats.Count > 1 ? repeats.Skip(1).ToList() : repeats;
            double M(Func<StudyCalibration, double> rate) => Median(counted.Select(rate));
            return repeats[0] with
            {
                PretrainStepSeconds = M(c => c.PretrainStepSeconds),
                FineTuneStepSeconds = M(c => c.FineTuneStepSeconds),
                PerplexitySequenceSeconds = M(c => c.PerplexitySequenceSeconds),
                EvaluationRowSeconds = M(c => c.EvaluationRowSeconds),
                EvaluationSeconds = M(c => c.EvaluationSeconds),
                ExportSeconds = M(c => c.ExportSeconds),
                PretrainRunSeconds = M(c => c.PretrainRunSeconds),
                FineTuneRunSeconds = M(c => c.FineTuneRunSeconds),
                Repeats = repeats.Count,
                Seconds = total.Elapsed.TotalSeconds,
            };
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// Untimed steps before the first repeat's timed ones, for at most this many seconds: the
    /// runtime optimizes a method after some 30 calls, and until then a small model's steps take
    /// several times as long as in a study, which soon runs optimized code.
    /// </summary>
    public const double WarmUpSeconds = 3;
    public const int WarmUpSteps = 40;

    static StudyCalibration Once(BertModel model, AdaptationStudyOptions options, int fineTuneLength, TorchSharp.torch.Device device, string folder,
        bool warmUp, CancellationToken cancellation)
    {
        var total = Stopwatch.StartNew();
        var basePath = Path.Combine(folder, "base");
        var clock = Stopwatch.StartNew();
        HfCheckpointDirectory.Export(model, basePath, force: true);
        double export = clock.Elapsed.TotalSeconds;
        long modelBytes = Bytes(basePath);

        int sequenceLength = Math.Min(options.Pretraining.SequenceLength, model.Config.MaxPositionEmbeddings);
        var random = new Random(0);
        var tokens = Enumerable.Range(0, model.Vocabulary.Count).Where(id => !model.Vocabulary.SpecialIds.Contains(id)).ToArray();
        int[] Sequence(int length)
        {
            var ids = new int[length];
            for (int i = 1; i < length - 1; i++) ids[i] = tokens[random.Next(tokens.Length)];
            ids[0] = model.Vocabulary.ClsId;
            ids[^1] = model.Vocabulary.SepId;
            return ids;
        }

        // Masked-LM: import, steps, checkpoint; then perplexity on the trained copy.
        var pretrain = TimeRun(folder, "pretrain", basePath, cancellation, (copy, path, callbacks, untimed) =>
        {
            var examples = new InMemoryExamples(Enumerable.Range(0, options.Pretraining.BatchSize).Select(_ => Sequence(sequenceLength)).ToList());
            if (warmUp) untimed(token => MlmTrainer.Train(copy, examples, null, WarmingUp(options.Pretraining), new TrainingCallbacks(), token));
            return MlmTrainer.Train(copy, examples, null, Calibrating(options.Pretraining, path), callbacks, cancellation).Threads;
        }, copy =>
        {
            copy.MoveTo(device);
            var batch = new InMemoryExamples(Enumerable.Range(0, options.PerplexityBatchSize).Select(_ => Sequence(sequenceLength)).ToList());
            return PerRow(batch.Count, () => PerplexityEvaluator.Measure(copy, batch, options.PerplexityBatchSize, cancellation: cancellation));
        });

        // Fine-tuning: import, a new head, steps, checkpoint; then an evaluation pass.
        int length = Math.Clamp(fineTuneLength, 3, model.Config.MaxPositionEmbeddings);
        var task = options.FineTuning.Task;
        // Two steps an epoch and an evaluation after each, as the study's runs evaluate each epoch (and export the best weights).
        var examples = new SyntheticRows(Enumerable.Range(0, 2 * options.FineTuning.BatchSize).Select(_ => Row(Sequence(length), task)).ToList());
        var validation = new SyntheticRows(Enumerable.Range(0, options.FineTuning.BatchSize).Select(_ => Row(Sequence(length), task)).ToList());
        var fineTune = TimeRun(folder, "finetune", basePath, cancellation, (copy, path, callbacks, untimed) =>
        {
            copy.AddTaskHead(task, task == FineTuneTask.TokenClassification ? ["O", "B-X", "I-X"] : ["0", "1"], 0);
            if (warmUp) untimed(token => FineTuneTrainer.Train(copy, examples, null, WarmingUp(options.FineTuning) with { ClassWeights = null }, new TrainingCallbacks(), token));
            var calibrating = Calibrating(options.FineTuning, path) with { ClassWeights = null, EvalEachEpoch = true };
            return FineTuneTrainer.Train(copy, examples, validation, calibrating, callbacks, cancellation).Threads;
        }, copy => PerRow(validation.Count,
            () => FineTuneEvaluator.Evaluate(copy, validation, task, options.FineTuning.BatchSize, options.FineTuning.Threshold, cancellation: cancellation)),
            evaluations: (1 + TimedSteps) / 2);

        return new StudyCalibration(pretrain.Step, fineTune.Step, pretrain.PerRow, fineTune.PerRow, Math.Max(0, fineTune.Evaluation - validation.Count * fineTune.PerRow),
            export, pretrain.Run, fineTune.Run,
            pretrain.Bytes, fineTune.Bytes, modelBytes, length, device.ToString(), pretrain.Threads, 1, total.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Imports the base into a copy and trains it with a step clock: the median time between steps
    /// is the rate; with <paramref name="evaluations"/>, the longest gap less a step is what one
    /// evaluation took; the rest of the time from the import until training returned is the run's
    /// fixed cost. Then <paramref name="evaluate"/> times an evaluation pass of the trained copy.
    /// </summary>
    static (double Step, double Run, double Evaluation, long Bytes, int Threads, double PerRow) TimeRun(string folder, string name, string basePath,
        CancellationToken cancellation, Func<BertModel, string, TrainingCallbacks, Action<Action<CancellationToken>>, int> train, Func<BertModel, double> evaluate,
        int evaluations = 0)
    {
        cancellation.ThrowIfCancellationRequested();
        var run = Path.Combine(folder, name);
        var steps = new List<double>();
        var clock = Stopwatch.StartNew();
        var callbacks = new TrainingCallbacks { Step = (_, _, _) => steps.Add(clock.Elapsed.TotalSeconds) };
        using var copy = HfCheckpointDirectory.Import(basePath);
        // Warming up, with the clock stopped: stopped after WarmUpSeconds, or by the caller.
        void Untimed(Action<CancellationToken> warm)
        {
            clock.Stop();
            using (var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
            {
                limit.CancelAfter(TimeSpan.FromSeconds(WarmUpSeconds));
                warm(limit.Token);
            }
            cancellation.ThrowIfCancellationRequested();
            clock.Start();
        }
        int threads = train(copy, run, callbacks, Untimed);
        double trained = clock.Elapsed.TotalSeconds;
        var gaps = steps.Zip(steps.Skip(1), (a, b) => b - a).ToList();
        // The median gap, so that one step slowed by another process (or by an evaluation) does not set the rate.
        double step = Median(gaps);
        double evaluation = evaluations > 0 ? Math.Max(0, gaps.Max() - step) : 0;
        return (step, Math.Max(0, trained - steps.Count * step - evaluations * evaluation), evaluation, Bytes(run), threads, evaluate(copy));
    }

    /// <summary>Seconds per row of a pass over <paramref name="rows"/>: the median of <see cref="TimedSteps"/> passes after an untimed one.</summary>
    static double PerRow(long rows, Action pass)
    {
        pass();
        return Median(Enumerable.Range(0, TimedSteps).Select(_ =>
        {
            var clock = Stopwatch.StartNew();
            pass();
            return clock.Elapsed.TotalSeconds / rows;
        }));
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    static T WarmingUp<T>(T options) where T : TrainingOptions => options with
    {
        MaxSteps = WarmUpSteps,
        Epochs = null,
        EvalEvery = null,
        EvalEachEpoch = false,
        EarlyStoppingPatience = null,
        OutputPath = null,
        MetricsPath = null,
        CheckpointEvery = null,
        Rerun = RerunMode.Resume,
    };

    static T Calibrating<T>(T options, string path) where T : TrainingOptions => options with
    {
        MaxSteps = 1 + TimedSteps,
        Epochs = null,
        EvalEvery = null,
        EvalEachEpoch = false,
        EarlyStoppingPatience = null,
        OutputPath = path,
        MetricsPath = null,
        CheckpointEvery = null,
        KeepCheckpoints = 1,
        Rerun = RerunMode.Resume,
    };

    static FineTuneExample Row(int[] ids, FineTuneTask task)
    {
        var types = new int[ids.Length];
        return task switch
        {
            FineTuneTask.Regression => new FineTuneExample(ids, types, -1, [0.5f], null, null),
            FineTuneTask.MultiLabelClassification => new FineTuneExample(ids, types, -1, [1f, 0f], null, null),
            FineTuneTask.TokenClassification => new FineTuneExample(ids, types, -1, null,
                ids.Select((_, i) => i == 0 || i == ids.Length - 1 ? FineTuneExample.IgnoredLabel : 0).ToArray(),
                ids.Select((_, i) => i == 0 || i == ids.Length - 1 ? -1 : i - 1).ToArray()),
            _ => new FineTuneExample(ids, types, 0, null, null, null),
        };
    }

    static long Bytes(string folder) =>
        Directory.Exists(folder) ? new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length) : 0;

    sealed class SyntheticRows(IReadOnlyList<FineTuneExample> rows) : IFineTuneExamples
    {
        public long Count => rows.Count;
        public FineTuneExample Get(long index) => rows[checked((int)index)];
    }
}
