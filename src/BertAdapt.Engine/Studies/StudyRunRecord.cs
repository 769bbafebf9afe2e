namespace BertAdapt.Engine.Studies;

/// <summary>
/// One run of a study as runs.csv and study.json list it, and as run.json in its folder records it
/// once the run has finished (a rerun of the study then skips it). The numbers come from the
/// run's own metrics.jsonl (the lines of its run id): Tokens and Steps add up its steps, WallSeconds
/// is the time in the training loop summed over the sessions that ran it, and Score is the
/// validation score of its last evaluation. Kind "Base" is the base model's perplexity.
/// </summary>
public sealed record StudyRunRecord
{
    public const string Base = "Base", Pretrain = "Pretrain", FineTune = "FineTune";

    public string Kind { get; init; } = "";
    /// <summary>The run's folder under the study's runs folder ("base-model" for the base).</summary>
    public string Folder { get; init; } = "";
    public AdaptationStrategy? Strategy { get; init; }
    /// <summary>Pre-training: the stage (DomainThenTaskMlm has 2) and its corpus.</summary>
    public int? Stage { get; init; }
    public string? Corpus { get; init; }
    public string? Objective { get; init; }
    public double? MaskProbability { get; init; }
    public long? Seed { get; init; }
    public string? RunId { get; init; }
    public int Steps { get; init; }
    public long Tokens { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>Fine-tuning: the task's metric (macro-F1, ...) and its value at the last evaluation.</summary>
    public string? Metric { get; init; }
    public double? Score { get; init; }
    /// <summary>Masked-token perplexity after this run (before any, for the base), at 15% masking with a fixed seed.</summary>
    public double? DomainPerplexity { get; init; }
    public double? ReferencePerplexity { get; init; }
    /// <summary>Pre-training: the checkpoint folder (in the run folder) that fine-tuning starts from.</summary>
    public string? Checkpoint { get; init; }
    /// <summary>The folder of the model the run started from ("base-model", or a pre-training run's).</summary>
    public string? StartedFrom { get; init; }
}
