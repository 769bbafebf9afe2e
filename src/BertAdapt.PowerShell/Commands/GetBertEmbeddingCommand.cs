using System.Management.Automation;
using BertAdapt.Engine.Inference;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Turns texts into vectors from the encoder's last hidden states, in streaming batches.</summary>
[Cmdlet(VerbsCommon.Get, "BertEmbedding")]
[OutputType(typeof(EmbeddingResult))]
public sealed class GetBertEmbeddingCommand : InferenceCmdlet<string, EmbeddingResult>
{
    #region Parameters

    [Parameter]
    public EmbeddingPooling Pooling { get; set; } = EmbeddingPooling.Mean;

    /// <summary>Scales every vector to unit length, so that a dot product is the cosine similarity.</summary>
    [Parameter]
    public SwitchParameter Normalize { get; set; }

    #endregion

    #region Overrides

    protected override string? Prepare(PSObject? item, string text) => text;

    protected override IReadOnlyList<EmbeddingResult> Predict(IReadOnlyList<string> batch) =>
        Predictor.Embed(batch, Pooling, Normalize, Cancellation);

    #endregion
}
