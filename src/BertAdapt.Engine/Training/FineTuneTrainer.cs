using System.Globalization;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Training;

/// <summary>How a fine-tuning run ended; <paramref name="PaddingFraction"/> is the share of batch positions that were padding.</summary>
public sealed record FineTuneResult(int Steps, double? FinalLoss, bool Cancelled, bool EarlyStopped, int SkippedNonFiniteSteps,
    string Metric, double? BestScore, IReadOnlyList<FineTuneEvaluation> Evaluations, double PaddingFraction)
{
    /// <summary>Which run this was and how it began: new, resumed, already finished, continued or restarted.</summary>
    public TrainingRunOutcome Run { get; init; } = null!;
    /// <summary>Where the run computed ("cpu", "cuda:0") and with how many CPU threads.</summary>
    public string Device { get; init; } = "";
    public int Threads { get; init; }
}

/// <summary>
/// Fine-tuning for sequence classification (single and multi-label), regression and token
/// classification, through the same <see cref="TrainingLoop"/> as masked-LM pre-training. The
/// head is Hugging Face's (dropout + <c>classifier</c>), the losses are theirs (cross-entropy,
/// BCE-with-logits, MSE, token cross-entropy ignoring -100), and the best checkpoint is chosen
/// by the task's metric on the validation data: macro-F1 (single-label), micro-F1 (multi-label),
/// entity-level F1 (token classification) or Pearson r (regression).
/// </summary>
public static class FineTuneTrainer
{
    /// <summary>
    /// Trains the model's head (attached beforehand with <see cref="BertModel.AddTaskHead"/>)
    /// and encoder on <paramref name="train"/>.
    /// </summary>
    public static FineTuneResult Train(BertModel model, IFineTuneExamples train, IFineTuneExamples? validation,
        FineTuneOptions options, TrainingCallbacks callbacks, CancellationToken cancellation = default)
    {
        options.Validate();
        if (model.GetTask() != options.Task)
            throw new BertAdaptException("ModelTaskMismatch", BertAdaptErrorKind.InvalidArgument,
                $"The model's head is for {model.GetTask()?.ToString() ?? "pre-training"}, not {options.Task}.");
        if (train.Count == 0)
            throw new BertAdaptException("FineTuneDataEmpty", BertAdaptErrorKind.InvalidData, "There are no training examples.");
        int labels = (int)model.Module.Classifier!.Weight.shape[0];
        if (options.ClassWeights is { } weights && weights.Length != labels)
            throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument,
                $"{weights.Length} class weights were given for {labels} labels.");

        var frozen = Freeze(model, options);
        try
        {
            var objective = new FineTuneObjective(model, train, validation, options, labels);
            var settings = SettingsOf(options, model, train, validation, labels);
            int firstEvaluation = model.Evaluations.Count;
            var result = TrainingLoop.Run(model, objective, options, settings, callbacks, cancellation);
            if (result.Run.Start == RunStart.AlreadyFinished && objective.HasValidation && objective.EvaluateFinishedRun(cancellation))
                callbacks.Info?.Invoke("The finished run's model was evaluated once on the validation data, so Evaluations holds its scores; the earlier epochs' evaluations are in the run's metrics file.");
            return new FineTuneResult(result.Steps, result.FinalLoss, result.Cancelled, result.EarlyStopped, result.SkippedNonFiniteSteps,
                FineTuneEvaluator.MetricOf(options.Task), result.BestScore, model.Evaluations.Skip(firstEvaluation).ToList(), result.PaddingFraction)
            { Run = result.Run, Device = result.Device, Threads = result.Threads };
        }
        finally
        {
            foreach (var parameter in frozen) parameter.requires_grad = true;
        }
    }

    /// <summary>Turns off gradients for the frozen parts; returns what to turn back on.</summary>
    static List<TorchSharp.Modules.Parameter> Freeze(BertModel model, FineTuneOptions options)
    {
        if (options.FreezeLayers > model.Config.NumHiddenLayers)
            throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument,
                $"FreezeLayers is {options.FreezeLayers} but the model has {model.Config.NumHiddenLayers} layers.");
        var frozen = new List<TorchSharp.Modules.Parameter>();
        foreach (var (name, parameter) in model.Module.named_parameters())
        {
            bool freeze = (options.FreezeEmbeddings && name.StartsWith("bert.embeddings.", StringComparison.Ordinal))
                || Enumerable.Range(0, options.FreezeLayers).Any(l => name.StartsWith($"bert.encoder.layer.{l}.", StringComparison.Ordinal));
            if (!freeze || !parameter.requires_grad) continue;
            parameter.requires_grad = false;
            frozen.Add(parameter);
        }
        return frozen;
    }

    /// <summary>The run's settings (see <see cref="TrainingSettings"/>) with fine-tuning's own: the task, its head and its loss.</summary>
    static Dictionary<string, string> SettingsOf(FineTuneOptions o, BertModel model, IFineTuneExamples train, IFineTuneExamples? validation, int labels)
    {
        // Without an output path nothing is compared, so the model and data are not hashed.
        bool compared = o.OutputPath is not null;
        string Data(IFineTuneExamples examples) => compared ? ContentFingerprint.Describe(examples.Count, Fingerprint(examples)) : $"{examples.Count:N0} examples";
        var labelNames = model.Config.Labels.Count > 0 ? string.Join(", ", model.Config.Labels) : TrainingSettings.Text(labels);
        return o.Settings(TrainingLoop.PlannedSteps(o, train.Count), compared ? TrainingSettings.Describe(model) : null,
            Data(train), validation is null ? null : Data(validation), [new("Labels", labelNames)]);
    }

    /// <summary>Every example's ids and labels, in order: what fine-tuning learns from.</summary>
    static string Fingerprint(IFineTuneExamples examples)
    {
        using var fingerprint = new ContentFingerprint();
        for (long i = 0; i < examples.Count; i++)
        {
            var e = examples.Get(i);
            fingerprint.Add(e.TokenIds).Add(e.TokenTypeIds).Add(e.ClassLabel).Add(e.Targets ?? []).Add(e.TokenLabels ?? []);
        }
        return fingerprint.Finish();
    }

    sealed class FineTuneObjective(BertModel model, IFineTuneExamples train, IFineTuneExamples? validation, FineTuneOptions options, int labels)
        : ITrainingObjective<FineTuneBatch>
    {
        readonly FineTuneTask task = options.Task;
        int lastEvaluationStep = model.StepsTrained;

        public long Count => train.Count;

        public FineTuneBatch Collate(long[] indexes, int epoch) =>
            FineTuneBatch.Collate(indexes.Select(train.Get).ToList(), task, labels, model.Vocabulary.PadId);

        public (long Tokens, long Masked, long Positions) Measure(FineTuneBatch batch) => (batch.Tokens, 0, (long)batch.Rows * batch.Length);

        public int LengthOf(long index, int epoch) => train.Get(index).Length;

        Tensor? Weights(Device device) => options.ClassWeights is { } w ? tensor(w, device: device) : null;

        public StepLosses Forward(FineTuneBatch batch)
        {
            var device = model.Module.Device;
            return new StepLosses(ClassifierLoss.Of(ClassifierLoss.Logits(model.Module, batch), batch, task, Weights(device), device));
        }

        public bool HasValidation => validation is not null;

        /// <summary>
        /// For a run that had already finished: evaluates the model it handed back, as at its last
        /// step, so a rerun's Evaluations say how good that model is. False when no step is known.
        /// </summary>
        public bool EvaluateFinishedRun(CancellationToken cancellation)
        {
            if (model.History.Count == 0) return false;
            var last = model.History[^1];
            lastEvaluationStep = model.History.Take(model.History.Count - 1).LastOrDefault(h => h.ValidationScore is not null)?.Step ?? 0;
            Evaluate(cancellation).Annotate(last);
            return true;
        }

        public ValidationOutcome Evaluate(CancellationToken cancellation)
        {
            var (loss, evaluation) = FineTuneEvaluator.Evaluate(model, validation!, task, options.BatchSize, options.Threshold,
                options.ClassWeights, cancellation);
            return new ValidationOutcome(loss, evaluation.Metric, evaluation.Score, HigherIsBetter: true, metrics =>
            {
                var since = model.History.Where(h => h.Step > lastEvaluationStep && h.Step < metrics.Step).Select(h => h.Loss).Append(metrics.Loss).ToList();
                lastEvaluationStep = metrics.Step;
                model.Evaluations.Add(evaluation with { Epoch = metrics.Epoch + 1, Step = metrics.Step, TrainLoss = since.Average() });
                return metrics with { ValidationMetric = evaluation.Metric, ValidationScore = evaluation.Score };
            });
        }
    }
}
