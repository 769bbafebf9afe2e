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
        using var session = new StudySession(model, options, callbacks, cancellation, shared: false);
        var context = session.Context;
        var overlaps = Prepare(plan, context);

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
        var result = new AdaptationStudyResult(strategies, all) { Settings = session.Settings, Leakage = StudyLeakageCheck.Of(overlaps, options.AllowOverlap) };
        StudyFiles.WriteRunsCsv(Path.Combine(context.Root, StudyFiles.RunsCsvName), all);
        StudyFiles.WriteStudyJson(Path.Combine(context.Root, StudyFiles.StudyJsonName), result, overlaps);
        StudyFiles.WriteReport(context.Root, result);
        return result;
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
    /// Everything of <see cref="Run"/> before its runs: study-plan.json, the task corpus, the
    /// leakage check, the base model's export and perplexity. Its runs can then run anywhere the
    /// folder is shared, each by <see cref="RunOnly"/>; nothing is trained here.
    /// </summary>
    public static AdaptationPlan SetUp(BertModel model, AdaptationStudyOptions options, TrainingCallbacks callbacks,
        Action<StudyProgress>? progress = null, CancellationToken cancellation = default)
    {
        var plan = PlanOf(model, options);
        using var session = new StudySession(model, options, callbacks, cancellation, shared: false);
        Prepare(plan, session.Context);
        BaseModel(model, session.Context, progress, 1, 1);
        return plan;
    }

    /// <summary>
    /// Only the named runs of the study (folder names, as <see cref="AdaptationPlan"/> plans them),
    /// in the study's order, in a folder <see cref="SetUp"/> (or a study) prepared. A finished run
    /// is skipped; a run whose prerequisite (the base model's measurement, or the pre-training stage
    /// it starts from) has neither finished nor is named before it fails before anything runs, with
    /// AdaptationRunNotReady. Other processes may run other runs of the same folder meanwhile.
    /// </summary>
    /// <param name="model">The study's base model: the folder's base-model, as every run imports it.</param>
    public static IReadOnlyList<StudyRunRecord> RunOnly(BertModel model, AdaptationStudyOptions options, IReadOnlyList<string> runs,
        TrainingCallbacks callbacks, Action<StudyProgress>? progress = null, CancellationToken cancellation = default)
    {
        var plan = PlanOf(model, options);
        var planned = plan.Pretraining.Select(s => (s.Folder, Prerequisite: s.Previous?.Folder, Stage: (PretrainStage?)s, Run: (FineTuneRun?)null))
            .Concat(plan.FineTuning.Select(r => (r.Folder, Prerequisite: r.Pretrained?.Folder, Stage: (PretrainStage?)null, Run: (FineTuneRun?)r)))
            .ToList();
        var unknown = runs.Where(name => !planned.Any(p => p.Folder == name)).ToList();
        if (unknown.Count > 0)
            throw new BertAdaptException("AdaptationRunInvalid", BertAdaptErrorKind.InvalidArgument,
                $"The study has no run named {string.Join(", ", unknown.Select(u => $"'{u}'"))}. Its runs are: {string.Join(", ", planned.Select(p => p.Folder))}.");
        var selected = planned.Where(p => runs.Contains(p.Folder)).ToList();

        // Checked before the folder is opened, so that a job started too early leaves no study-plan.json behind.
        var root = Path.GetFullPath(options.OutputPath);
        if (!File.Exists(Path.Combine(root, StudyFiles.BaseRecordName)))
            NotReady(root, $"the study's set-up has not finished: '{root}' has no {StudyFiles.BaseRecordName}. Run Compare-BertAdaptation -AsJobFiles (or the whole study) there first.");
        using var session = new StudySession(model, options, callbacks, cancellation, shared: true);
        var context = session.Context;
        bool Finished(string folder) => File.Exists(Path.Combine(context.RunFolder(folder), StudyFiles.RunRecordName));
        for (int i = 0; i < selected.Count; i++)
            if (selected[i].Prerequisite is string before && !Finished(before) && !selected.Take(i).Any(p => p.Folder == before))
                NotReady(context.Root, $"run {selected[i].Folder} starts from {before}, which has not finished (it has no {StudyFiles.RunRecordName}). Run {before} first; in a scheduler, make this job wait for it.");

        var records = new List<StudyRunRecord>();
        int number = 0;
        foreach (var (folder, _, stage, run) in selected)
            records.Add(stage is not null
                ? Once(context, folder, Describe(stage), progress, ++number, selected.Count, () => Pretrain(stage, context))
                : Once(context, folder, Describe(run!), progress, ++number, selected.Count, () => FineTune(run!, context)));
        return records;
    }

    static void NotReady(string root, string why) =>
        throw new BertAdaptException("AdaptationRunNotReady", BertAdaptErrorKind.ResourceUnavailable, $"Nothing was run: {why}", root);

    /// <summary>The task corpus, and before anything trains the leakage check: validation text in a pre-training corpus stops the study (or, allowed, is warned of).</summary>
    static IReadOnlyList<StudyOverlap> Prepare(AdaptationPlan plan, StudyContext context)
    {
        var options = context.Options;
        if (plan.Pretraining.Any(s => s.Corpus == PretrainCorpus.Task))
            TaskCorpus.Write(context.TaskCorpusPath, TaskCorpus.TextOf(options.TrainingData, options.FineTuning.Task, options.ReadOptions));
        var overlaps = StudyLeakage.Check(plan, options, context.TaskCorpusPath, context.Cancellation);
        foreach (var leak in StudyLeakage.Enforce(overlaps, options.AllowOverlap))
            context.Callbacks.Warning?.Invoke($"Validation text is in a pre-training corpus (-AllowOverlap): {leak}.");
        // Recorded for the report of a study whose runs run elsewhere, which -Collect writes without the study's inputs.
        StudyFiles.WriteLeakage(Path.Combine(context.Root, StudyFiles.LeakageName), overlaps, options.AllowOverlap);
        return overlaps;
    }

    /// <summary>
    /// The reports of whatever runs of the study in <paramref name="outputPath"/> have finished
    /// (those with a run.json), from its study-plan.json alone; a folder without one but with a
    /// study.json (result files copied away from their runs) is reported from that file's settings
    /// and runs. Nothing is trained, and a study still running there is not disturbed. Once the base
    /// model's measurement has finished, the study's result files are written from what has finished:
    /// runs.csv, study.json and report.html in a study folder, report.html alone beside a copied
    /// study.json (which stays as it is); a folder that cannot take them is told to
    /// <paramref name="warning"/>. Strategies count the seeds that finished.
    /// </summary>
    public static AdaptationStudyResult Collect(string outputPath, Action<string>? warning = null)
    {
        var root = Path.GetFullPath(outputPath);
        var found = FinishedRuns(root);
        var plan = StudySettings.PlanOf(found.Settings, out var budget);
        var baseRecord = found.Runs.FirstOrDefault(r => r.Kind == StudyRunRecord.Base);
        if (baseRecord is null) return found;
        var records = found.Runs.Where(r => r.Kind != StudyRunRecord.Base).ToDictionary(r => r.Folder);
        var all = new List<StudyRunRecord> { baseRecord };
        all.AddRange(plan.Pretraining.Select(s => s.Folder).Concat(plan.FineTuning.Select(r => r.Folder)).Where(records.ContainsKey).Select(f => records[f]));
        var result = found with { Strategies = StudyReport.Summarize(plan, baseRecord, records, budget), Runs = all };
        try
        {
            if (File.Exists(Path.Combine(root, StudyFiles.PlanName))) StudyFiles.WriteCollected(root, result);
            else StudyFiles.WriteReport(root, result);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            warning?.Invoke($"Could not write {StudyFiles.ReportName} into '{root}': {ex.Message}");
        }
        return result;
    }

    /// <summary>The settings, the records of the finished runs (the base's first) and the leakage check of the study in <paramref name="root"/>.</summary>
    static AdaptationStudyResult FinishedRuns(string root)
    {
        if (StudyFiles.ReadPlan(Path.Combine(root, StudyFiles.PlanName)) is not { } settings)
            return StudyFiles.ReadStudyJson(Path.Combine(root, StudyFiles.StudyJsonName))
                ?? throw new BertAdaptException("AdaptationStudyNotFound", BertAdaptErrorKind.ObjectNotFound,
                    $"'{root}' holds no study: it has no {StudyFiles.PlanName}, which Compare-BertAdaptation writes when a study starts, nor a {StudyFiles.StudyJsonName}.", root);
        var plan = StudySettings.PlanOf(settings, out _);
        var runs = new List<StudyRunRecord>();
        if (StudyFiles.ReadRecord(Path.Combine(root, StudyFiles.BaseRecordName)) is { } baseRecord) runs.Add(baseRecord);
        foreach (var folder in plan.Pretraining.Select(s => s.Folder).Concat(plan.FineTuning.Select(r => r.Folder)))
            if (StudyFiles.ReadRecord(Path.Combine(root, StudyFiles.RunsFolder, folder, StudyFiles.RunRecordName)) is { } record)
                runs.Add(record);
        return new AdaptationStudyResult([], runs) { Settings = settings, Leakage = StudyFiles.ReadLeakage(Path.Combine(root, StudyFiles.LeakageName)) };
    }

    static string Describe(PretrainStage s) =>
        $"pre-train {s.Strategy} (stage {s.Stage}, {s.Corpus} corpus, {s.Objective}, masking {AdaptationPlan.Rate(s.MaskProbability)}, seed {s.Seed}, {s.Steps} steps)";

    static string Describe(FineTuneRun r) =>
        $"fine-tune {r.Strategy}" + (r.MaskProbability is double m ? $" (masking {AdaptationPlan.Rate(m)})" : "") + $", seed {r.Seed}";

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
