using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertAdapt.Engine.Training;

/// <summary>
/// Where a run stands, saved with each checkpoint: together with the weights, the optimizer
/// state and the libtorch RNG state, this is everything needed to continue exactly.
/// </summary>
public sealed class TrainerState
{
    /// <summary>Optimizer steps completed in this run (a resumed run counts on from its checkpoint).</summary>
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
    /// <summary>What the run trains, by display name (see <see cref="TrainingSettings"/>): a rerun compares them, reports show them.</summary>
    [JsonPropertyName("settings")] public Dictionary<string, string> Settings { get; set; } = [];
    /// <summary>The run this state belongs to: the same id in every checkpoint and metrics line of one run, resumed or not.</summary>
    [JsonPropertyName("run_id")] public string RunId { get; set; } = "";
    /// <summary>1 for the first run in an output path, one more for each run that continued or restarted it.</summary>
    [JsonPropertyName("run_number")] public int RunNumber { get; set; }
    /// <summary>The runs whose weights this run carries on (-Continue), oldest first; empty for a run from the given model.</summary>
    [JsonPropertyName("continued_runs")] public List<string> ContinuedRuns { get; set; } = [];
    /// <summary>The run reached its planned steps or stopped early; a cancelled or crashed run has not finished.</summary>
    [JsonPropertyName("finished")] public bool Finished { get; set; }

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
}
