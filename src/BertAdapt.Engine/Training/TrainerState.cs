using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertAdapt.Engine.Training;

/// <summary>
/// Where a run stands, saved with each checkpoint: together with the weights, the optimizer
/// state and the libtorch RNG state, this is everything needed to continue exactly.
/// </summary>
public sealed class TrainerState
{
    /// <summary>Optimizer steps completed in this run.</summary>
    [JsonPropertyName("step")] public int Step { get; set; }
    /// <summary>The epoch the data cursor is in (0-based) and how many examples of it were used.</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; set; }
    [JsonPropertyName("cursor")] public long Cursor { get; set; }
    /// <summary>The model's StepsTrained at this point (steps from earlier runs included).</summary>
    [JsonPropertyName("model_steps_trained")] public int ModelStepsTrained { get; set; }
    [JsonPropertyName("skipped_non_finite")] public int SkippedNonFinite { get; set; }
    /// <summary>The best validation score so far (loss for MLM; the task's metric for fine-tuning).</summary>
    [JsonPropertyName("best_validation_score")] public double? BestValidationScore { get; set; }
    [JsonPropertyName("best_validation_metric")] public string? BestValidationMetric { get; set; }
    [JsonPropertyName("evaluations_without_improvement")] public int EvaluationsWithoutImprovement { get; set; }
    /// <summary>Float16 runs: the loss scale and the good steps since it last changed.</summary>
    [JsonPropertyName("loss_scale"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? LossScale { get; set; }
    [JsonPropertyName("loss_scale_good_steps")] public int LossScaleGoodSteps { get; set; }
    /// <summary>The settings that decide the data order and schedule; a resume checks them.</summary>
    [JsonPropertyName("fingerprint")] public string Fingerprint { get; set; } = "";
    /// <summary>The run's settings by display name, for people and reports.</summary>
    [JsonPropertyName("settings")] public Dictionary<string, string> Settings { get; set; } = [];

    static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static TrainerState Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(json, Options)
                ?? throw new JsonException("empty");
        }
        catch (JsonException ex)
        {
            throw new BertAdaptException("CheckpointCorrupt", BertAdaptErrorKind.InvalidData, $"The trainer state {source} is not valid: {ex.Message}", source, ex);
        }
    }

    /// <summary>What must match for a resumed run to continue the same sequence of batches.</summary>
    public static string FingerprintOf(MlmTrainingOptions o, long exampleCount, int totalSteps) =>
        string.Join('|', SettingsOf(o, exampleCount, totalSteps).Values);

    /// <summary>The settings that decide a run's batches and schedule, by display name.</summary>
    public static Dictionary<string, string> SettingsOf(MlmTrainingOptions o, long exampleCount, int totalSteps)
    {
        static string Text(object value) => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!;
        return new()
        {
            ["Objective"] = Text(o.Objective),
            ["Whole-word masking"] = Text(o.WholeWordMask),
            ["Group by length"] = Text(o.GroupByLength),
            ["Batch size"] = Text(o.BatchSize),
            ["Gradient accumulation"] = Text(o.GradientAccumulation),
            ["Sequence length"] = Text(o.SequenceLength),
            ["Seed"] = Text(o.Seed),
            ["Mask probability"] = Text(o.MaskProbability),
            ["Peak learning rate"] = Text(o.LearningRate),
            ["Schedule"] = Text(o.Schedule),
            ["Precision"] = Text(o.Precision),
            ["Training examples"] = Text(exampleCount),
            ["Planned steps"] = Text(totalSteps),
        };
    }
}
