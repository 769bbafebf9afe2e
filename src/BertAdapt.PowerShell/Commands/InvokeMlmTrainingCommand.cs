using System.Management.Automation;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Training;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Continues (or starts) masked-language-model pre-training on a corpus.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "MlmTraining", SupportsShouldProcess = true, DefaultParameterSetName = CorpusSet)]
[Alias("Invoke-BertMlmTraining")]
[OutputType(typeof(BertModel))]
public sealed class InvokeMlmTrainingCommand : CorpusCmdlet
{
    #region Parameters

    [Parameter]
    public TrainingObjective Objective { get; set; } = TrainingObjective.Mlm;

    [Parameter]
    public SwitchParameter WholeWordMask { get; set; }

    [Parameter]
    public SwitchParameter GroupByLength { get; set; }

    [Parameter]
    [ValidateRange(1, 65536)]
    public int BatchSize { get; set; } = 16;

    [Parameter]
    [ValidateRange(1, 1024)]
    public int GradientAccumulation { get; set; } = 1;

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxSteps { get; set; }

    [Parameter]
    [ValidateRange(1, 100000)]
    public int Epochs { get; set; }

    [Parameter]
    [ValidateRange(1e-9, 1.0)]
    public double LearningRate { get; set; } = 5e-5;

    [Parameter]
    public ScheduleKind Schedule { get; set; } = ScheduleKind.Linear;

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int WarmupSteps { get; set; }

    [Parameter]
    [ValidateRange(0.0, 0.99)]
    public double WarmupRatio { get; set; } = 0.1;

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double WeightDecay { get; set; } = 0.01;

    [Parameter]
    [ValidateRange(1e-6, 1e6)]
    public double MaxGradNorm { get; set; } = 1.0;

    [Parameter]
    [ValidateRange(0.01, 0.99)]
    public double MaskProbability { get; set; } = 0.15;

    [Parameter]
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Float32;

    [Parameter]
    public long Seed { get; set; } = 42;

    [Parameter]
    [ValidateRange(0.001, 0.5)]
    public double ValidationSplit { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ValidationCorpus { get; set; }

    /// <summary>Validation files named exactly, never expanded; may be given with -ValidationCorpus.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralValidationCorpus { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int EvalEvery { get; set; }

    [Parameter]
    [ValidateRange(1, 1000)]
    public int EarlyStoppingPatience { get; set; }

    /// <summary>A run directory: checkpoints, metrics.jsonl, and resume on re-run.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? OutputPath { get; set; }

    /// <summary>When the run in -OutputPath had other settings or data: start a new run from its last weights.</summary>
    [Parameter]
    public SwitchParameter Continue { get; set; }

    /// <summary>Start afresh in -OutputPath from the given model, removing the run there.</summary>
    [Parameter]
    public SwitchParameter Restart { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int CheckpointEvery { get; set; }

    [Parameter]
    [ValidateRange(1, 1000)]
    public int KeepCheckpoints { get; set; } = 2;

    /// <summary>A JSONL file that gets one line per optimizer step (appended).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetricsPath { get; set; }

    #endregion

    protected override string Activity => "Invoke-MlmTraining";

    /// <summary>A failed training run ends the command: the next one must not get an untrained model.</summary>
    protected override bool EachModelIsAnItem => false;

    bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    protected override TrainingDataOptions DataOptions(BertModel model) => new()
    {
        Objective = Objective,
        Seed = Seed,
        ValidationSplit = Bound(nameof(ValidationSplit)) ? ValidationSplit : null,
        ValidationFiles = ValidationCorpus is null && LiteralValidationCorpus is null ? null : Guard(() =>
            ResolveFiles(ValidationCorpus ?? [], literal: false, "Corpus").Concat(ResolveFiles(LiteralValidationCorpus ?? [], literal: true, "Corpus")).Distinct().ToList()),
    };

    protected override void CheckOutputLocations()
    {
        base.CheckOutputLocations();
        if (OutputPath is not null) OutputLocation.CheckDirectory(ResolveLiteral(OutputPath), "OutputPath", "-OutputPath", intoItself: true);
        if (MetricsPath is not null) OutputLocation.CheckFile(ResolveLiteral(MetricsPath), "MetricsPath", "-MetricsPath", replacedBeside: false);
    }

    protected override void Process(BertModel model, TrainingData data)
    {
        var options = new MlmTrainingOptions
        {
            Objective = Objective,
            WholeWordMask = WholeWordMask,
            GroupByLength = GroupByLength,
            BatchSize = BatchSize,
            GradientAccumulation = GradientAccumulation,
            SequenceLength = SequenceLength,
            MaxSteps = Bound(nameof(MaxSteps)) ? MaxSteps : null,
            Epochs = Bound(nameof(Epochs)) ? Epochs : Bound(nameof(MaxSteps)) ? null : 1,
            LearningRate = LearningRate,
            Schedule = Schedule,
            WarmupSteps = Bound(nameof(WarmupSteps)) ? WarmupSteps : null,
            WarmupRatio = WarmupRatio,
            WeightDecay = WeightDecay,
            MaxGradNorm = MaxGradNorm,
            MaskProbability = MaskProbability,
            Device = DeviceKind,
            DeviceIndex = DeviceIndex,
            Threads = RequestedThreads,
            Precision = Precision,
            Seed = Seed,
            EvalEvery = Bound(nameof(EvalEvery)) ? EvalEvery : data.Validation is null ? null : 100,
            EarlyStoppingPatience = Bound(nameof(EarlyStoppingPatience)) ? EarlyStoppingPatience : null,
            OutputPath = OutputPath is null ? null : ResolveLiteral(OutputPath),
            CheckpointEvery = Bound(nameof(CheckpointEvery)) ? CheckpointEvery : null,
            KeepCheckpoints = KeepCheckpoints,
            MetricsPath = MetricsPath is null ? null : ResolveLiteral(MetricsPath),
            Rerun = Guard(() => RerunModes.From(Continue, Restart)),
        };
        var what = options.MaxSteps is int s ? $"{s} step(s)" : $"{options.Epochs} epoch(s)";
        var target = options.OutputPath is null ? "" : $", saving checkpoints in '{options.OutputPath}'";
        if (!ShouldProcess(model.ToString(), $"Train the {Objective} objective for {what} on {data.Train.Count} examples{target}"))
            return;

        if (GroupByLength && !LineByLine)
            WriteWarning("-GroupByLength has nothing to group without -LineByLine: packed examples are all full length.");
        if (options.MetricsPath is not null) OutputLocation.CreateParent(options.MetricsPath);
        var progress = new TrainingProgress(this, 1, Activity);
        var result = Train(() => MlmTrainer.Train(model, data, options, new TrainingCallbacks
        {
            Step = (m, step, total) =>
            {
                var validation = m.ValidationPerplexity is double v ? $" | validation perplexity {v:F2}" : "";
                var nsp = m.NspAccuracy is double a ? $" | NSP accuracy {a:P0}" : "";
                progress.Report(m, step, total, $"loss {m.Loss:F4} | {m.TokensPerSecond:N0} tokens/s | lr {m.LearningRate:E2}{nsp}{validation}");
            },
            Warning = WriteWarning,
            Info = WriteVerbose,
        }, Cancellation));
        // First: while the host stops the pipeline, every Write* would throw.
        if (result.Cancelled || SignalReceived) StopAfterTraining(result.Run, options.OutputPath);
        model.TrainedOn.AddRange(data.Corpus.Files);
        WriteVerbose(result.Run.Start == RunStart.AlreadyFinished ? $"Trained nothing: run {result.Run.Number} had finished."
            : $"Run {result.Run.Number} ({result.Run.Id}): trained {result.Steps} step(s){(result.ResumedFromStep > 0 ? $" after resuming at step {result.ResumedFromStep}" : "")}; "
            + $"last loss {result.FinalLoss:F4}; {result.SkippedNonFiniteSteps} non-finite step(s) skipped; {result.PaddingFraction:P1} of batch positions were padding"
            + (result.BestValidationPerplexity is double best ? $"; best validation perplexity {best:F2}" : "")
            + (result.EarlyStopped ? "; stopped early" : "") + $"; {Where(result.Device, result.Threads)}.");
        WriteObject(model);
    }
}
