using TorchSharp;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using BertAdapt.Engine.Training;
using static TorchSharp.torch;

namespace BertAdapt;

/// <summary>
/// The object that travels the pipeline: a BERT with its pre-training heads, its config and
/// vocabulary, where it came from and what it has been trained on. Disposing it frees the
/// native memory of its parameters.
/// </summary>
public sealed class BertModel : IDisposable
{
    BertForPreTraining? module;

    public BertModel(BertForPreTraining module, BertVocabulary vocabulary, string source)
    {
        this.module = module;
        Vocabulary = vocabulary;
        Source = source;
        ParameterCount = module.parameters().Sum(p => p.numel());
    }

    /// <summary>The TorchSharp module; throws once the model is disposed.</summary>
    public BertForPreTraining Module => module ?? throw new BertAdaptException("ModelDisposed", BertAdaptErrorKind.InvalidOperation, "This model has been disposed.");

    public BertConfig Config => Module.Config;
    public BertVocabulary Vocabulary { get; private set; }
    public string Source { get; }
    public string? Preset => module?.Config.Preset;
    public string Shape => $"L{Config.NumHiddenLayers} H{Config.HiddenSize} A{Config.NumAttentionHeads} I{Config.IntermediateSize} V{Config.VocabSize}";
    public long ParameterCount { get; private set; }
    public string Device => module is null ? "disposed" : module.Device.ToString();
    public bool IsDisposed => module is null;

    public int StepsTrained { get; internal set; }
    public double? LastLoss { get; internal set; }
    public List<TrainingStepMetrics> History { get; } = [];
    public List<string> TrainedOn { get; } = [];

    /// <summary>What importing reported: missing parameters initialised, unexpected keys ignored.</summary>
    public List<string> LoadReport { get; } = [];

    public static BertModel Create(BertConfig config, BertVocabulary vocabulary, long seed, string source)
    {
        if (config.VocabSize != vocabulary.Count)
            throw new BertAdaptException("VocabularySizeMismatch", BertAdaptErrorKind.InvalidArgument,
                $"The config has vocab_size {config.VocabSize} but the vocabulary {vocabulary.Source} has {vocabulary.Count} tokens.");
        var module = new BertForPreTraining(config);
        WeightInitializer.Initialize(module, config, seed);
        module.eval();
        return new BertModel(module, vocabulary, source);
    }

    /// <summary>Moves the parameters to a device (no-op when already there).</summary>
    public void MoveTo(TorchSharp.torch.Device device)
    {
        if (Module.Device.type != device.type) Module.to(device);
    }

    /// <summary>Puts the training record back to a checkpoint's point when a run resumes.</summary>
    internal void ResumeFrom(int stepsTrained, IReadOnlyList<TrainingStepMetrics> history)
    {
        StepsTrained = stepsTrained;
        History.Clear();
        History.AddRange(history);
        LastLoss = history.Count > 0 ? history[^1].Loss : null;
    }

    internal void RecordStep(TrainingStepMetrics metrics)
    {
        History.Add(metrics);
        StepsTrained++;
        LastLoss = metrics.Loss;
    }

    public override string ToString() => $"BertModel {Preset ?? Shape} ({ParameterCount:N0} parameters, {StepsTrained} steps)";

    public void Dispose()
    {
        module?.Dispose();
        module = null;
    }

    /// <summary>Swaps in a rebuilt module (a resized vocabulary) and frees the old one's native memory.</summary>
    internal void ReplaceWeights(BertForPreTraining replacement, BertVocabulary vocabulary)
    {
        var old = Module;
        module = replacement;
        Vocabulary = vocabulary;
        ParameterCount = replacement.parameters().Sum(p => p.numel());
        if (!ReferenceEquals(old, replacement)) old.Dispose();
    }
}
