using System.Globalization;
using System.Text.Json;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Reports;

/// <summary>The "Settings" rows of a report, in display order, gathered from a model or a run directory.</summary>
public static class RunSettings
{
    /// <summary>What the model knows of itself: shape, size, origin and training data.</summary>
    public static List<KeyValuePair<string, string>> FromModel(BertModel model)
    {
        var rows = new List<KeyValuePair<string, string>>();
        void Add(string key, string? value) { if (!string.IsNullOrEmpty(value)) rows.Add(new(key, value)); }
        var config = model.Config;
        Add("Preset", model.Preset);
        Add("Shape", $"{config.NumHiddenLayers} layers, hidden {config.HiddenSize}, {config.NumAttentionHeads} heads, intermediate {config.IntermediateSize}");
        Add("Parameters", model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture));
        Add("Vocabulary", $"{model.Vocabulary.Count.ToString("N0", CultureInfo.InvariantCulture)} tokens ({(model.Vocabulary.LowerCase ? "lower-cased" : "cased")}{model.Vocabulary.TextSettings.Summary()}) from {model.Vocabulary.Source}");
        Add("Max positions", config.MaxPositionEmbeddings.ToString(CultureInfo.InvariantCulture));
        Add("Source", model.Source);
        Add("Device", model.Device);
        Add("Steps trained", model.StepsTrained.ToString("N0", CultureInfo.InvariantCulture));
        Add("Objective", model.History.Count == 0 ? null : model.Task is string task ? $"fine-tuning ({task})"
            : model.History.Any(m => m.NspLoss is not null) ? "MlmNsp (masked LM + next sentence)" : "Mlm (masked LM)");
        Add("Task", model.Task);
        Add("Labels", string.Join(", ", model.Labels));
        if (model.Evaluations.Count > 0 && model.Evaluations[^1] is { BaselineScore: double baseline } last)
            Add($"Baseline {last.Metric}", $"{baseline.ToString("G4", CultureInfo.InvariantCulture)} ({(model.GetTask() == Data.FineTuning.FineTuneTask.Regression ? "the training mean" : "the majority class")})");
        if (model.History.Count > 0)
        {
            Add("Peak learning rate", model.History.Max(m => m.LearningRate).ToString("G4", CultureInfo.InvariantCulture));
            Add("Tokens per step (median)", Median(model.History.Select(m => (double)m.Tokens)).ToString("N0", CultureInfo.InvariantCulture));
        }
        Add("Trained on", string.Join('\n', model.TrainedOn.Distinct()));
        return rows;
    }

    /// <summary>
    /// For a metrics file in a run directory: the settings saved with its newest checkpoint
    /// (trainer_state.json and the model's config.json). Nothing more than the file's own path
    /// when it sits elsewhere.
    /// </summary>
    public static List<KeyValuePair<string, string>> FromJob(string metricsPath)
    {
        var rows = new List<KeyValuePair<string, string>> { new("Metrics file", Path.GetFullPath(metricsPath)) };
        var directory = Path.GetDirectoryName(Path.GetFullPath(metricsPath))!;
        var checkpoint = Directory.EnumerateDirectories(directory, "checkpoint-*")
            .Where(d => File.Exists(Path.Combine(d, "trainer_state.json")))
            .OrderBy(d => d, StringComparer.Ordinal).LastOrDefault();
        if (checkpoint is null) return rows;
        rows.Add(new("Checkpoint", Path.GetFileName(checkpoint)));
        var state = TrainerState.Parse(File.ReadAllText(Path.Combine(checkpoint, "trainer_state.json")), $"'{checkpoint}'");
        rows.AddRange(state.Settings);
        rows.Add(new("Steps in this job", state.Step.ToString("N0", CultureInfo.InvariantCulture)));
        rows.Add(new("Epoch", (state.Epoch + 1).ToString(CultureInfo.InvariantCulture)));
        if (state.SkippedNonFinite > 0) rows.Add(new("Skipped non-finite steps", state.SkippedNonFinite.ToString(CultureInfo.InvariantCulture)));
        if (state.BestValidationScore is double best)
            rows.Add(new($"Best {state.BestValidationMetric ?? "validation score"}", best.ToString("G5", CultureInfo.InvariantCulture)));
        rows.AddRange(FromConfig(Path.Combine(checkpoint, "config.json")));
        return rows;
    }

    static IEnumerable<KeyValuePair<string, string>> FromConfig(string path)
    {
        if (!File.Exists(path)) yield break;
        JsonElement config;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            config = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            yield break;
        }
        if (config.ValueKind != JsonValueKind.Object) yield break;
        foreach (var (key, label) in new[] { ("num_hidden_layers", "Layers"), ("hidden_size", "Hidden size"), ("num_attention_heads", "Attention heads"),
                     ("intermediate_size", "Intermediate size"), ("vocab_size", "Vocabulary size"), ("max_position_embeddings", "Max positions") })
            if (config.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number)
                yield return new(label, value.GetRawText());
    }

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
