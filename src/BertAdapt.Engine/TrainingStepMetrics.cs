using System.Text.Json.Serialization;

namespace BertAdapt;

/// <summary>
/// One optimizer step, as written to the metrics JSONL and kept on the model. <see cref="Step"/>
/// counts the model's steps across runs; <see cref="RunId"/> and <see cref="RunStep"/> say which
/// run took it and where in that run, so a file that several runs appended to never mixes them.
/// </summary>
public sealed record TrainingStepMetrics(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("learning_rate")] double LearningRate,
    [property: JsonPropertyName("grad_norm")] double GradNorm,
    [property: JsonPropertyName("tokens")] long Tokens,
    [property: JsonPropertyName("masked_tokens")] long MaskedTokens,
    [property: JsonPropertyName("tokens_per_second")] double TokensPerSecond,
    [property: JsonPropertyName("elapsed_seconds")] double ElapsedSeconds)
{
    /// <summary>The run that took the step (the run directory's trainer state names it); null in files written before runs had ids.</summary>
    [JsonPropertyName("run_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RunId { get; init; }
    /// <summary>The step's number within its run, 1-based.</summary>
    [JsonPropertyName("run_step"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? RunStep { get; init; }
    /// <summary>The MLM part of the loss (equal to Loss without NSP).</summary>
    [JsonPropertyName("mlm_loss")] public double? MlmLoss { get; init; }
    [JsonPropertyName("nsp_loss"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? NspLoss { get; init; }
    [JsonPropertyName("nsp_accuracy"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? NspAccuracy { get; init; }
    /// <summary>Share of the step's batch positions that were padding.</summary>
    [JsonPropertyName("padding_fraction"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? PaddingFraction { get; init; }
    /// <summary>Set on the steps where validation ran.</summary>
    [JsonPropertyName("validation_perplexity"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? ValidationPerplexity { get; init; }
    [JsonPropertyName("validation_loss"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? ValidationLoss { get; init; }
    /// <summary>Fine-tuning: the task's validation metric and its value.</summary>
    [JsonPropertyName("validation_metric"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ValidationMetric { get; init; }
    [JsonPropertyName("validation_score"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? ValidationScore { get; init; }
    /// <summary>Where the step ran ("cpu", "cuda:0") and with how many CPU threads: what a step time means on a shared machine.</summary>
    [JsonPropertyName("device"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Device { get; init; }
    [JsonPropertyName("threads"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Threads { get; init; }
    /// <summary>Float16 runs: the loss scale the step used.</summary>
    [JsonPropertyName("loss_scale"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public double? LossScale { get; init; }
}
