using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

#pragma warning disable IDE1006 // Field names are Hugging Face's: they become the state-dict keys.

/// <summary>The feed-forward expansion with the configured activation.</summary>
public sealed class BertIntermediate : nn.Module<Tensor, Tensor>
{
    readonly BertLinear dense;
    readonly Func<Tensor, Tensor> activation;

    public BertIntermediate(BertConfig config) : base(nameof(BertIntermediate))
    {
        dense = new BertLinear(config.HiddenSize, config.IntermediateSize);
        activation = Activation.Parse(config.HiddenAct)!;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return activation(dense.call(hidden)).MoveToOuterDisposeScope();
    }
}

/// <summary>The feed-forward contraction, dropout, residual and post-LayerNorm.</summary>
public sealed class BertOutput : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertLinear dense;
    readonly LayerNorm LayerNorm;
    readonly SeededDropout dropout;

    public BertOutput(BertConfig config, DropoutRandom random) : base(nameof(BertOutput))
    {
        dense = new BertLinear(config.IntermediateSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = new SeededDropout(config.HiddenDropoutProb, random);
        RegisterComponents();
    }

    public override Tensor forward(Tensor expanded, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.call(dropout.call(dense.call(expanded)) + residual).MoveToOuterDisposeScope();
    }
}

/// <summary>One post-LN transformer layer: attention, then feed-forward.</summary>
public sealed class BertLayer : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertAttention attention;
    readonly BertIntermediate intermediate;
    readonly BertOutput output;

    public BertLayer(BertConfig config, DropoutRandom random) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config, random);
        intermediate = new BertIntermediate(config);
        output = new BertOutput(config, random);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor attendMask)
    {
        using var scope = NewDisposeScope();
        var attended = attention.call(hidden, attendMask);
        return output.call(intermediate.call(attended), attended).MoveToOuterDisposeScope();
    }
}
