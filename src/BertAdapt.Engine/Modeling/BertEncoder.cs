using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

#pragma warning disable IDE1006 // Field names are Hugging Face's: they become the state-dict keys.

/// <summary>The stack of layers (<c>encoder.layer.N</c>).</summary>
public sealed class BertEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    readonly ModuleList<BertLayer> layer;

    public BertEncoder(BertConfig config, DropoutRandom random) : base(nameof(BertEncoder))
    {
        layer = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new BertLayer(config, random)).ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden, Tensor attendMask)
    {
        using var scope = NewDisposeScope();
        var x = hidden;
        foreach (var l in layer) x = l.call(x, attendMask);
        return x.MoveToOuterDisposeScope();
    }
}

/// <summary>Dense + tanh over the first ([CLS]) position.</summary>
public sealed class BertPooler : nn.Module<Tensor, Tensor>
{
    readonly BertLinear dense;

    public BertPooler(BertConfig config) : base(nameof(BertPooler))
    {
        dense = new BertLinear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        return tanh(dense.call(hidden.select(1, 0))).MoveToOuterDisposeScope();
    }
}

/// <summary>HF's <c>BertModel</c> (the <c>bert.</c> prefix): embeddings, encoder, pooler.</summary>
public sealed class BertEncoderModel : nn.Module
{
    readonly BertEmbeddings embeddings;
    readonly BertEncoder encoder;
    readonly BertPooler pooler;

    public BertEncoderModel(BertConfig config, DropoutRandom random) : base("BertModel")
    {
        embeddings = new BertEmbeddings(config, random);
        encoder = new BertEncoder(config, random);
        pooler = new BertPooler(config);
        RegisterComponents();
    }

    public BertEmbeddings Embeddings => embeddings;

    /// <summary>Returns the last hidden state [batch, length, hidden].</summary>
    /// <param name="attentionMask">[batch, length], 1 for tokens and 0 for padding.</param>
    public Tensor Encode(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var attend = attentionMask.to_type(ScalarType.Bool).unsqueeze(1).unsqueeze(1);
        return encoder.call(embeddings.call(inputIds, tokenTypeIds), attend).MoveToOuterDisposeScope();
    }

    public Tensor Pool(Tensor lastHidden) => pooler.call(lastHidden);
}
