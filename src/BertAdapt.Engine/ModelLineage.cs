using System.Globalization;

namespace BertAdapt;

/// <summary>
/// Where a model comes from and what shaped it: the checkpoint it was imported from (with a hash
/// that identifies it), the data files it was trained on (with their hashes), and the settings of
/// each training run. Importing a checkpoint with a manifest carries the manifest's history
/// forward; training adds to it; exporting writes it into the new checkpoint's manifest.
/// </summary>
public sealed class ModelLineage
{
    /// <summary>The checkpoint directory the model was imported from; null for a model made here.</summary>
    public string? BaseCheckpoint { get; internal set; }

    /// <summary>A SHA-256 that identifies the base: of its manifest, or of its weights file where it had none.</summary>
    public string? BaseSha256 { get; internal set; }

    /// <summary>The file in the base checkpoint that <see cref="BaseSha256"/> is the hash of.</summary>
    public string? BaseHashOf { get; internal set; }

    /// <summary>The steps the base had been trained, by its manifest (0 without one).</summary>
    public int BaseSteps { get; internal set; }

    /// <summary>The data files, oldest first, including those the base's manifest lists.</summary>
    public List<TrainedFile> TrainedOn { get; } = [];

    /// <summary>Each training run's settings by display name (see Training.TrainingSettings), oldest first, the base's included.</summary>
    public List<IReadOnlyDictionary<string, string>> Runs { get; } = [];

    /// <summary>Adds a file unless the same file with the same content is already listed.</summary>
    internal void Add(TrainedFile file)
    {
        if (!TrainedOn.Contains(file)) TrainedOn.Add(file);
    }

    /// <summary>The lineage as lines of text: base, each trained-on file, each run's seed and size, the steps in all.</summary>
    public IEnumerable<string> Describe(int stepsTrained)
    {
        yield return BaseCheckpoint is null ? "base: none (made here)"
            : BaseSha256 is null ? $"base: {BaseCheckpoint}"
            : $"base: {BaseCheckpoint} ({BaseHashOf} sha256 {BaseSha256})";
        foreach (var file in TrainedOn) yield return $"trained on: {file}";
        for (int i = 0; i < Runs.Count; i++)
        {
            var run = Runs[i];
            var parts = new List<string>();
            void Part(string key, string label) { if (run.TryGetValue(key, out var value)) parts.Add($"{label} {value}"); }
            Part("Seed", "seed");
            Part("Objective", "objective");
            Part("Task", "task");
            Part("Planned steps", "planned steps");
            Part("Peak learning rate", "learning rate");
            Part("Batch size", "batch size");
            yield return $"run {i + 1}: {(parts.Count == 0 ? "settings not recorded" : string.Join(", ", parts))}";
        }
        yield return $"steps: {(BaseSteps + stepsTrained).ToString(CultureInfo.InvariantCulture)}";
    }
}
