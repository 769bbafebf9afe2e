using System.Globalization;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// What a study is, as a rerun in the same folder must match it: the base model's weights, every
/// input file's content (SHA-256), the strategies, rates, seeds and budget, and the pre-training
/// and fine-tuning settings. A finished run is skipped on a rerun, so without this a changed
/// corpus or setting would mix runs of two different studies in one table.
/// </summary>
public static class StudySettings
{
    public static Dictionary<string, string> Of(BertModel model, AdaptationStudyOptions o)
    {
        string Text(object? value) => TrainingSettings.Text(value);
        string Files(IReadOnlyList<string>? files) => files is null ? "none"
            : string.Join("; ", files.Select(f => { var h = FileHash.Of(f); return $"{Path.GetFileName(f)} ({h.Size} bytes, sha256 {h.Sha256[..16]})"; }));
        var settings = new Dictionary<string, string>
        {
            ["Model"] = TrainingSettings.Describe(model),
            ["Domain corpus"] = Files(o.DomainCorpus),
            ["Domain validation corpus"] = Files(o.DomainValidationCorpus),
            ["Reference corpus"] = Files(o.ReferenceCorpus),
            ["Training data"] = Files(o.TrainingData),
            ["Validation data"] = Files(o.ValidationData),
            ["Strategies"] = string.Join(", ", o.Strategies),
            ["Mask probabilities"] = string.Join(", ", o.MaskProbabilities.Select(m => m.ToString("R", CultureInfo.InvariantCulture))),
            ["Seeds"] = string.Join(", ", o.Seeds),
            ["Pre-training steps"] = Text(o.PretrainSteps),
            ["Pre-training budget"] = o.PretrainBudget,
            ["Pre-training each seed"] = Text(o.PretrainEachSeed),
            ["Line by line"] = Text(o.LineByLine),
            ["Read options"] = $"{o.ReadOptions.TextColumn} | {o.ReadOptions.TextPairColumn} | {o.ReadOptions.LabelColumn} | {o.ReadOptions.LabelSeparator} | skip {o.ReadOptions.SkipInvalidRows} | {o.ReadOptions.Encoding?.WebName ?? "utf-8"}",
            ["Encoding"] = $"max length {o.Encoding.MaxLength}, all sub-tokens {o.Encoding.LabelAllSubTokens}",
            ["Class weights"] = o.AutoClassWeights ? "auto" : "none",
            // The runs' settings hold only the steps these make, and a fine-tuning run's steps are not known before its data is read.
            ["Fine-tuning epochs"] = o.FineTuning.Epochs is int epochs ? Text(epochs) : "none",
            ["Fine-tuning max steps"] = o.FineTuning.MaxSteps is int steps ? Text(steps) : "none",
        };
        foreach (var (key, value) in o.Pretraining.Settings(o.PretrainSteps, null, "", null).Where(Compared))
            settings["Pre-training " + key] = value;
        foreach (var (key, value) in o.FineTuning.Settings(0, null, "", null).Where(Compared))
            settings["Fine-tuning " + key] = value;
        return settings;
    }

    /// <summary>
    /// The plan a study's settings describe (what <see cref="Of"/> wrote into study-plan.json),
    /// for collecting its finished runs without the inputs it was started with.
    /// </summary>
    public static AdaptationPlan PlanOf(IReadOnlyDictionary<string, string> settings, out string budget)
    {
        string Get(string key) => settings.TryGetValue(key, out var value) ? value
            : throw new BertAdaptException("AdaptationStudyNotFound", BertAdaptErrorKind.InvalidData, $"The study plan has no '{key}' entry; it was not written by this version of Compare-BertAdaptation.");
        static IEnumerable<string> Items(string text) => text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        budget = settings.TryGetValue("Pre-training budget", out var b) ? b : "";
        return AdaptationPlan.Create(
            Items(Get("Strategies")).Select(Enum.Parse<AdaptationStrategy>).ToList(),
            Items(Get("Mask probabilities")).Select(m => double.Parse(m, CultureInfo.InvariantCulture)).ToList(),
            Items(Get("Seeds")).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToList(),
            int.Parse(Get("Pre-training steps"), CultureInfo.InvariantCulture),
            bool.Parse(Get("Pre-training each seed")));
    }

    /// <summary>The per-run entries (seed, data, steps, objective, masking) differ run by run by design; the study's own entries cover them.</summary>
    static bool Compared(KeyValuePair<string, string> entry) => entry.Key is not ("Seed" or TrainingSettings.TrainingData or TrainingSettings.ValidationData
        or TrainingSettings.PlannedSteps or "Objective" or "Mask probability");
}
