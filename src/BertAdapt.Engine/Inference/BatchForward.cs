using static TorchSharp.torch;

namespace BertAdapt.Engine.Inference;

/// <summary>
/// The forward passes the inference tasks need, on a padded batch of int64 [rows, length] tensors
/// on the model's device. Each returns float32 on that device, in the caller's dispose scope.
/// </summary>
internal abstract class BatchForward : IDisposable
{
    public static BatchForward For(BertModel model, InferenceRuntime runtime) => runtime switch
    {
        InferenceRuntime.LibTorch => new LibTorchForward(model),
        InferenceRuntime.OnnxRuntime => new OnnxRuntimeForward(model),
        _ => throw new ArgumentOutOfRangeException(nameof(runtime), runtime, "Unknown inference runtime."),
    };

    /// <summary>The encoder's last hidden states [rows, length, hidden].</summary>
    public abstract Tensor LastHidden(Tensor ids, Tensor types, Tensor mask);

    /// <summary>The task head's logits: [rows, classes] for a sequence head, [rows, length, tags] for a token head.</summary>
    public abstract Tensor ClassifierLogits(Tensor ids, Tensor types, Tensor mask);

    /// <summary>The MLM head's vocabulary logits [positions, vocab] at the flat (row * length + column) positions.</summary>
    public abstract Tensor MaskedLmLogits(Tensor ids, Tensor types, Tensor mask, Tensor flatPositions);

    public virtual void Dispose() { }
}
