using System.Management.Automation;
using BertAdapt.Engine.Inference;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Tags the words of texts with a model's token head and groups them into entities, in streaming batches.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "BertTokenClassifier")]
[OutputType(typeof(TokenClassificationResult))]
public sealed class InvokeBertTokenClassifierCommand : InferenceCmdlet<string, TokenClassificationResult>
{
    #region Overrides

    protected override void CheckModel()
    {
        Predictor.RequireTokenTask();
        if (!Predictor.TagsAreBio)
            WriteWarning($"The model's tags ({string.Join(", ", Predictor.OutputLabels)}) are not all BIO tags (O, B-TYPE, I-TYPE): "
                + "each word gets its tag, but no entities are grouped.");
    }

    protected override void ProcessRecord()
    {
        foreach (var text in Text) Enqueue(text);
    }

    protected override IReadOnlyList<TokenClassificationResult> Predict(IReadOnlyList<string> batch) =>
        Predictor.ClassifyTokens(batch, Cancellation);

    #endregion
}
