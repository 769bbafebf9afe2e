using System.Globalization;

namespace BertAdapt;

/// <summary>
/// Where a model comes from and what shaped it: the checkpoint it was imported from (with the
/// hash of its weights file), the checkpoints that one descends from, the data files it was
/// trained on (with their hashes), and the settings of each training run. Importing a checkpoint
/// with a manifest carries the manifest's history forward; training adds to it; exporting writes
/// it into the new checkpoint's manifest.
/// </summary>
public sealed class ModelLineage
{
    /// <summary>The checkpoint the model was imported from; null for a model made here.</summary>
    public CheckpointReference? Base { get; internal set; }

    /// <summary>The checkpoints the base descends from, oldest first, by its manifest.</summary>
    public List<CheckpointReference> EarlierBases { get; } = [];

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

    /// <summary>The lineage as lines of text: bases, each trained-on file, each run's seed and size, the steps in all.</summary>
    public IEnumerable<string> Describe(int stepsTrained)
    {
        foreach (var earlier in EarlierBases) yield return $"descends from: {earlier}";
        yield return Base is null ? "base: none (made here)" : $"base: {Base}";
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
