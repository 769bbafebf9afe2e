using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

#pragma warning disable IDE1006 // Field names are Hugging Face's: they become the state-dict keys.

/// <summary>How self-attention is computed.</summary>
public enum AttentionKernel
{
    /// <summary>libtorch's fused scaled_dot_product_attention (the default).</summary>
    Fused,
    /// <summary>The textbook sequence (matmul, scale, mask, softmax, dropout, matmul), as Hugging Face's eager BERT does it; for comparison.</summary>
    Manual,
}

/// <summary>Multi-head self-attention through scaled_dot_product_attention with the padding mask.</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertLinear query;
    readonly BertLinear key;
    readonly BertLinear value;
    readonly int heads;
    readonly int headSize;
    readonly double dropoutProbability;

    public BertSelfAttention(BertConfig config) : base(nameof(BertSelfAttention))
    {
        query = new BertLinear(config.HiddenSize, config.HiddenSize);
        key = new BertLinear(config.HiddenSize, config.HiddenSize);
        value = new BertLinear(config.HiddenSize, config.HiddenSize);
        heads = config.NumAttentionHeads;
        headSize = config.HeadSize;
        dropoutProbability = config.AttentionProbsDropoutProb;
        RegisterComponents();
    }

    public AttentionKernel Kernel { get; set; } = AttentionKernel.Fused;

    /// <param name="hidden">[batch, length, hidden]</param>
    /// <param name="attendMask">[batch, 1, 1, length] boolean, true where a key may be attended to.</param>
    public override Tensor forward(Tensor hidden, Tensor attendMask)
    {
        using var scope = NewDisposeScope();
        long batch = hidden.shape[0], length = hidden.shape[1];
        Tensor Split(BertLinear projection) => projection.call(hidden).view(batch, length, heads, headSize).transpose(1, 2);
        var p = training ? dropoutProbability : 0.0;
        var context = Kernel == AttentionKernel.Fused
            ? nn.functional.scaled_dot_product_attention(Split(query), Split(key), Split(value), attendMask, p, false)
            : Manual(Split(query), Split(key), Split(value), attendMask, p);
        return context.transpose(1, 2).reshape(batch, length, heads * headSize).MoveToOuterDisposeScope();
    }

    Tensor Manual(Tensor q, Tensor k, Tensor v, Tensor attendMask, double dropout)
    {
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(headSize);
        scores = scores.masked_fill(attendMask.logical_not(), double.NegativeInfinity);
        var weights = nn.functional.softmax(scores, -1);
        if (dropout > 0) weights = nn.functional.dropout(weights, dropout, training: true);
        return weights.matmul(v);
    }
}

/// <summary>Projection of the attention output, dropout, residual and post-LayerNorm.</summary>
public sealed class BertSelfOutput : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertLinear dense;
    readonly LayerNorm LayerNorm;
    readonly Dropout dropout;

    public BertSelfOutput(BertConfig config) : base(nameof(BertSelfOutput))
    {
        dense = new BertLinear(config.HiddenSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = nn.Dropout(config.HiddenDropoutProb);
        RegisterComponents();
    }

    public override Tensor forward(Tensor attended, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.call(dropout.call(dense.call(attended)) + residual).MoveToOuterDisposeScope();
    }
}

/// <summary>HF's BertAttention: <c>attention.self</c> then <c>attention.output</c>.</summary>
public sealed class BertAttention : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertSelfAttention @self;
    readonly BertSelfOutput output;

    public BertAttention(BertConfig config) : base(nameof(BertAttention))
    {
        @self = new BertSelfAttention(config);
        output = new BertSelfOutput(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor attendMask)
    {
        using var scope = NewDisposeScope();
        return output.call(@self.call(hidden, attendMask), hidden).MoveToOuterDisposeScope();
    }
}
