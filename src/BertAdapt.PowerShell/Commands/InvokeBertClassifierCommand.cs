using System.Management.Automation;
using BertAdapt.Engine.Inference;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>
/// Classifies texts (or scores them, for regression) with a model's sequence head, in streaming
/// batches. Each result gets a Score_&lt;label&gt; column per class, so Export-Csv writes every score.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "BertClassifier", DefaultParameterSetName = PairSet)]
[OutputType(typeof(ClassificationResult))]
public sealed class InvokeBertClassifierCommand : InferenceCmdlet<InferenceInput, ClassificationResult>
{
    const string PairSet = "TextPair", PairPropertySet = "TextPairProperty";

    /// <summary>The property an object's second text is read from when -TextPairProperty does not name one.</summary>
    const string DefaultPairProperty = "TextPair";

    #region Parameters

    /// <summary>A second text for every input (sentence-pair tasks).</summary>
    [Parameter(ParameterSetName = PairSet)]
    [AllowEmptyString]
    public string? TextPair { get; set; }

    /// <summary>The property of a piped object that holds its second text (TextPair, when the object has one, otherwise).</summary>
    [Parameter(ParameterSetName = PairPropertySet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string TextPairProperty { get; set; } = DefaultPairProperty;

    /// <summary>For multi-label heads: a class is predicted when its sigmoid score is at least this.</summary>
    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double Threshold { get; set; } = 0.5;

    /// <summary>What joins the predicted labels in the string form of Labels (an Export-Csv column).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string LabelSeparator { get; set; } = BertModel.LabelSeparator;

    #endregion

    #region Overrides

    protected override void CheckModel() => Predictor.RequireSequenceTask();

    protected override InferenceInput? Prepare(PSObject? item, string text)
    {
        if (ParameterSetName == PairPropertySet)
        {
            if (!PipelineItem.TryGetValue(item, TextPairProperty, "-TextPairProperty", out var value, out var error)
                || !PipelineItem.TryAsText(item!, TextPairProperty, value, out var pair, out error))
            {
                WriteError(error!);
                return null;
            }
            return new InferenceInput(text, pair);
        }
        if (TextPair is not null) return new InferenceInput(text, TextPair);
        // An object with a TextPair property (an Import-Csv row) gives its own pair.
        if (item?.BaseObject is not string && item?.Properties[DefaultPairProperty] is { Value: not null } property)
        {
            if (!PipelineItem.TryAsText(item, DefaultPairProperty, property.Value is PSObject p ? p.BaseObject : property.Value, out var pair, out var error))
            {
                WriteError(error!);
                return null;
            }
            return new InferenceInput(text, pair);
        }
        return new InferenceInput(text);
    }

    protected override IReadOnlyList<ClassificationResult> Predict(IReadOnlyList<InferenceInput> batch) =>
        Predictor.Classify(batch, Threshold, Cancellation, LabelSeparator);

    protected override void AddColumns(PSObject row, object value)
    {
        foreach (var score in ((ClassificationResult)value).GetScores())
            row.Properties.Add(new PSNoteProperty("Score_" + score.Label, score.Score));
    }

    #endregion
}
