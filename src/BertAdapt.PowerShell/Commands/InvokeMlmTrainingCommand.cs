using System.Management.Automation;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Training;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Continues (or starts) masked-language-model pre-training on a corpus.</summary>
/// <remarks>
/// The training parameters it shares with Invoke-FineTune are <see cref="TrainingCmdlet"/>'s; the
/// corpus parameters it shares with Measure-Perplexity are read by <see cref="CorpusInput"/>.
/// </remarks>
[Cmdlet(VerbsLifecycle.Invoke, "MlmTraining", SupportsShouldProcess = true, DefaultParameterSetName = CorpusSet)]
[Alias("Invoke-BertMlmTraining")]
[OutputType(typeof(BertModel))]
public sealed class InvokeMlmTrainingCommand : TrainingCmdlet, ICorpusParameters
{
    const string CorpusSet = "Corpus", LiteralCorpusSet = "LiteralCorpus", Activity = "Invoke-MlmTraining";

    readonly CorpusInput input;

    public InvokeMlmTrainingCommand() => input = new CorpusInput(this, this, Activity);

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
    public TrainingObjective Objective { get; set; } = TrainingObjective.Mlm;

    [Parameter]
    public SwitchParameter WholeWordMask { get; set; }

    [Parameter]
    [ValidateRange(0.01, 0.99)]
    public double MaskProbability { get; set; } = 0.15;

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ValidationCorpus { get; set; }

    /// <summary>Validation files named exactly, never expanded; may be given with -ValidationCorpus.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralValidationCorpus { get; set; }

    #endregion

    bool ICorpusParameters.CorpusIsLiteral => ParameterSetName == LiteralCorpusSet;

    protected override TrainingOptions Defaults { get; } = new MlmTrainingOptions();

    /// <summary>One pass over the corpus: continued pre-training on a new corpus is usually measured in steps.</summary>
    protected override int DefaultEpochs => 1;

    #region Overrides

    /// <summary>Each output location is checked before anything is read, so a run never ends on a path it cannot write.</summary>
    protected override void BeginCommand()
    {
        CheckModelArgument(Model);
        Guard(input.CheckCache);
        Guard(CheckTrainingOutputs);
    }

    protected override void ProcessInput() => input.Gather();

    /// <summary>A failed training run ends the command: the next one must not get an untrained model.</summary>
    protected override void EndCommand()
    {
        foreach (var model in input.Models)
        {
            using var data = input.Open(model, new TrainingDataOptions
            {
                Objective = Objective,
                Seed = Seed,
                ValidationSplit = RequestedValidationSplit,
                ValidationFiles = ValidationCorpus is null && LiteralValidationCorpus is null ? null : Guard(() =>
                    ResolveFiles(ValidationCorpus ?? [], literal: false, "Corpus").Concat(ResolveFiles(LiteralValidationCorpus ?? [], literal: true, "Corpus")).Distinct().ToList()),
            });
            using (UseCompute(model)) Train(model, data);
            input.Done();
        }
    }

    #endregion

    void Train(BertModel model, TrainingData data)
    {
        var options = (MlmTrainingOptions)Guard(() => WithTrainingParameters(new MlmTrainingOptions
        {
            Objective = Objective,
            WholeWordMask = WholeWordMask,
            MaskProbability = MaskProbability,
            SequenceLength = SequenceLength,
            // Validation every 100 steps when there is validation data and -EvalEvery is not given.
            EvalEvery = data.Validation is null ? null : 100,
        }));
        if (!ShouldTrain(model, $"Train the {Objective} objective", options, data.Train.Count)) return;

        if (GroupByLength && !LineByLine)
            WriteWarning("-GroupByLength has nothing to group without -LineByLine: packed examples are all full length.");
        var progress = new TrainingProgress(this, 1, Activity);
        var result = Train(() => MlmTrainer.Train(model, data, options, Callbacks(progress, m =>
        {
            var validation = m.ValidationPerplexity is double v ? $" | validation perplexity {v:F2}" : "";
            var nsp = m.NspAccuracy is double a ? $" | NSP accuracy {a:P0}" : "";
            return $"loss {m.Loss:F4} | {m.TokensPerSecond:N0} tokens/s | lr {m.LearningRate:E2}{nsp}{validation}";
        }), Cancellation));
        Finish(result.Run, result.Cancelled, options.OutputPath, new TrainingRunSummary("Trained", result.Steps, result.ResumedFromStep, result.FinalLoss,
            result.SkippedNonFiniteSteps, result.PaddingFraction, result.BestValidationPerplexity is double best ? $"validation perplexity {best:F2}" : null,
            result.EarlyStopped, result.Device, result.Threads));
        // The hashes the token cache took when it read the files: what was trained on, without a second read.
        model.RecordTrainedOn(data.Corpus.Contents);
        WriteObject(model);
    }
}
