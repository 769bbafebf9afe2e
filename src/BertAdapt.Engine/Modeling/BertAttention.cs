using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

#pragma warning disable IDE1006 // Field names are Hugging Face's: they become the state-dict keys.

/// <summary>How self-attention is computed.</summary>
public enum AttentionKernel
{
    /// <summary>
    /// libtorch's fused scaled_dot_product_attention (the default) wherever no attention dropout is
    /// drawn: in eval mode, or with attention_probs_dropout_prob 0. Its own dropout would draw from
    /// libtorch's process-wide generator, so a training pass with attention dropout takes the
    /// <see cref="Manual"/> sequence, whose dropout draws from the model's <see cref="DropoutRandom"/>.
    /// </summary>
    Fused,
    /// <summary>The textbook sequence (matmul, scale, mask, softmax, dropout, matmul), as Hugging Face's eager BERT does it; for comparison.</summary>
    Manual,
}

/// <summary>Multi-head self-attention with the padding mask (see <see cref="AttentionKernel"/> for how it is computed).</summary>
public sealed class BertSelfAttention : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertLinear query;
    readonly BertLinear key;
    readonly BertLinear value;
    readonly int heads;
    readonly int headSize;
    readonly SeededDropout dropout;

    public BertSelfAttention(BertConfig config, DropoutRandom random) : base(nameof(BertSelfAttention))
    {
        query = new BertLinear(config.HiddenSize, config.HiddenSize);
        key = new BertLinear(config.HiddenSize, config.HiddenSize);
        value = new BertLinear(config.HiddenSize, config.HiddenSize);
        heads = config.NumAttentionHeads;
        headSize = config.HeadSize;
        dropout = new SeededDropout(config.AttentionProbsDropoutProb, random);
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
        var context = Kernel == AttentionKernel.Fused && !dropout.Active
            ? nn.functional.scaled_dot_product_attention(Split(query), Split(key), Split(value), attendMask, 0.0, false)
            : Manual(Split(query), Split(key), Split(value), attendMask);
        return context.transpose(1, 2).reshape(batch, length, heads * headSize).MoveToOuterDisposeScope();
    }

    Tensor Manual(Tensor q, Tensor k, Tensor v, Tensor attendMask)
    {
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(headSize);
        scores = scores.masked_fill(attendMask.logical_not(), double.NegativeInfinity);
        return dropout.call(nn.functional.softmax(scores, -1)).matmul(v);
    }
}

/// <summary>Projection of the attention output, dropout, residual and post-LayerNorm.</summary>
public sealed class BertSelfOutput : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertLinear dense;
    readonly LayerNorm LayerNorm;
    readonly SeededDropout dropout;

    public BertSelfOutput(BertConfig config, DropoutRandom random) : base(nameof(BertSelfOutput))
    {
        dense = new BertLinear(config.HiddenSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        dropout = new SeededDropout(config.HiddenDropoutProb, random);
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

    public BertAttention(BertConfig config, DropoutRandom random) : base(nameof(BertAttention))
    {
        @self = new BertSelfAttention(config, random);
        output = new BertSelfOutput(config, random);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor attendMask)
    {
        using var scope = NewDisposeScope();
        return output.call(@self.call(hidden, attendMask), hidden).MoveToOuterDisposeScope();
    }
}
