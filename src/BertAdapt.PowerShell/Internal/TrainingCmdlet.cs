using System.Management.Automation;
using BertAdapt.Engine;
using BertAdapt.Engine.Training;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// The training cmdlets (Invoke-MlmTraining, Invoke-FineTune): the training parameters they
/// share are declared here once, with one set of ranges, and mapped onto
/// <see cref="TrainingOptions"/> in one place (<see cref="WithTrainingParameters"/>); so are the
/// output checks, the -WhatIf text, the progress bar and the end-of-run summary. Where the two
/// differ in a default (the learning rate, the epochs), the default comes from the engine's
/// options for the cmdlet's objective (<see cref="Defaults"/>), so help shows each cmdlet's own.
/// Their help is written once too, in module/help/shared/TrainingParameters.psd1.
/// </summary>
public abstract class TrainingCmdlet : ComputeCmdlet
{
    double? learningRate;
    int? epochs;

    /// <summary>The engine's options for this cmdlet's objective, as constructed: where the defaults come from.</summary>
    protected abstract TrainingOptions Defaults { get; }

    /// <summary>The epochs of a run given neither -Epochs nor -MaxSteps.</summary>
    protected abstract int DefaultEpochs { get; }

    #region Parameters

    /// <summary>Examples per optimizer step, across -GradientAccumulation micro-batches.</summary>
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
    public int Epochs
    {
        get => epochs ?? DefaultEpochs;
        set => epochs = value;
    }

    [Parameter]
    [ValidateRange(1e-9, 1.0)]
    public double LearningRate
    {
        get => learningRate ?? Defaults.LearningRate;
        set => learningRate = value;
    }

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
    public SwitchParameter GroupByLength { get; set; }

    [Parameter]
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Float32;

    [Parameter]
    public long Seed { get; set; } = 42;

    /// <summary>The share of the training data held out as validation (a seeded choice), instead of validation files.</summary>
    [Parameter]
    [ValidateRange(0.001, 0.5)]
    public double ValidationSplit { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int EvalEvery { get; set; }

    [Parameter]
    [ValidateRange(1, 1000)]
    public int EarlyStoppingPatience { get; set; }

    /// <summary>A run directory: checkpoints, metrics.jsonl, the best checkpoint in best/, and resume on re-run.</summary>
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

    /// <summary>-ValidationSplit when it is given.</summary>
    protected double? RequestedValidationSplit => Bound(nameof(ValidationSplit)) ? ValidationSplit : null;

    /// <summary>Throws when -OutputPath or -MetricsPath cannot be written; called before anything is read.</summary>
    protected void CheckTrainingOutputs()
    {
        if (OutputPath is not null) OutputLocation.CheckDirectory(ResolveLiteral(OutputPath), "OutputPath", "-OutputPath", intoItself: true);
        if (MetricsPath is not null) OutputLocation.CheckFile(ResolveLiteral(MetricsPath), "MetricsPath", "-MetricsPath", replacedBeside: false);
    }

    /// <summary>
    /// <paramref name="options"/> (the cmdlet's own settings) with every shared training
    /// parameter, the device and the threads set. An unbound -MaxSteps, -WarmupSteps, -EvalEvery,
    /// -EarlyStoppingPatience or -CheckpointEvery is left unset; -Epochs counts unless only
    /// -MaxSteps is given.
    /// </summary>
    protected TrainingOptions WithTrainingParameters(TrainingOptions options) => options with
    {
        BatchSize = BatchSize,
        GradientAccumulation = GradientAccumulation,
        MaxSteps = Bound(nameof(MaxSteps)) ? MaxSteps : null,
        Epochs = Bound(nameof(Epochs)) || !Bound(nameof(MaxSteps)) ? Epochs : null,
        LearningRate = LearningRate,
        Schedule = Schedule,
        WarmupSteps = Bound(nameof(WarmupSteps)) ? WarmupSteps : null,
        WarmupRatio = WarmupRatio,
        WeightDecay = WeightDecay,
        MaxGradNorm = MaxGradNorm,
        GroupByLength = GroupByLength,
        Device = DeviceKind,
        DeviceIndex = DeviceIndex,
        Threads = RequestedThreads,
        Precision = Precision,
        Seed = Seed,
        EvalEvery = Bound(nameof(EvalEvery)) ? EvalEvery : options.EvalEvery,
        EarlyStoppingPatience = Bound(nameof(EarlyStoppingPatience)) ? EarlyStoppingPatience : null,
        OutputPath = OutputPath is null ? null : ResolveLiteral(OutputPath),
        CheckpointEvery = Bound(nameof(CheckpointEvery)) ? CheckpointEvery : null,
        KeepCheckpoints = KeepCheckpoints,
        MetricsPath = MetricsPath is null ? null : ResolveLiteral(MetricsPath),
        Rerun = RerunModes.From(Continue, Restart),
    };

    /// <summary>
    /// The -WhatIf and -Confirm question, "{action} for 3 epoch(s) on 120 examples, saving
    /// checkpoints in '…'"; true when training may go ahead. Makes the metrics file's folder then.
    /// </summary>
    protected bool ShouldTrain(BertModel model, string action, TrainingOptions options, long examples)
    {
        var what = options.MaxSteps is int steps ? $"{steps} step(s)" : $"{options.Epochs} epoch(s)";
        var target = options.OutputPath is null ? "" : $", saving checkpoints in '{options.OutputPath}'";
        if (!ShouldProcess(model.ToString(), $"{action} for {what} on {examples} examples{target}")) return false;
        if (options.MetricsPath is not null) OutputLocation.CreateParent(options.MetricsPath);
        return true;
    }

    /// <summary>
    /// Progress ("Step 40 of 300 | {detail}") for each step, the engine's warnings as warnings and
    /// its notes as verbose text; <paramref name="eachStep"/> runs first, for a cmdlet's own output.
    /// </summary>
    private protected TrainingCallbacks Callbacks(TrainingProgress progress, Func<TrainingStepMetrics, string> detail, Action<TrainingStepMetrics>? eachStep = null) => new()
    {
        Step = (metrics, step, total) =>
        {
            eachStep?.Invoke(metrics);
            progress.Report(metrics, step, total, detail(metrics));
        },
        Warning = WriteWarning,
        Info = WriteVerbose,
    };

    /// <summary>
    /// Ends the command when the run was stopped (Ctrl+C, a signal; see <see cref="BertCmdlet.StopAfterTraining"/>),
    /// and otherwise writes the verbose end-of-run summary.
    /// </summary>
    protected void Finish(TrainingRunOutcome run, bool cancelled, string? outputPath, TrainingRunSummary summary)
    {
        // First: while the host stops the pipeline, every Write* would throw.
        if (cancelled || SignalReceived) StopAfterTraining(run, outputPath);
        WriteVerbose(run.Start == RunStart.AlreadyFinished
            ? $"{summary.Verb} nothing: run {run.Number} had finished."
            : $"Run {run.Number} ({run.Id}): {summary.Verb.ToLowerInvariant()} {summary.Steps} step(s)"
                + (summary.ResumedFromStep > 0 ? $" after resuming at step {summary.ResumedFromStep}" : "")
                + $"; last loss {summary.FinalLoss:F4}; {summary.SkippedNonFiniteSteps} non-finite step(s) skipped; {summary.PaddingFraction:P1} of batch positions were padding"
                + (summary.Best is string best ? $"; best {best}" : "")
                + (summary.EarlyStopped ? "; stopped early" : "") + $"; {Where(summary.Device, summary.Threads)}.");
    }
}
