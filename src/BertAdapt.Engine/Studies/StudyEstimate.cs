using System.Globalization;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// What a study would do and cost, without doing it: every planned run with its steps, tokens
/// and estimated seconds, and the totals, including the disk the study folder will take. Sizes
/// of the data come from <see cref="StudyDataSample"/> (the first bytes of each file), times from
/// a <see cref="StudyCalibration"/> on this machine. Nothing is written to the study folder.
/// </summary>
/// <remarks>
/// The estimate assumes the token cache holds none of the corpora yet (finding out would mean
/// hashing every file); a rerun with a warm cache is faster by the <c>Tokenize</c> time. A run
/// that finished before and would be skipped is estimated as if it ran.
/// </remarks>
public sealed class StudyEstimate
{
    StudyEstimate(IReadOnlyList<PlannedStudyRun> runs, long diskBytes, bool exact, StudyCalibration calibration, CorpusSize domain,
        CorpusSize? reference, RowCount training, RowCount validation, string outputPath)
    {
        Runs = runs;
        DiskBytes = diskBytes;
        Exact = exact;
        Calibration = calibration;
        DomainCorpus = domain;
        ReferenceCorpus = reference;
        TrainingRows = training;
        ValidationRows = validation;
        OutputPath = outputPath;
    }

    /// <summary>The base model's export and measurement, then each run in the order the study runs them.</summary>
    public IReadOnlyList<PlannedStudyRun> Runs { get; }
    public int RunCount => Runs.Count;
    public long Tokens => Runs.Sum(r => r.Tokens);
    public double EstimatedSeconds => Runs.Sum(r => r.EstimatedSeconds);
    public TimeSpan EstimatedTime => TimeSpan.FromSeconds(Math.Round(EstimatedSeconds));
    /// <summary>The study folder at the end: the base model, each run's folder with its checkpoint (and a fine-tuning run's best weights), the task corpus; plus the token cache's new shards.</summary>
    public long DiskBytes { get; }
    /// <summary>False when a file was larger than the sample, so row and token counts (and fine-tuning's steps) are extrapolated.</summary>
    public bool Exact { get; }
    public StudyCalibration Calibration { get; }
    public CorpusSize DomainCorpus { get; }
    public CorpusSize? ReferenceCorpus { get; }
    public RowCount TrainingRows { get; }
    public RowCount ValidationRows { get; }
    public string OutputPath { get; }

    public override string ToString() =>
        $"{RunCount} run(s), {Tokens:N0} tokens, about {Describe(EstimatedSeconds)}, {DescribeBytes(DiskBytes)} on disk";

    /// <summary>Plans <paramref name="options"/>' study for <paramref name="model"/>, samples its data and calibrates; nothing is written to the study folder.</summary>
    public static StudyEstimate Of(BertModel model, AdaptationStudyOptions options, CancellationToken cancellation = default)
    {
        var plan = AdaptationStudy.PlanOf(model, options);
        var vocabulary = model.Vocabulary;
        int maxPositions = model.Config.MaxPositionEmbeddings;
        int sequenceLength = Math.Min(options.Pretraining.SequenceLength, maxPositions);
        int maxLength = Math.Min(options.Encoding.MaxLength, maxPositions);
        var corpus = options.CorpusReadOptions;
        var domain = StudyDataSample.Corpus(options.DomainCorpus, vocabulary, corpus);
        var measured = options.DomainValidationCorpus is { } held ? StudyDataSample.Corpus(held, vocabulary, corpus) : domain;
        var reference = options.ReferenceCorpus is { } general ? StudyDataSample.Corpus(general, vocabulary, corpus) : null;
        var task = options.FineTuning.Task;
        var training = StudyDataSample.Rows(options.TrainingData, task, options.ReadOptions, vocabulary, maxLength);
        var validation = StudyDataSample.Rows(options.ValidationData, task, options.ReadOptions, vocabulary, maxLength);
        cancellation.ThrowIfCancellationRequested();
        var calibration = StudyCalibration.Measure(model, options, Math.Max(training.LongestRow, 3), cancellation);

        double Sequences(CorpusSize size) => options.LineByLine ? size.Lines : Math.Ceiling(size.Tokens / (double)Math.Max(1, sequenceLength - 2));
        double perplexities = (Sequences(measured) + (reference is null ? 0 : Sequences(reference))) * calibration.PerplexitySequenceSeconds;
        // The first read of a corpus tokenizes it into the cache; later reads map the shard.
        var tokenized = new HashSet<string>();
        double Tokenize(IReadOnlyList<string>? files, CorpusSize? size) =>
            files is null || size is null || !files.Select(Path.GetFullPath).Aggregate(false, (any, f) => tokenized.Add(f) | any) ? 0 : size.ReadSeconds;
        // The leakage check reads the validation rows and the corpora the strategies pre-train on.
        bool domainStrategy = plan.Pretraining.Any(s => s.Corpus == PretrainCorpus.Domain);
        bool taskStrategy = plan.Pretraining.Any(s => s.Corpus == PretrainCorpus.Task);
        double leakage = plan.Pretraining.Count == 0 ? 0
            : validation.ReadSeconds + (domainStrategy ? domain.ReadSeconds : 0) + (taskStrategy ? training.ReadSeconds : 0);

        var runs = new List<PlannedStudyRun>();
        runs.Add(new PlannedStudyRun(1, StudyFiles.BaseModelFolder, StudyRunRecord.Base, null, null, null, 0, 0,
            calibration.ExportSeconds + leakage + Tokenize(options.DomainValidationCorpus ?? options.DomainCorpus, measured)
            + Tokenize(options.ReferenceCorpus, reference) + perplexities,
            "export the base model and measure its perplexity"));
        var taskCorpus = new CorpusSize((long)(training.Rows * Math.Max(0, training.TokensPerRow - 2)), training.Rows, 0, training.ReadSeconds, training.Exact);
        foreach (var stage in plan.Pretraining)
        {
            var size = stage.Corpus == PretrainCorpus.Domain ? domain : taskCorpus;
            double tokensPerSequence = options.LineByLine ? Math.Min(sequenceLength, 2 + size.Tokens / (double)Math.Max(1, size.Lines)) : sequenceLength;
            double tokenize = stage.Corpus == PretrainCorpus.Domain ? Tokenize(options.DomainCorpus, domain) : Tokenize([StudyFiles.TaskCorpusName], taskCorpus);
            runs.Add(new PlannedStudyRun(runs.Count + 1, stage.Folder, StudyRunRecord.Pretrain, stage.Strategy, stage.MaskProbability, stage.Seed,
                stage.Steps, (long)Math.Round(stage.Steps * (double)options.Pretraining.BatchSize * tokensPerSequence),
                calibration.PretrainRunSeconds + stage.Steps * calibration.PretrainStepSeconds + tokenize + perplexities,
                $"pre-train {stage.Strategy} (stage {stage.Stage}, {stage.Corpus} corpus, {stage.Objective}, masking {AdaptationPlan.Rate(stage.MaskProbability)}, seed {stage.Seed})"));
        }
        var fineTuning = options.FineTuning;
        int fineTuneSteps = TrainingLoop.PlannedSteps(fineTuning, Math.Max(1, training.Rows));
        int stepsPerEpoch = TrainingLoop.PlannedSteps(fineTuning with { MaxSteps = null, Epochs = 1 }, Math.Max(1, training.Rows));
        int evaluations = (int)Math.Ceiling(fineTuneSteps / (double)stepsPerEpoch);
        double examples = Math.Min((double)fineTuneSteps * fineTuning.BatchSize * fineTuning.GradientAccumulation, (double)(fineTuning.Epochs ?? int.MaxValue) * training.Rows);
        foreach (var run in plan.FineTuning)
            runs.Add(new PlannedStudyRun(runs.Count + 1, run.Folder, StudyRunRecord.FineTune, run.Strategy, run.MaskProbability, run.Seed,
                fineTuneSteps, (long)Math.Round(examples * training.TokensPerRow),
                calibration.FineTuneRunSeconds + fineTuneSteps * calibration.FineTuneStepSeconds + training.ReadSeconds + validation.ReadSeconds
                + evaluations * (calibration.EvaluationSeconds + validation.Rows * calibration.EvaluationRowSeconds),
                $"fine-tune {run.Strategy}" + (run.MaskProbability is double m ? $" (masking {AdaptationPlan.Rate(m)})" : "") + $", seed {run.Seed}, {evaluations} evaluation(s)"));

        // A shard holds 4 bytes a token and 8 a line (and a document); the task corpus is the rows' text.
        long Shard(CorpusSize size) => size.Tokens * sizeof(int) + size.Lines * 2 * sizeof(long);
        long disk = calibration.ModelBytes + plan.Pretraining.Count * calibration.PretrainCheckpointBytes + plan.FineTuning.Count * calibration.FineTuneCheckpointBytes
            + Shard(domain) + (measured == domain ? 0 : Shard(measured)) + (reference is null ? 0 : Shard(reference))
            + (taskStrategy ? Shard(taskCorpus) + options.TrainingData.Sum(f => new FileInfo(f).Length) : 0);
        bool exact = domain.Exact && measured.Exact && (reference?.Exact ?? true) && training.Exact && validation.Exact;
        return new StudyEstimate(runs, disk, exact, calibration, domain, reference, training, validation, options.OutputPath);
    }

    /// <summary>"2.4 s", "3 min 10 s", "5 h 02 min".</summary>
    public static string Describe(double seconds) => seconds switch
    {
        < 60 => seconds.ToString(seconds < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " s",
        < 3600 => $"{(int)(seconds / 60)} min {(int)(seconds % 60):00} s",
        _ => $"{(int)(seconds / 3600)} h {(int)(seconds % 3600 / 60):00} min",
    };

    /// <summary>"512 KB", "1.3 GB".</summary>
    public static string DescribeBytes(long bytes) => bytes switch
    {
        < 1 << 20 => $"{Math.Max(1, bytes >> 10):N0} KB",
        < 1 << 30 => (bytes / (double)(1 << 20)).ToString("0.#", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / (double)(1 << 30)).ToString("0.#", CultureInfo.InvariantCulture) + " GB",
    };
}
