using System.Management.Automation;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Evaluation;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Measures masked-token perplexity of a model on a corpus, with seeded masking.</summary>
[Cmdlet(VerbsDiagnostic.Measure, "Perplexity", DefaultParameterSetName = CorpusSet)]
[Alias("Measure-BertPerplexity")]
[OutputType(typeof(PerplexityResult))]
public sealed class MeasurePerplexityCommand : CorpusCmdlet
{
    #region Parameters

    [Parameter]
    [ValidateRange(1, 65536)]
    public int BatchSize { get; set; } = 32;

    [Parameter]
    [ValidateRange(0.01, 0.99)]
    public double MaskProbability { get; set; } = 0.15;

    /// <summary>Seeds the masking: the same seed, model and corpus always give the same perplexity.</summary>
    [Parameter]
    public long Seed { get; set; }

    #endregion

    protected override string Activity => "Measure-Perplexity";

    /// <summary>Each piped model is measured on its own: one that fails is an error for it alone.</summary>
    protected override bool EachModelIsAnItem => true;

    protected override void Process(BertModel model, TrainingData data)
    {
        var progress = new ProgressRecord(1, Activity, "Scoring masked tokens");
        var result = PerplexityEvaluator.Measure(model, data.Train, BatchSize, MaskProbability, Seed,
            onBatch: (done, total) =>
            {
                progress.PercentComplete = (int)(100 * done / total);
                progress.StatusDescription = $"Batch {done} of {total}";
                WriteProgress(progress);
            },
            cancellation: Cancellation);
        WriteVerbose($"Measured {result.MaskedTokens} masked token(s) in {result.Sequences} sequence(s) {Where(model.Device, Engine.Training.ComputeThreads.Current)}.");
        WriteObject(result);
        ModelFromPathAttribute.ReleaseIfImported(model);
    }
}
