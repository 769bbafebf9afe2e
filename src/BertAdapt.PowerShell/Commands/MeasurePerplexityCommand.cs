using System.Management.Automation;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Evaluation;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Measures masked-token perplexity of a model on a corpus, with seeded masking.</summary>
/// <remarks>
/// Models and corpus files come from the pipeline (see <see cref="CorpusInput"/>); each model is
/// measured on its own once the whole corpus is known, and one that fails is an error for it alone.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Measure, "Perplexity", DefaultParameterSetName = CorpusSet)]
[Alias("Measure-BertPerplexity")]
[OutputType(typeof(PerplexityResult))]
public sealed class MeasurePerplexityCommand : ComputeCmdlet, ICorpusParameters
{
    const string CorpusSet = "Corpus", LiteralCorpusSet = "LiteralCorpus", Activity = "Measure-Perplexity";

    readonly CorpusInput input;

    public MeasurePerplexityCommand() => input = new CorpusInput(this, this, Activity);

    #region Parameters

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ModelFromPath]
    public BertModel Model { get; set; } = null!;

    /// <summary>Corpus files: paths, wildcards, or directories with -Recurse.</summary>
    [Parameter(ParameterSetName = CorpusSet, Mandatory = true, Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Corpus { get; set; } = [];

    /// <summary>Corpus files named exactly, never expanded; piped FileInfo objects bind here through PSPath.</summary>
    [Parameter(ParameterSetName = LiteralCorpusSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LiteralPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralCorpus { get; set; } = [];

    [Parameter]
    public SwitchParameter Recurse { get; set; }

    [Parameter]
    [ValidateRange(8, 4096)]
    public int SequenceLength { get; set; } = 128;

    /// <summary>One example per line instead of packed full-length sequences.</summary>
    [Parameter]
    public SwitchParameter LineByLine { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TextField { get; set; } = "text";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TextColumn { get; set; } = "text";

    /// <summary>Reads an invalid UTF-8 byte as U+FFFD instead of stopping with CorpusNotUtf8.</summary>
    [Parameter]
    public SwitchParameter AllowInvalidUtf8 { get; set; }

    /// <summary>The encoding of corpus files without a byte-order mark; UTF-8 by default.</summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingNameCompleter))]
    public System.Text.Encoding? Encoding { get; set; }

    /// <summary>Where token-id shards are cached; the per-user cache by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CacheDirectory { get; set; }

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

    bool ICorpusParameters.CorpusIsLiteral => ParameterSetName == LiteralCorpusSet;

    #region Overrides

    protected override void BeginCommand()
    {
        CheckModelArgument(Model);
        Guard(input.CheckCache);
    }

    protected override void ProcessInput() => input.Gather();

    protected override void EndCommand()
    {
        foreach (var model in input.Models)
        {
            using var data = input.Open(model, new TrainingDataOptions());
            GuardItem(() =>
            {
                using (UseCompute(model)) Measure(model, data);
            });
            input.Done();
        }
    }

    #endregion

    void Measure(BertModel model, TrainingData data)
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
