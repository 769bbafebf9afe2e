using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// What a study compares and how: the corpora and the labelled task, the strategies, masking
/// rates and seeds, the pre-training budget, and one set of pre-training and one set of
/// fine-tuning settings that every run of its kind gets unchanged (only the seed, the objective,
/// the masking rate, the steps and the output folder are set per run).
/// </summary>
public sealed record AdaptationStudyOptions
{
    /// <summary>The study folder: the base model, each run's folder under runs/, runs.csv and study.json.</summary>
    public required string OutputPath { get; init; }
    /// <summary>Unlabelled text of the domain: what DomainMlm, DomainMlmNsp and DomainThenTaskMlm's first stage train on.</summary>
    public required IReadOnlyList<string> DomainCorpus { get; init; }
    /// <summary>Where domain perplexity is measured; null measures it on <see cref="DomainCorpus"/> itself.</summary>
    public IReadOnlyList<string>? DomainValidationCorpus { get; init; }
    /// <summary>General-domain text, whose perplexity before and after shows what pre-training made the model forget; null for none.</summary>
    public IReadOnlyList<string>? ReferenceCorpus { get; init; }
    public required IReadOnlyList<string> TrainingData { get; init; }
    public required IReadOnlyList<string> ValidationData { get; init; }
    public FineTuneReadOptions ReadOptions { get; init; } = FineTuneReadOptions.Default;
    public FineTuneEncodingOptions Encoding { get; init; } = FineTuneEncodingOptions.Default;
    public bool AutoClassWeights { get; init; }
    /// <summary>Runs even when validation text is in a pre-training corpus (see <see cref="StudyLeakage"/>); the overlap is warned of and recorded.</summary>
    public bool AllowOverlap { get; init; }

    public IReadOnlyList<AdaptationStrategy> Strategies { get; init; } = Enum.GetValues<AdaptationStrategy>();
    public IReadOnlyList<double> MaskProbabilities { get; init; } = [0.15];
    public IReadOnlyList<long> Seeds { get; init; } = [1, 2, 3];
    /// <summary>Every pre-training strategy's budget in steps (DomainThenTaskMlm splits it).</summary>
    public int PretrainSteps { get; init; }
    /// <summary>The budget as the user gave it ("200 steps", "1,000,000 tokens"), for the report.</summary>
    public string PretrainBudget { get; init; } = "";
    /// <summary>Pre-train once per seed instead of once per strategy and masking rate (see <see cref="AdaptationPlan"/>).</summary>
    public bool PretrainEachSeed { get; init; }

    /// <summary>The pre-training settings of every stage: batch, sequence length, learning rate, schedule, device, precision.</summary>
    public MlmTrainingOptions Pretraining { get; init; } = new();
    /// <summary>The fine-tuning settings of every run, the task included.</summary>
    public FineTuneOptions FineTuning { get; init; } = new();
    /// <summary>One example per corpus line instead of packed windows, for pre-training and perplexity alike.</summary>
    public bool LineByLine { get; init; }
    public CorpusReadOptions CorpusReadOptions { get; init; } = CorpusReadOptions.Default;
    public string? CacheDirectory { get; init; }

    /// <summary>Perplexity is always measured at this masking rate with <see cref="PerplexitySeed"/>, whatever rate a model trained at.</summary>
    public const double PerplexityMaskProbability = 0.15;
    public const long PerplexitySeed = 0;
    public int PerplexityBatchSize { get; init; } = 32;
}
