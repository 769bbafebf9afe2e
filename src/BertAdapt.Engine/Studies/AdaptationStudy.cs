using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// Runs an adaptation study (see <see cref="AdaptationPlan"/>): exports the base model into the
/// study folder once, measures its perplexity, then runs each pre-training stage and each
/// fine-tuning run in a run directory of its own under runs/, with the training cmdlets' rerun
/// rules (an interrupted run resumes from its last checkpoint). A run that finished wrote run.json
/// and is skipped by a rerun; so a killed study run again goes on where it stopped, and every
/// fine-tuning seed of a strategy starts from the one pre-trained model on disk.
/// </summary>
public static class AdaptationStudy
{
    public static AdaptationStudyResult Run(BertModel model, AdaptationStudyOptions options, TrainingCallbacks callbacks,
        Action<StudyProgress>? progress = null, CancellationToken cancellation = default)
    {
        var plan = PlanOf(model, options);
        var root = Path.GetFullPath(options.OutputPath);
        Directory.CreateDirectory(Path.Combine(root, StudyFiles.RunsFolder));
        using var studyLock = Lock(root);
        using var threads = ComputeThreads.Use(options.Pretraining.Threads);
        var device = DeviceSelector.Resolve(options.Pretraining.Device, options.Pretraining.DeviceIndex);

        var settings = StudySettings.Of(model, options);
        CheckSameStudy(root, settings);
        var context = new StudyContext(root, options, callbacks, cancellation, device);

        if (plan.Pretraining.Any(s => s.Corpus == PretrainCorpus.Task))
            TaskCorpus.Write(context.TaskCorpusPath, TaskCorpus.TextOf(options.TrainingData, options.FineTuning.Task, options.ReadOptions));
        // Before anything trains: validation text in a pre-training corpus stops the study (or, allowed, is warned of and recorded).
        var overlaps = StudyLeakage.Check(plan, options, context.TaskCorpusPath, cancellation);
        foreach (var leak in StudyLeakage.Enforce(overlaps, options.AllowOverlap))
            callbacks.Warning?.Invoke($"Validation text is in a pre-training corpus (-AllowOverlap): {leak}.");

        int runs = plan.RunCount + 1, number = 0;
        var baseRecord = BaseModel(model, context, progress, ++number, runs);
        var records = new Dictionary<string, StudyRunRecord>();
        foreach (var stage in plan.Pretraining)
            records[stage.Folder] = Once(context, stage.Folder, Describe(stage), progress, ++number, runs, () => Pretrain(stage, context));
        foreach (var run in plan.FineTuning)
            records[run.Folder] = Once(context, run.Folder, Describe(run), progress, ++number, runs, () => FineTune(run, context));

        var strategies = StudyReport.Summarize(plan, baseRecord, records, options.PretrainBudget);
        var all = new List<StudyRunRecord> { baseRecord };
        all.AddRange(plan.Pretraining.Select(s => records[s.Folder]));
        all.AddRange(plan.FineTuning.Select(r => records[r.Folder]));
        StudyFiles.WriteRunsCsv(Path.Combine(root, StudyFiles.RunsCsvName), all);
        StudyFiles.WriteStudyJson(Path.Combine(root, StudyFiles.StudyJsonName), settings, all, strategies, overlaps);
        return new AdaptationStudyResult(strategies, all);
    }

    /// <summary>The study's runs, checked against the model before any runs.</summary>
    internal static AdaptationPlan PlanOf(BertModel model, AdaptationStudyOptions options)
    {
        var plan = AdaptationPlan.Create(options.Strategies, options.MaskProbabilities, options.Seeds, options.PretrainSteps, options.PretrainEachSeed);
        // Found before any run, not after the runs before DomainMlmNsp's have taken their time.
        if (plan.Pretraining.Any(s => s.Objective == TrainingObjective.MlmNsp) && model.Config.TypeVocabSize < 2)
            throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument,
                $"DomainMlmNsp trains next-sentence prediction, which needs two token types, but this model has type_vocab_size {model.Config.TypeVocabSize}. Leave DomainMlmNsp out of -Strategy.");
        return plan;
    }

    /// <summary>
    /// The reports of whatever runs of the study in <paramref name="outputPath"/> have finished
    /// (those with a run.json), from its study-plan.json alone: nothing is trained or written, and
    /// a study still running there is not disturbed. Strategies count the seeds that finished.
    /// </summary>
    public static AdaptationStudyResult Collect(string outputPath)
    {
        var root = Path.GetFullPath(outputPath);
        var settings = StudyFiles.ReadPlan(Path.Combine(root, StudyFiles.PlanName))
            ?? throw new BertAdaptException("AdaptationStudyNotFound", BertAdaptErrorKind.ObjectNotFound,
                $"'{root}' holds no study: it has no {StudyFiles.PlanName}, which Compare-BertAdaptation writes when a study starts.", root);
        var plan = StudySettings.PlanOf(settings, out var budget);
        var baseRecord = StudyFiles.ReadRecord(Path.Combine(root, StudyFiles.BaseRecordName));
        if (baseRecord is null) return new AdaptationStudyResult([], []);
        var records = new Dictionary<string, StudyRunRecord>();
        foreach (var folder in plan.Pretraining.Select(s => s.Folder).Concat(plan.FineTuning.Select(r => r.Folder)))
            if (StudyFiles.ReadRecord(Path.Combine(root, StudyFiles.RunsFolder, folder, StudyFiles.RunRecordName)) is { } record)
                records[folder] = record;
        var all = new List<StudyRunRecord> { baseRecord };
        all.AddRange(plan.Pretraining.Select(s => s.Folder).Concat(plan.FineTuning.Select(r => r.Folder)).Where(records.ContainsKey).Select(f => records[f]));
        return new AdaptationStudyResult(StudyReport.Summarize(plan, baseRecord, records, budget), all);
    }

    static string Describe(PretrainStage s) =>
        $"pre-train {s.Strategy} (stage {s.Stage}, {s.Corpus} corpus, {s.Objective}, masking {AdaptationPlan.Rate(s.MaskProbability)}, seed {s.Seed}, {s.Steps} steps)";

    static string Describe(FineTuneRun r) =>
        $"fine-tune {r.Strategy}" + (r.MaskProbability is double m ? $" (masking {AdaptationPlan.Rate(m)})" : "") + $", seed {r.Seed}";

    /// <summary>One study at a time in a folder: the runs lock their own folders, and this locks the study's files.</summary>
    static FileStream Lock(string root)
    {
        try
        {
            return new FileStream(Path.Combine(root, ".study.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new BertAdaptException("OutputPathLocked", BertAdaptErrorKind.ResourceUnavailable,
                $"Another study is using '{root}'. Wait for it to finish, or choose another -OutputPath.", root, ex);
        }
    }

    static void CheckSameStudy(string root, Dictionary<string, string> settings)
    {
        var path = Path.Combine(root, StudyFiles.PlanName);
        if (StudyFiles.ReadPlan(path) is not { } before)
        {
            StudyFiles.WritePlan(path, settings);
            return;
        }
        var changes = TrainingSettings.Differences(before, settings);
        if (changes.Count > 0)
            throw new BertAdaptException("AdaptationStudyChanged", BertAdaptErrorKind.InvalidOperation,
                $"The study in '{root}' was started with another model, other data or other settings:\n  {string.Join("\n  ", changes)}\n"
                + "Nothing was run: its finished runs would be mixed with this study's. Give this study another -OutputPath, or remove that folder to start it afresh.", root);
    }

    /// <summary>The run's record from its run.json when it finished before; else runs it and writes the record.</summary>
    static StudyRunRecord Once(StudyContext context, string folder, string description, Action<StudyProgress>? progress, int number, int runs,
        Func<StudyRunRecord> run)
    {
        var recordPath = Path.Combine(context.RunFolder(folder), StudyFiles.RunRecordName);
        var done = StudyFiles.ReadRecord(recordPath);
        progress?.Invoke(new StudyProgress(number, runs, folder, description, done is not null));
        if (done is not null) return done;
        context.Cancellation.ThrowIfCancellationRequested();
        var record = run();
        StudyFiles.WriteRecord(recordPath, record);
        return record;
    }

    static StudyRunRecord BaseModel(BertModel model, StudyContext context, Action<StudyProgress>? progress, int number, int runs)
    {
        var recordPath = Path.Combine(context.Root, StudyFiles.BaseRecordName);
        var done = StudyFiles.ReadRecord(recordPath);
        progress?.Invoke(new StudyProgress(number, runs, StudyFiles.BaseModelFolder, "export the base model and measure its perplexity", done is not null));
        if (done is not null) return done;
        // Every run imports the base from here, so runs in other processes (and reruns) start from the same bytes.
        HfCheckpointDirectory.Export(model, context.BaseModelPath, force: true, context.Callbacks.Info);
        using var copy = HfCheckpointDirectory.Import(context.BaseModelPath);
        var (domain, reference) = context.Perplexities(copy);
        var record = new StudyRunRecord
        {
            Kind = StudyRunRecord.Base,
            Folder = StudyFiles.BaseModelFolder,
            DomainPerplexity = domain,
            ReferencePerplexity = reference,
        };
        StudyFiles.WriteRecord(recordPath, record);
        return record;
    }

    static StudyRunRecord Pretrain(PretrainStage stage, StudyContext context)
    {
        var o = context.Options;
        var startFrom = stage.Previous is null ? context.BaseModelPath : context.CheckpointOf(stage.Previous);
        using var model = HfCheckpointDirectory.Import(startFrom);
        var folder = context.RunFolder(stage.Folder);
        var files = stage.Corpus == PretrainCorpus.Domain ? o.DomainCorpus : [context.TaskCorpusPath];
        var options = o.Pretraining with
        {
            Objective = stage.Objective,
            MaskProbability = stage.MaskProbability,
            Seed = stage.Seed,
            MaxSteps = stage.Steps,
            Epochs = null,
            OutputPath = folder,
            MetricsPath = null,
            KeepCheckpoints = 1,
            Rerun = RerunMode.Resume,
        };
        MlmTrainingResult result;
        using (var data = TrainingData.Open(files, model.Vocabulary, new TrainingDataOptions
        {
            Objective = stage.Objective,
            LineByLine = o.LineByLine,
            SequenceLength = options.SequenceLength,
            Seed = stage.Seed,
            ReadOptions = o.CorpusReadOptions,
            CacheDirectory = o.CacheDirectory,
        }, cancellation: context.Cancellation))
        {
            result = MlmTrainer.Train(model, data, options, context.Callbacks, context.Cancellation);
            model.RecordTrainedOn(data.Corpus.Contents);
        }
        context.ThrowIfStopped(result.Cancelled);
        var metrics = RunMetrics.Read(folder, result.Run.Id);
        var (domain, reference) = context.Perplexities(model);
        return new StudyRunRecord
        {
            Kind = StudyRunRecord.Pretrain,
            Folder = stage.Folder,
            Strategy = stage.Strategy,
            Stage = stage.Stage,
            Corpus = stage.Corpus.ToString(),
            Objective = stage.Objective.ToString(),
            MaskProbability = stage.MaskProbability,
            Seed = stage.Seed,
            RunId = result.Run.Id,
            Steps = metrics.Steps,
            Tokens = metrics.Tokens,
            WallSeconds = metrics.WallSeconds,
            DomainPerplexity = domain,
            ReferencePerplexity = reference,
            Checkpoint = Path.GetFileName(context.LatestCheckpoint(folder)),
            StartedFrom = stage.Previous?.Folder ?? StudyFiles.BaseModelFolder,
        };
    }

    static StudyRunRecord FineTune(FineTuneRun run, StudyContext context)
    {
        var o = context.Options;
        var startFrom = run.Pretrained is null ? context.BaseModelPath : context.CheckpointOf(run.Pretrained);
        using var model = HfCheckpointDirectory.Import(startFrom);
        var folder = context.RunFolder(run.Folder);
        var task = o.FineTuning.Task;
        var head = model.GetTask() is FineTuneTask headTask ? new FineTuneHead(headTask, model.Config.Id2Label, model.Source) : null;
        int maxLength = Math.Min(o.Encoding.MaxLength, model.Config.MaxPositionEmbeddings);
        var data = FineTuneDataSet.Open(o.TrainingData, null, model.Vocabulary, head, new FineTuneDataOptions
        {
            Task = task,
            ValidationFiles = o.ValidationData,
            Seed = run.Seed,
            ReadOptions = o.ReadOptions,
            Encoding = o.Encoding with { MaxLength = maxLength },
            AutoClassWeights = o.AutoClassWeights,
        }, context.Callbacks.Warning, context.Callbacks.Info, context.Cancellation);
        if (data.NeedsNewHead) model.AddTaskHead(task, data.Labels?.Labels ?? [], run.Seed);
        var options = o.FineTuning with
        {
            SequenceLength = maxLength,
            ClassWeights = data.ClassWeights,
            Seed = run.Seed,
            OutputPath = folder,
            MetricsPath = null,
            KeepCheckpoints = 1,
            Rerun = RerunMode.Resume,
        };
        var result = FineTuneTrainer.Train(model, data.Train, data.Validation, options, context.Callbacks, context.Cancellation);
        context.ThrowIfStopped(result.Cancelled);
        var metrics = RunMetrics.Read(folder, result.Run.Id);
        return new StudyRunRecord
        {
            Kind = StudyRunRecord.FineTune,
            Folder = run.Folder,
            Strategy = run.Strategy,
            MaskProbability = run.MaskProbability,
            Seed = run.Seed,
            RunId = result.Run.Id,
            Steps = metrics.Steps,
            Tokens = metrics.Tokens,
            WallSeconds = metrics.WallSeconds,
            Metric = metrics.Metric ?? result.Metric,
            Score = metrics.LastScore,
            StartedFrom = run.Pretrained?.Folder ?? StudyFiles.BaseModelFolder,
        };
    }
}
