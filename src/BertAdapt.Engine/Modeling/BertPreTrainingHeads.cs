using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

#pragma warning disable IDE1006 // Field names are Hugging Face's: they become the state-dict keys.

/// <summary>Dense, activation and LayerNorm before the vocabulary projection.</summary>
public sealed class BertPredictionHeadTransform : nn.Module<Tensor, Tensor>
{
    readonly BertLinear dense;
    readonly LayerNorm LayerNorm;
    readonly Func<Tensor, Tensor> activation;

    public BertPredictionHeadTransform(BertConfig config) : base(nameof(BertPredictionHeadTransform))
    {
        dense = new BertLinear(config.HiddenSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        activation = Activation.Parse(config.HiddenAct)!;
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.call(activation(dense.call(hidden))).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The MLM head. Its decoder is the word-embedding matrix (tied, as in HF), so only the
/// transform and the output bias are parameters of their own here.
/// </summary>
public sealed class BertLMPredictionHead : nn.Module<Tensor, Tensor, Tensor>
{
    readonly BertPredictionHeadTransform transform;
    readonly Parameter bias;

    public BertLMPredictionHead(BertConfig config) : base(nameof(BertLMPredictionHead))
    {
        transform = new BertPredictionHeadTransform(config);
        bias = new Parameter(zeros(config.VocabSize));
        RegisterComponents();
    }

    /// <summary>The dtype of the vocabulary projection, or null for the weights' own (see <see cref="BertLinear"/>).</summary>
    public ScalarType? ComputeType { get; set; }

    /// <summary>Vocabulary logits for the given hidden states only (callers pass masked positions).</summary>
    public override Tensor forward(Tensor hidden, Tensor decoderWeight)
    {
        using var scope = NewDisposeScope();
        return BertLinear.Project(transform.call(hidden), decoderWeight, bias, ComputeType).MoveToOuterDisposeScope();
    }
}

/// <summary><c>cls.predictions</c> (MLM) and <c>cls.seq_relationship</c> (NSP).</summary>
public sealed class BertPreTrainingHeads : nn.Module
{
    readonly BertLMPredictionHead predictions;
    readonly BertLinear seq_relationship;

    public BertPreTrainingHeads(BertConfig config) : base(nameof(BertPreTrainingHeads))
    {
        predictions = new BertLMPredictionHead(config);
        seq_relationship = new BertLinear(config.HiddenSize, 2);
        RegisterComponents();
    }

    public Tensor MlmLogits(Tensor hidden, Tensor decoderWeight) => predictions.call(hidden, decoderWeight);

    public Tensor NspLogits(Tensor pooled) => seq_relationship.call(pooled);
}
