using System.Diagnostics;
using System.Management.Automation;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Training;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Continues (or starts) masked-language-model pre-training on a corpus.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "MlmTraining", SupportsShouldProcess = true)]
[OutputType(typeof(BertModel))]
public sealed class InvokeMlmTrainingCommand : CorpusCmdlet
{
    #region Parameters

    [Parameter]
    [ValidateRange(1, 65536)]
    public int BatchSize { get; set; } = 16;

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
    [ValidateRange(0, int.MaxValue)]
    public int WarmupSteps { get; set; } = -1;

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
    public long Seed { get; set; } = 42;

    /// <summary>A JSONL file that gets one line per optimizer step (appended).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? MetricsPath { get; set; }

    #endregion

    protected override string Activity => "Invoke-MlmTraining";

    protected override void Process(BertModel model, MlmCorpus corpus)
    {
        var options = new MlmTrainingOptions
        {
            BatchSize = BatchSize,
            SequenceLength = SequenceLength,
            MaxSteps = MyInvocation.BoundParameters.ContainsKey(nameof(MaxSteps)) ? MaxSteps : null,
            Epochs = MyInvocation.BoundParameters.ContainsKey(nameof(Epochs)) ? Epochs : null,
            LearningRate = LearningRate,
            WarmupSteps = MyInvocation.BoundParameters.ContainsKey(nameof(WarmupSteps)) ? WarmupSteps : null,
            WeightDecay = WeightDecay,
            MaxGradNorm = MaxGradNorm,
            MaskProbability = MaskProbability,
            Seed = Seed,
            MetricsPath = MetricsPath is null ? null : ResolveLiteral(MetricsPath),
        };
        if (options.MaxSteps is null && options.Epochs is null) options = options with { Epochs = 1 };
        var what = options.MaxSteps is int s ? $"{s} step(s)" : $"{options.Epochs} epoch(s)";
        if (!ShouldProcess(model.ToString(), $"Train the masked-LM objective for {what} on {corpus.Sequences.Count} sequences"
                + (options.MetricsPath is null ? "" : $", appending metrics to '{options.MetricsPath}'")))
            return;

        var progress = new ProgressRecord(1, Activity, "Training");
        var throttle = Stopwatch.StartNew();
        int done = 0;
        var result = Guard(() => MlmTrainer.Train(model, corpus.Sequences, options,
            onStep: (m, total) =>
            {
                done++;
                if (throttle.ElapsedMilliseconds < 250 && done != total) return;
                throttle.Restart();
                progress.StatusDescription = $"Step {m.Step} | loss {m.Loss:F4} | {m.TokensPerSecond:N0} tokens/s | lr {m.LearningRate:E2}";
                progress.PercentComplete = (int)Math.Clamp(100.0 * done / total, 0, 100);
                WriteProgress(progress);
            },
            onWarning: WriteWarning,
            cancellation: Cancellation));
        model.TrainedOn.AddRange(corpus.Files);
        WriteVerbose($"Trained {result.Steps} step(s); last loss {result.FinalLoss:F4}; {result.SkippedNonFiniteSteps} non-finite step(s) skipped.");
        if (result.Cancelled) throw new PipelineStoppedException();
        WriteObject(model);
    }
}
