using BertAdapt.Engine.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

#pragma warning disable IDE1006 // Field names are Hugging Face's: they become the state-dict keys.

/// <summary>The losses of one pre-training forward pass. Tensors belong to the caller's dispose scope.</summary>
public sealed record PreTrainingLosses(Tensor Total, Tensor Mlm, Tensor? Nsp, Tensor? NspCorrect);

/// <summary>
/// HF's <c>BertForPreTraining</c>: the encoder under <c>bert.</c> and both heads under <c>cls.</c>,
/// so <see cref="nn.Module.state_dict"/> names match Hugging Face checkpoints one for one.
/// </summary>
public sealed class BertForPreTraining : nn.Module
{
    readonly BertEncoderModel bert;
    readonly BertPreTrainingHeads cls;
    BertLinear? classifier;
    SeededDropout? classifierDropout;

    /// <param name="dropoutSeed">Seeds <see cref="DropoutRandom"/> until a training run reseeds it from its own seed.</param>
    public BertForPreTraining(BertConfig config, long dropoutSeed = 0) : base(nameof(BertForPreTraining))
    {
        Config = config;
        DropoutRandom = new DropoutRandom(dropoutSeed);
        bert = new BertEncoderModel(config, DropoutRandom);
        cls = new BertPreTrainingHeads(config);
        RegisterComponents();
    }

    public BertConfig Config { get; }

    /// <summary>The random stream every dropout of this model (its fine-tuning head's included) draws from; this model's own.</summary>
    public DropoutRandom DropoutRandom { get; }

    public BertEncoderModel Bert => bert;

    /// <summary>The fine-tuning head (HF's <c>classifier</c>), when one is attached.</summary>
    public BertLinear? Classifier => classifier;

    /// <summary>Whether <see cref="Classifier"/> labels every position (token classification) rather than the pooled sequence.</summary>
    public bool TokenLevelClassifier { get; private set; }

    /// <summary>
    /// Adds Hugging Face's fine-tuning head: dropout (classifier_dropout, else hidden_dropout_prob)
    /// then <c>classifier</c>, a linear layer from the pooled output (sequence tasks) or from every
    /// position (token tasks) to <paramref name="labels"/> outputs, initialised like HF
    /// (N(0, initializer_range), zero bias) from <paramref name="seed"/>, on the model's device.
    /// </summary>
    public void AttachClassifier(int labels, bool tokenLevel, long seed)
    {
        if (labels <= 0) throw new ArgumentOutOfRangeException(nameof(labels), labels, "A classifier needs at least one output.");
        var device = Device;
        if (classifier is not null)
        {
            // A head attached before (another task, another label set) is replaced: libtorch's
            // registry refuses a second module of one name, so the old one leaves it first.
            _internal_submodules.Remove("classifier");
            classifier.Dispose();
        }
        classifier = new BertLinear(Config.HiddenSize, labels);
        register_module("classifier", classifier);
        if (classifierDropout is null)
        {
            classifierDropout = new SeededDropout(Config.ClassifierDropout ?? Config.HiddenDropoutProb, DropoutRandom);
            register_module("classifier_dropout", classifierDropout);
        }
        TokenLevelClassifier = tokenLevel;
        WeightInitializer.Initialize(classifier, Config, seed);
        classifier.to(device);
        classifier.train(training);
        classifierDropout.train(training);
    }

    /// <summary>
    /// Float32 classifier logits: [batch, labels] from the pooled output, or [batch, length, labels]
    /// for a token-level head.
    /// </summary>
    public Tensor ClassifierLogits(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        if (classifier is null || classifierDropout is null)
            throw new BertAdaptException("ModelHasNoClassifier", BertAdaptErrorKind.InvalidOperation,
                "This model has no classification head. Fine-tune it with Invoke-FineTune first.");
        var hidden = bert.Encode(inputIds, tokenTypeIds, attentionMask);
        var features = TokenLevelClassifier ? hidden : bert.Pool(hidden);
        return classifier.call(classifierDropout.call(features)).to_type(ScalarType.Float32);
    }

    /// <summary>Where the parameters live; batches are built there.</summary>
    public Device Device => bert.Embeddings.WordEmbeddingWeight.device;

    /// <summary>Chooses the attention kernel of every layer (the bench compares them).</summary>
    public void SetAttentionKernel(AttentionKernel kernel)
    {
        foreach (var module in modules())
            if (module is BertSelfAttention attention) attention.Kernel = kernel;
    }

    /// <summary>
    /// Sets the matmul dtype of every projection: null for float32, BFloat16 for mixed precision
    /// (float32 weights, optimizer state, LayerNorm, softmax and loss; bfloat16 matmuls).
    /// </summary>
    public void SetComputeType(ScalarType? type)
    {
        foreach (var module in modules())
        {
            if (module is BertLinear linear) linear.ComputeType = type;
            else if (module is BertLMPredictionHead head) head.ComputeType = type;
        }
    }

    /// <summary>
    /// A copy of this module with one more vocabulary row per entry of <paramref name="meanOf"/>,
    /// on the same device and in the same dtype and training mode. Each new row of the word
    /// embeddings (which the MLM decoder shares) and of the MLM output bias is the mean of the
    /// existing rows listed in its entry; every other value, a fine-tuning head's included, is copied exactly. The caller disposes
    /// this module once it no longer needs it.
    /// </summary>
    public BertForPreTraining WithVocabularyRows(IReadOnlyList<int[]> meanOf)
    {
        const string WordEmbeddings = "bert.embeddings.word_embeddings.weight", MlmBias = "cls.predictions.bias";
        int oldCount = Config.VocabSize;
        var config = Config.Clone();
        config.VocabSize = oldCount + meanOf.Count;
        var template = parameters().First();
        var resized = new BertForPreTraining(config);
        try
        {
            resized.DropoutRandom.CopyFrom(DropoutRandom);
            // A fine-tuned model keeps its head: attached here, its weights are copied below with the rest.
            if (classifier is not null)
                resized.AttachClassifier((int)classifier.Weight.shape[0], TokenLevelClassifier, seed: 0);
            resized.to(template.dtype).to(template.device);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var sources = named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
            foreach (var (name, target) in resized.named_parameters())
            {
                var source = sources[name];
                if (target.shape.SequenceEqual(source.shape))
                {
                    target.copy_(source);
                    continue;
                }
                if (name is not (WordEmbeddings or MlmBias))
                    throw new BertAdaptException("VocabularyResizeFailed", BertAdaptErrorKind.InvalidOperation,
                        $"Parameter {name} changed shape with the vocabulary; only {WordEmbeddings} and {MlmBias} should.");
                target.narrow(0, 0, oldCount).copy_(source);
                for (int i = 0; i < meanOf.Count; i++)
                    target[oldCount + i].copy_(MeanOfRows(source, meanOf[i]));
            }
            foreach (var (name, buffer) in resized.named_buffers())
                buffer.copy_(named_buffers().First(b => b.name == name).buffer);
            if (training) resized.train(); else resized.eval();
            return resized;
        }
        catch
        {
            resized.Dispose();
            throw;
        }
    }

    // Averaged in float32 so a half-precision model gets the same mean as a float one would.
    static Tensor MeanOfRows(Tensor source, int[] rows) =>
        source.index_select(0, tensor(rows.Select(i => (long)i).ToArray(), device: source.device))
            .to(ScalarType.Float32).mean([0]).to(source.dtype);

    /// <summary>
    /// MLM loss over the masked positions only, plus NSP loss when labels are given.
    /// The vocabulary projection runs on the masked rows alone: with 15% masking that is
    /// about a seventh of the work of projecting every position, and the loss is identical.
    /// </summary>
    /// <param name="maskedPositions">Flat indexes (row * length + column) of the masked tokens.</param>
    /// <param name="maskedLabels">The original token id at each masked position.</param>
    /// <param name="nspLabels">[batch], 0 = B follows A, 1 = B is random; null for MLM alone.</param>
    public PreTrainingLosses Losses(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask,
        Tensor maskedPositions, Tensor maskedLabels, Tensor? nspLabels = null)
    {
        var hidden = bert.Encode(inputIds, tokenTypeIds, attentionMask);
        var mlm = nn.functional.cross_entropy(MaskedLogits(hidden, maskedPositions), maskedLabels);
        if (nspLabels is null) return new PreTrainingLosses(mlm, mlm, null, null);

        var nspLogits = cls.NspLogits(bert.Pool(hidden));
        var nsp = nn.functional.cross_entropy(nspLogits.to_type(ScalarType.Float32), nspLabels);
        var correct = nspLogits.argmax(1).eq(nspLabels).sum();
        return new PreTrainingLosses(mlm + nsp, mlm, nsp, correct);
    }

    /// <summary>The losses of a host-side batch, its tensors made on <see cref="Device"/>.</summary>
    public PreTrainingLosses Losses(MlmBatch batch)
    {
        var (ids, types, mask, positions, labels) = Inputs(batch);
        var nsp = batch.NextSentenceLabels is null ? null : tensor(batch.NextSentenceLabels, device: Device);
        return Losses(ids, types, mask, positions, labels, nsp);
    }

    /// <summary>Sum of masked-token cross-entropy (nats) over a batch, for perplexity.</summary>
    public Tensor MaskedTokenLossSum(MlmBatch batch)
    {
        var (ids, types, mask, positions, labels) = Inputs(batch);
        var hidden = bert.Encode(ids, types, mask);
        return nn.functional.cross_entropy(MaskedLogits(hidden, positions), labels, reduction: nn.Reduction.Sum);
    }

    /// <summary>
    /// Hugging Face's <c>BertForPreTraining</c> outputs: float32 <c>prediction_logits</c>
    /// [batch, length, vocab] at every position and <c>seq_relationship_logits</c> [batch, 2].
    /// For inference and interop checks; training uses <see cref="Losses(MlmBatch)"/>.
    /// </summary>
    public (Tensor PredictionLogits, Tensor SeqRelationshipLogits) Logits(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask)
    {
        var hidden = bert.Encode(inputIds, tokenTypeIds, attentionMask);
        var flat = hidden.view(-1, hidden.shape[2]);
        var prediction = cls.MlmLogits(flat, bert.Embeddings.WordEmbeddingWeight).to_type(ScalarType.Float32)
            .view(hidden.shape[0], hidden.shape[1], -1);
        var relationship = cls.NspLogits(bert.Pool(hidden)).to_type(ScalarType.Float32);
        return (prediction, relationship);
    }

    /// <summary>
    /// Float32 vocabulary logits [n, vocab] at the given flat positions (row × length + column)
    /// only, for fill-mask inference: the vocabulary projection is not run anywhere else.
    /// </summary>
    public Tensor MaskedLmLogits(Tensor inputIds, Tensor tokenTypeIds, Tensor attentionMask, Tensor flatPositions) =>
        MaskedLogits(bert.Encode(inputIds, tokenTypeIds, attentionMask), flatPositions);

    /// <summary>Float32 vocabulary logits at the masked positions only (flat row * length + column indexes).</summary>
    public Tensor MaskedLogits(Tensor hidden, Tensor maskedPositions) =>
        VocabularyLogits(hidden.view(-1, hidden.shape[2]).index_select(0, maskedPositions));

    /// <summary>
    /// The MLM head alone: float32 vocabulary logits [n, vocab] for final hidden states [n, hidden]
    /// computed elsewhere (the bench runs it after ONNX Runtime's encoder).
    /// </summary>
    public Tensor VocabularyLogits(Tensor hiddenRows) =>
        cls.MlmLogits(hiddenRows, bert.Embeddings.WordEmbeddingWeight).to_type(ScalarType.Float32);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) DropoutRandom.Dispose();
    }

    (Tensor Ids, Tensor Types, Tensor Mask, Tensor Positions, Tensor Labels) Inputs(MlmBatch batch)
    {
        var device = Device;
        var shape = new long[] { batch.Rows, batch.Length };
        return (tensor(batch.InputIds, shape, device: device), tensor(batch.TokenTypeIds, shape, device: device),
            tensor(batch.AttentionMask, shape, device: device), tensor(batch.MaskedPositions, device: device),
            tensor(batch.MaskedLabels, device: device));
    }
}
