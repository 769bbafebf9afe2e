using System.Management.Automation;
using BertAdapt.Engine.Inference;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Classifies texts (or scores them, for regression) with a model's sequence head, in streaming batches.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "BertClassifier")]
[OutputType(typeof(ClassificationResult))]
public sealed class InvokeBertClassifierCommand : InferenceCmdlet<InferenceInput, ClassificationResult>
{
    #region Parameters

    /// <summary>A second text for every input (sentence-pair tasks); binds from a TextPair property too.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string? TextPair { get; set; }

    /// <summary>For multi-label heads: a class is predicted when its sigmoid score is at least this.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double Threshold { get; set; } = 0.5;

    #endregion

    #region Overrides

    protected override void CheckModel() => Predictor.RequireSequenceTask();

    protected override void ProcessRecord()
    {
        foreach (var text in Text) Enqueue(new InferenceInput(text, TextPair));
    }

    protected override IReadOnlyList<ClassificationResult> Predict(IReadOnlyList<InferenceInput> batch) =>
        Predictor.Classify(batch, Threshold, Cancellation);

    #endregion
}
