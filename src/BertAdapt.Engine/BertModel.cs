using TorchSharp;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
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
    /// <remarks>
    /// Internal, and public as <see cref="GetModule"/>: Export-Csv and ConvertTo-Json walk a
    /// model's public properties, and this one would lead them into every weight tensor.
    /// </remarks>
    internal BertForPreTraining Module => module ?? throw Disposed();

    /// <summary>Throws ModelDisposed once the model is disposed, so a command can refuse it before any work.</summary>
    public void ThrowIfDisposed()
    {
        if (module is null) throw Disposed();
    }

    BertAdaptException Disposed() => new("ModelDisposed", BertAdaptErrorKind.InvalidOperation,
        $"The model from '{Source}' has been disposed: its weights are freed. Import or create it again.", this);

    /// <summary>The TorchSharp module (BERT and its heads); throws once the model is disposed.</summary>
    public BertForPreTraining GetModule() => Module;

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

    /// <summary>One record per optimizer step (<c>$model.History | Export-Csv</c> writes one row each).</summary>
    public RecordList<TrainingStepMetrics> History { get; } = new("step", "steps");

    /// <summary>The files the model was trained on; as text, joined by the platform's path-list separator.</summary>
    public DelimitedList<string> TrainedOn { get; } = new(Path.PathSeparator.ToString());

    readonly ModelLineage lineage = new();

    /// <summary>
    /// Where the model comes from, as lines (base checkpoint and its hash, each trained-on file with
    /// its size and SHA-256, each run's seed and settings, the steps in all); as text joined by "; ".
    /// <see cref="GetLineage"/> gives the record an exported checkpoint's manifest is written from.
    /// </summary>
    public DelimitedList<string> Lineage => new(lineage.Describe(StepsTrained), "; ");

    /// <summary>The model's lineage as a record (a method, so that Export-Csv and ConvertTo-Json keep to <see cref="Lineage"/>).</summary>
    public ModelLineage GetLineage() => lineage;

    /// <summary>Records files the model has been trained on: in <see cref="TrainedOn"/>, and hashed now (streamed) in its lineage.</summary>
    public void RecordTrainedOn(IEnumerable<string> files) => RecordTrainedOn(files.Select(TrainedFile.Of));

    /// <summary>Records files the model has been trained on, with the hashes they had when they were read.</summary>
    public void RecordTrainedOn(IEnumerable<TrainedFile> files)
    {
        foreach (var file in files)
        {
            TrainedOn.Add(file.Path);
            lineage.Add(file);
        }
    }

    /// <summary>Records a training run's settings (see Training.TrainingSettings) in the lineage.</summary>
    internal void RecordRun(IReadOnlyDictionary<string, string> settings) => lineage.Runs.Add(new Dictionary<string, string>(settings));

    /// <summary>
    /// The fine-tuning task of the attached head by name (SequenceClassification, ...), or null for
    /// a pre-training model. A name rather than the enum, so that ConvertTo-Json writes it as one;
    /// <see cref="GetTask"/> gives the enum.
    /// </summary>
    public string? Task => GetTask()?.ToString();

    /// <summary>The fine-tuning task of the attached head, or null for a pre-training model.</summary>
    public FineTuneTask? GetTask() => module?.Classifier is not BertLinear head ? null
        : TaskOf(Config, module.TokenLevelClassifier, (int)head.Weight.shape[0]);

    /// <summary>
    /// The head's class (or tag) names in output order; empty for regression and pre-training
    /// models. As text they are joined by "|", Invoke-FineTune's default -LabelSeparator.
    /// </summary>
    public DelimitedList<string> Labels => new(Config.Labels, LabelSeparator);

    /// <summary>What joins several labels in one text: Invoke-FineTune's and Invoke-BertClassifier's default.</summary>
    public const string LabelSeparator = FineTuneReadOptions.DefaultLabelSeparator;

    /// <summary>The evaluations of the fine-tuning runs so far, one per validation pass (for Export-Csv).</summary>
    public RecordList<FineTuneEvaluation> Evaluations { get; } = new("evaluation", "evaluations");

    /// <summary>The Hugging Face class this model is exported as.</summary>
    public string Architecture => GetTask() switch
    {
        null => "BertForPreTraining",
        FineTuneTask.TokenClassification => "BertForTokenClassification",
        _ => "BertForSequenceClassification",
    };

    /// <summary>
    /// Attaches a new fine-tuning head for <paramref name="task"/> (replacing any), and records the
    /// labels and problem_type in the config as Hugging Face does.
    /// </summary>
    public void AddTaskHead(FineTuneTask task, IReadOnlyList<string> labels, long seed)
    {
        int outputs = task == FineTuneTask.Regression ? 1 : labels.Count;
        if (outputs == 0)
            throw new BertAdaptException("FineTuneTooFewLabels", BertAdaptErrorKind.InvalidData, $"A {task} head needs at least one label.");
        var config = Config;
        if (task == FineTuneTask.Regression) { config.Id2Label = null; config.Label2Id = null; }
        else config.SetLabels(labels);
        config.ProblemType = task.ProblemType();
        Module.AttachClassifier(outputs, task == FineTuneTask.TokenClassification, seed);
        config.Architectures = [Architecture];
        RefreshParameterCount();
    }

    internal void RefreshParameterCount() => ParameterCount = Module.parameters().Sum(p => p.numel());

    /// <summary>The task a config describes for a head with these outputs (Hugging Face's rules), or null.</summary>
    public static FineTuneTask TaskOf(BertConfig config, bool tokenLevel, int outputs)
    {
        if (tokenLevel) return FineTuneTask.TokenClassification;
        return FineTuneTasks.FromProblemType(config.ProblemType)
            ?? (outputs == 1 ? FineTuneTask.Regression : FineTuneTask.SequenceClassification);
    }

    /// <summary>What importing reported: missing parameters initialised, unexpected keys ignored.</summary>
    public DelimitedList<string> LoadReport { get; } = new("; ");

    public static BertModel Create(BertConfig config, BertVocabulary vocabulary, long seed, string source)
    {
        if (config.VocabSize != vocabulary.Count)
            throw new BertAdaptException("VocabularySizeMismatch", BertAdaptErrorKind.InvalidArgument,
                $"The config has vocab_size {config.VocabSize} but the vocabulary {vocabulary.Source} has {vocabulary.Count} tokens.");
        var module = new BertForPreTraining(config, dropoutSeed: seed);
        WeightInitializer.Initialize(module, config, seed);
        module.eval();
        return new BertModel(module, vocabulary, source);
    }

    /// <summary>Moves the parameters to a device (no-op when already there; cuda:0 and cuda:1 are different places).</summary>
    public void MoveTo(TorchSharp.torch.Device device)
    {
        var current = Module.Device;
        if (current.type != device.type || (device.type != DeviceType.CPU && current.index != device.index)) Module.to(device);
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

    public override string ToString() => module is null
        ? $"BertModel from '{Source}' (disposed)"
        : $"BertModel {Preset ?? Shape} ({ParameterCount:N0} parameters, {StepsTrained} steps)";

    public void Dispose()
    {
        module?.Dispose();
        module = null;
    }

    /// <summary>
    /// Adds whole-word tokens to the vocabulary (<see cref="VocabularyPlan"/> says which and how
    /// they are normalised) and grows the embeddings to match. Each new embedding row (and MLM
    /// output bias) starts as the mean of the rows of the pieces the word used to be split into,
    /// so the model's view of the word barely moves and training refines it from there. Returns
    /// the tokens added; a bad token throws before anything changes.
    /// </summary>
    public IReadOnlyList<string> ExtendVocabulary(IEnumerable<string> tokens, Action<string>? onSkipped = null)
    {
        var plan = VocabularyPlan.For(Vocabulary, tokens);
        foreach (var token in plan.Skipped) onSkipped?.Invoke(token);
        if (plan.Added.Count == 0) return plan.Added;

        var extended = plan.AppendTo(Vocabulary);
        var pieces = plan.Added.Select(t => Vocabulary.Encode(t).ToArray()).ToList();
        var old = Module;
        module = old.WithVocabularyRows(pieces);
        Vocabulary = extended;
        ParameterCount = module.parameters().Sum(p => p.numel());
        old.Dispose();
        return plan.Added;
    }
}
