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
[OutputType(typeof(FillMaskResult), typeof(FillMaskCandidate))]
public sealed class InvokeBertFillMaskCommand : InferenceCmdlet<FillMaskInput, FillMaskResult>
{
    #region Parameters

    [Parameter]
    [ValidateRange(1, 1000)]
    public int Top { get; set; } = 5;

    /// <summary>Candidates: one row per candidate, carrying its text's Index (and Id), instead of one per text.</summary>
    [Parameter]
    [ValidateSet("Candidates")]
    public string? Expand { get; set; }

    #endregion

    #region Overrides

    protected override FillMaskInput? Prepare(PSObject? item, string text)
    {
        try
        {
            return Predictor.PrepareFillMask(text);
        }
        catch (BertAdaptException ex)
        {
            WriteError(ErrorRecords.From(ex));
            return null;
        }
    }

    protected override IReadOnlyList<FillMaskResult> Predict(IReadOnlyList<FillMaskInput> batch) =>
        Predictor.FillMask(batch, Top, Cancellation);

    protected override IEnumerable<object> Rows(FillMaskResult result) => Expand is null ? [result] : result.Candidates;

    #endregion
}
