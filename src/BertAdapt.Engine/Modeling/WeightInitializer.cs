using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

/// <summary>
/// Hugging Face's BERT initialisation: every weight matrix and embedding ~ N(0, initializer_range),
/// biases zero, LayerNorm weight one and bias zero, the padding embedding row zero.
/// Parameters are visited in registration order after seeding the generator, so a seed fixes the model.
/// </summary>
public static class WeightInitializer
{
    public static void Initialize(nn.Module model, BertConfig config, long seed, Func<string, bool>? only = null)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Seed the global generator: with TorchSharp 0.107, normal_ given its own Generator gave
        // different draws for two models of one seed (tested), so the explicit form is not used.
        torch.manual_seed(seed);
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
                nn.init.normal_(values, 0.0, config.InitializerRange);
                parameter.copy_(values);
                if (name.EndsWith("word_embeddings.weight", StringComparison.Ordinal))
                    parameter[config.PadTokenId].zero_();
            }
        }
    }
}
