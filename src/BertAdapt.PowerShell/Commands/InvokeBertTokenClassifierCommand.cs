using System.Management.Automation;
using BertAdapt.Engine.Inference;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>
/// Tags the words of texts with a model's token head and groups them into entities, in streaming
/// batches; with -Expand, writes one row per entity or per word instead of one per text.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "BertTokenClassifier")]
[OutputType(typeof(TokenClassificationResult), typeof(PredictedEntity), typeof(PredictedWord))]
public sealed class InvokeBertTokenClassifierCommand : InferenceCmdlet<string, TokenClassificationResult>
{
    #region Parameters

    /// <summary>Entities: one row per entity; Words: one row per word. Each row carries its text's Index (and Id).</summary>
    [Parameter]
    [ValidateSet("Entities", "Words")]
    public string? Expand { get; set; }

    #endregion

    #region Overrides

    protected override void CheckModel()
    {
        Predictor.RequireTokenTask();
        if (!Predictor.TagsAreBio)
            WriteWarning($"The model's tags ({string.Join(", ", Predictor.OutputLabels)}) are not all BIO tags (O, B-TYPE, I-TYPE): "
                + "each word gets its tag, but no entities are grouped.");
    }

    protected override string? Prepare(PSObject? item, string text) => text;

    protected override IReadOnlyList<TokenClassificationResult> Predict(IReadOnlyList<string> batch) =>
        Predictor.ClassifyTokens(batch, Cancellation);

    protected override IEnumerable<object> Rows(TokenClassificationResult result) => Expand switch
    {
        "Entities" => result.Entities,
        "Words" => result.Words,
        _ => [result],
    };

    #endregion
}
