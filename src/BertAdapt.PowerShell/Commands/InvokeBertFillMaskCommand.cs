using System.Management.Automation;
using BertAdapt.Engine.Inference;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>
/// Predicts the tokens behind each [MASK] of texts with the model's MLM head, in streaming
/// batches. A text without a usable [MASK] is a non-terminating error: it is reported and the
/// other texts go on.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "BertFillMask")]
[OutputType(typeof(FillMaskResult))]
public sealed class InvokeBertFillMaskCommand : InferenceCmdlet<FillMaskInput, FillMaskResult>
{
    #region Parameters

    [Parameter]
    [ValidateRange(1, 1000)]
    public int Top { get; set; } = 5;

    #endregion

    #region Overrides

    protected override void ProcessRecord()
    {
        foreach (var text in Text)
        {
            FillMaskInput prepared;
            try
            {
                prepared = Predictor.PrepareFillMask(text);
            }
            catch (BertAdaptException ex)
            {
                WriteError(ErrorRecords.From(ex));
                continue;
            }
            Enqueue(prepared);
        }
    }

    protected override IReadOnlyList<FillMaskResult> Predict(IReadOnlyList<FillMaskInput> batch) =>
        Predictor.FillMask(batch, Top, Cancellation);

    #endregion
}
