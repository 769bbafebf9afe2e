using System.Globalization;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.Engine.Training;

/// <summary>
/// What decides what a run trains, by display name: the model it was given, its data (content
/// fingerprints), and every setting that changes the batches, the schedule or the updates. A
/// checkpoint keeps them (<see cref="TrainerState.Settings"/>), a rerun in the same output path
/// compares them entry by entry, and reports show them. Masked-LM and fine-tuning runs build them
/// here alike and add their own entries. Where a run saves or what it logs is left out: those
/// may change between a run and its resumption.
/// </summary>
public static class TrainingSettings
{
    public const string TrainingData = "Training data", ValidationData = "Validation data", Model = "Model", PlannedSteps = "Planned steps";

    public static string Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    /// <param name="objective">The head's own entries (objective and masking, or task and labels).</param>
    /// <param name="model">The model as given, before any resumed weights are loaded; null leaves it out.</param>
    /// <param name="trainingData">The training examples' description (see <see cref="ContentFingerprint.Describe"/>).</param>
    public static Dictionary<string, string> Of(TrainingOptions o, int plannedSteps, IEnumerable<KeyValuePair<string, string>> objective,
        string? model, string trainingData, string? validationData)
    {
        var settings = new Dictionary<string, string>();
        if (model is not null) settings[Model] = model;
        foreach (var (key, value) in objective) settings[key] = value;
        settings[TrainingData] = trainingData;
        settings[ValidationData] = validationData ?? "none";
        settings["Batch size"] = Text(o.BatchSize);
        settings["Gradient accumulation"] = Text(o.GradientAccumulation);
        settings["Sequence length"] = Text(o.SequenceLength);
        settings["Group by length"] = Text(o.GroupByLength);
        settings["Seed"] = Text(o.Seed);
        settings["Peak learning rate"] = Text(o.LearningRate);
        settings["Schedule"] = Text(o.Schedule);
        settings["Warmup"] = o.WarmupSteps is int w ? $"{Text(w)} steps" : $"{Text(o.WarmupRatio)} of the run";
        settings["Weight decay"] = Text(o.WeightDecay);
        settings["Max gradient norm"] = Text(o.MaxGradNorm);
        settings["Adam betas, epsilon"] = $"{Text(o.AdamBeta1)}, {Text(o.AdamBeta2)}, {Text(o.AdamEpsilon)}";
        settings["Precision"] = Text(o.Precision);
        settings["Evaluation"] = o.EvalEvery is int every ? $"every {Text(every)} steps" : o.EvalEachEpoch ? "each epoch" : "none";
        settings["Early stopping patience"] = o.EarlyStoppingPatience is int patience ? Text(patience) : "none";
        settings[PlannedSteps] = Text(plannedSteps);
        return settings;
    }

    /// <summary>The model a run was given: its shape, its vocabulary and a fingerprint of its weights.</summary>
    public static string Describe(BertModel model)
    {
        using var fingerprint = new ContentFingerprint();
        foreach (var (name, parameter) in model.Module.named_parameters())
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            fingerprint.Add(name);
            fingerprint.Add(parameter.detach().cpu().to(TorchSharp.torch.ScalarType.Float32).contiguous().data<float>().ToArray());
        }
        return $"{model.Shape}, vocabulary {VocabularyFingerprint.Of(model.Vocabulary)[..16]}, weights sha256 {fingerprint.Finish()}";
    }

    /// <summary>"Key: before -> now" for each entry that differs (a missing entry reads "not recorded").</summary>
    public static List<string> Differences(IReadOnlyDictionary<string, string> before, IReadOnlyDictionary<string, string> now)
    {
        var changes = new List<string>();
        foreach (var key in now.Keys.Concat(before.Keys).Distinct())
        {
            var was = before.TryGetValue(key, out var b) ? b : "not recorded";
            var @is = now.TryGetValue(key, out var n) ? n : "not recorded";
            if (was != @is) changes.Add($"{key}: {was} -> {@is}");
        }
        return changes;
    }
}
