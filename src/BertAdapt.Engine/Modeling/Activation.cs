using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

/// <summary>The activations Hugging Face BERT configs name in <c>hidden_act</c>.</summary>
public static class Activation
{
    public static Func<Tensor, Tensor>? Parse(string name) => name switch
    {
        "gelu" => x => nn.functional.gelu(x),
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => x => nn.functional.gelu(x, TorchSharp.Modules.GELU.Approximate.tanh, false),
        "relu" => x => nn.functional.relu(x),
        _ => null,
    };
}
