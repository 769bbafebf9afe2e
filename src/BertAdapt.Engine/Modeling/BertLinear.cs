using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

#pragma warning disable IDE1006 // Field names are Hugging Face's: they become the state-dict keys.

/// <summary>
/// A linear layer that keeps float32 weights (the master copy the optimizer updates) but can
/// compute in bfloat16. TorchSharp has no autocast, so mixed precision is explicit: when
/// <see cref="ComputeType"/> is set, input and weights are cast for the matmul and the result
/// is cast back, so LayerNorm, softmax, residuals and the loss stay in float32. Autograd carries
/// the gradients back through the casts into the float32 weights.
/// </summary>
public sealed class BertLinear : nn.Module<Tensor, Tensor>
{
    readonly Parameter weight;
    readonly Parameter bias;

    public BertLinear(long inputSize, long outputSize) : base(nameof(BertLinear))
    {
        weight = new Parameter(empty(outputSize, inputSize));
        bias = new Parameter(zeros(outputSize));
        RegisterComponents();
    }

    /// <summary>[out, in], as in Hugging Face.</summary>
    public Tensor Weight => weight;

    /// <summary>The matmul dtype, or null to compute in the weights' own dtype.</summary>
    public ScalarType? ComputeType { get; set; }

    public override Tensor forward(Tensor input) => Project(input, weight, bias, ComputeType);

    /// <summary>input · weightᵀ + bias, in <paramref name="computeType"/> when given.</summary>
    public static Tensor Project(Tensor input, Tensor weight, Tensor bias, ScalarType? computeType)
    {
        if (computeType is not ScalarType type || type == input.dtype && type == weight.dtype)
            return nn.functional.linear(input, weight, bias);
        using var scope = NewDisposeScope();
        var result = nn.functional.linear(input.to(type), weight.to(type), bias.to(type)).to(input.dtype);
        return result.MoveToOuterDisposeScope();
    }
}
