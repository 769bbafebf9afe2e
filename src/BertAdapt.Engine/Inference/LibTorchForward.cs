using static TorchSharp.torch;

namespace BertAdapt.Engine.Inference;

/// <summary><see cref="InferenceRuntime.LibTorch"/>: the model's own modules.</summary>
internal sealed class LibTorchForward(BertModel model) : BatchForward
{
    public override Tensor LastHidden(Tensor ids, Tensor types, Tensor mask) => model.Module.Bert.Encode(ids, types, mask).to_type(ScalarType.Float32);

    public override Tensor ClassifierLogits(Tensor ids, Tensor types, Tensor mask) => model.Module.ClassifierLogits(ids, types, mask);

    public override Tensor MaskedLmLogits(Tensor ids, Tensor types, Tensor mask, Tensor flatPositions) =>
        model.Module.MaskedLmLogits(ids, types, mask, flatPositions);
}
