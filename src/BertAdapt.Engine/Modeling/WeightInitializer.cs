using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

/// <summary>
/// Hugging Face's BERT initialisation: every weight matrix and embedding ~ N(0, initializer_range),
/// biases zero, LayerNorm weight one and bias zero, the padding embedding row zero.
/// Parameters are visited in registration order, drawing from a generator of this call's own seeded
/// with <c>seed</c>, so a seed fixes the model whatever else the process draws at the same time.
/// </summary>
public static class WeightInitializer
{
    public static void Initialize(nn.Module model, BertConfig config, long seed, Func<string, bool>? only = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Not libtorch's global generator, which other models and threads draw from too. The draws
        // go through Tensor.normal_: TorchSharp 0.107's nn.init.normal_ takes a generator argument
        // but does not pass it on to libtorch (it draws from the global one), which is why an
        // earlier version seeded the global generator instead.
        using var generator = new Generator((ulong)seed);
        // Held for the whole loop: fill_(1.0) converts to a native Scalar that nothing keeps alive
        // during the call, so a garbage collection meanwhile could free it under libtorch, which
        // then read garbage ("Expected false to be true"; the checkpoint fuzzer hit it twice in 20,000 imports).
        using var one = 1.0.ToScalar();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (only is not null && !only(name)) continue;
            if (name.EndsWith("LayerNorm.weight", StringComparison.Ordinal) || name.EndsWith("LayerNorm.gamma", StringComparison.Ordinal))
                parameter.fill_(one);
            else if (name.EndsWith("bias", StringComparison.Ordinal) || parameter.dim() == 1)
                parameter.zero_();
            else
            {
                // Draw on the CPU from the seeded generator so the result does not depend on the device.
                var values = empty(parameter.shape, parameter.dtype, CPU);
                values.normal_(0.0, config.InitializerRange, generator);
                parameter.copy_(values);
                if (name.EndsWith("word_embeddings.weight", StringComparison.Ordinal))
                    parameter[config.PadTokenId].zero_();
            }
        }
    }
}
