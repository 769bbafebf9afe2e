using System.Management.Automation;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Jobs;
using BertAdapt.Engine.Studies;
using BertAdapt.Engine.Training;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>
/// Answers "does further pre-training help on my data?": fine-tunes the same task after each
/// adaptation strategy (none, domain MLM, domain MLM+NSP, task MLM, domain then task MLM), over
/// several seeds, and compares each with fine-tuning alone. The study itself is the engine's
/// <see cref="AdaptationStudy"/>; this cmdlet resolves paths, maps parameters onto its options,
/// shows progress and writes one report per strategy.
/// </summary>
[Cmdlet(VerbsData.Compare, "BertAdaptation", SupportsShouldProcess = true, DefaultParameterSetName = StudySet)]
[OutputType(typeof(AdaptationStrategyReport), typeof(StudyJob), typeof(StudyRunRecord))]
[OutputType(typeof(StudyEstimate), ParameterSetName = [StudySet])]
public sealed class CompareBertAdaptationCommand : ComputeCmdlet
{
    const string Activity = "Compare-BertAdaptation", StudySet = "Study", CollectSet = "Collect";

    #region Parameters

    [Parameter(ParameterSetName = StudySet, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ModelFromPath]
    public BertModel Model { get; set; } = null!;

    /// <summary>Unlabelled domain text (.txt, .jsonl, .csv, .tsv, or .gz of one).</summary>
    [Parameter(ParameterSetName = StudySet, Mandatory = true, Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] DomainCorpus { get; set; } = [];

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? DomainValidationCorpus { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ReferenceCorpus { get; set; }

    [Parameter(ParameterSetName = StudySet, Mandatory = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] TrainingData { get; set; } = [];

    [Parameter(ParameterSetName = StudySet, Mandatory = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] ValidationData { get; set; } = [];

    [Parameter(ParameterSetName = StudySet, Mandatory = true)]
    public FineTuneTask Task { get; set; }

    [Parameter(ParameterSetName = StudySet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string OutputPath { get; set; } = "";

    /// <summary>Writes the study's plan and estimate (<see cref="StudyEstimate"/>) instead of running it; -WhatIf prints the same as text.</summary>
    [Parameter(ParameterSetName = StudySet)]
    public SwitchParameter Plan { get; set; }

    /// <summary>A study folder whose finished runs are reported (and written as its report.html), without training anything.</summary>
    [Parameter(ParameterSetName = CollectSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Collect { get; set; } = "";

    /// <summary>Writes the study as one Invoke-BertJob file per run, and their index, into this folder, after the study's set-up; trains nothing.</summary>
    [Parameter(ParameterSetName = StudySet)]
    [ValidateNotNullOrEmpty]
    public string? AsJobFiles { get; set; }

    /// <summary>Runs only these runs of the study (their folder names under runs/), as a job written by -AsJobFiles does.</summary>
    [Parameter(ParameterSetName = StudySet)]
    [ValidateNotNullOrEmpty]
    public string[]? Run { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public AdaptationStrategy[] Strategy { get; set; } = Enum.GetValues<AdaptationStrategy>();

    [Parameter]
    [ValidateNotNullOrEmpty]
    [ValidateRange(0.01, 0.99)]
    public double[] MaskProbability { get; set; } = [0.15];

    [Parameter]
    [ValidateNotNullOrEmpty]
    public long[] Seeds { get; set; } = [1, 2, 3];

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int PretrainSteps { get; set; }

    [Parameter]
    [ValidateRange(1, long.MaxValue)]
    public long PretrainTokens { get; set; }

    [Parameter]
    public SwitchParameter PretrainEachSeed { get; set; }

    [Parameter]
    [ValidateRange(1, 65536)]
    public int PretrainBatchSize { get; set; } = 16;

    [Parameter]
    [ValidateRange(1e-9, 1.0)]
    public double PretrainLearningRate { get; set; } = new MlmTrainingOptions().LearningRate;

    [Parameter]
    [ValidateRange(8, 4096)]
    public int SequenceLength { get; set; } = 128;

    [Parameter]
    public SwitchParameter LineByLine { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CacheDirectory { get; set; }

    [Parameter]
    [ValidateRange(1, 100000)]
    public int Epochs { get; set; } = 3;

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int MaxSteps { get; set; }

    [Parameter]
    [ValidateRange(1, 65536)]
    public int BatchSize { get; set; } = 16;

    [Parameter]
    [ValidateRange(1e-9, 1.0)]
    public double LearningRate { get; set; } = new FineTuneOptions().LearningRate;

    [Parameter]
    [ValidateRange(0.0, 0.99)]
    public double WarmupRatio { get; set; } = 0.1;

    [Parameter]
    [ValidateRange(0.0, 1.0)]
    public double WeightDecay { get; set; } = 0.01;

    [Parameter]
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Float32;

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int CheckpointEvery { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TextColumn { get; set; } = "text";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? TextPairColumn { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string LabelColumn { get; set; } = "label";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string LabelSeparator { get; set; } = BertModel.LabelSeparator;

    [Parameter]
    public SwitchParameter SkipInvalidRows { get; set; }

    /// <summary>Runs the study even when validation text is in a pre-training corpus; the overlap is warned of and recorded in study.json.</summary>
    [Parameter]
    public SwitchParameter AllowOverlap { get; set; }

    [Parameter]
    [ValidateRange(8, 4096)]
    public int MaxLength { get; set; } = 128;

    [Parameter]
    public ClassWeighting ClassWeights { get; set; } = ClassWeighting.None;

    [Parameter]
    [ValidateRange(0.01, 0.99)]
    public double Threshold { get; set; } = 0.5;

    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingNameCompleter))]
    public System.Text.Encoding? Encoding { get; set; }

    #endregion

    protected override void BeginCommand()
    {
        if (ParameterSetName == CollectSet) return;
        CheckModelArgument(Model);
        Guard(() => OutputLocation.CheckDirectory(ResolveLiteral(OutputPath), "OutputPath", "-OutputPath", intoItself: true));
        if (AsJobFiles is not null && Run is not null)
            Guard(() => throw new BertAdaptException("AdaptationRunInvalid", BertAdaptErrorKind.InvalidArgument,
                "-AsJobFiles writes a job for every run of the study, and -Run runs some of them: give one or the other."));
        if (AsJobFiles is not null)
            Guard(() => OutputLocation.CheckDirectory(ResolveLiteral(AsJobFiles), "OutputPath", "-AsJobFiles", intoItself: true));
    }

    protected override void ProcessInput()
    {
        if (ParameterSetName == CollectSet)
        {
            var collected = Guard(() => AdaptationStudy.Collect(ResolveLiteral(Collect), WriteWarning));
            WriteVerbose($"{collected.Runs.Count} run(s) of the study in '{ResolveLiteral(Collect)}' have finished (the base model's measurement included); "
                + (collected.Runs.Count == 0 ? "no report is written yet." : $"their report is {Path.Combine(ResolveLiteral(Collect), StudyFiles.ReportName)}."));
            foreach (var report in collected.Strategies) WriteObject(report);
            return;
        }
        if (!IsUsableItem(Model)) return;
        var options = Guard(() => Options(Model));
        // A job of -Run is one of a study whose set-up has warned already.
        if (Seeds.Length < 3 && Run is null)
            WriteWarning($"{Seeds.Length} seed(s): fine-tuning a small model varies a lot from seed to seed, and an interval over fewer than 3 seeds is very wide"
                + (Seeds.Length < 2 ? " (with one seed there is none, and every verdict is Undetermined)" : "") + ". Give at least 3 with -Seeds.");
        if (options.DomainValidationCorpus is null && options.Strategies.Any(s => s != AdaptationStrategy.FineTuneOnly) && Run is null)
            WriteVerbose("Domain perplexity is measured on -DomainCorpus itself, the text domain pre-training trains on; give -DomainValidationCorpus for held-out domain text.");

        // A job's -Run or the -AsJobFiles set-up under -WhatIf says what it would do; the estimate is the whole study's.
        if (WhatIfRequested && !Plan && (Run is not null || AsJobFiles is not null))
        {
            ShouldProcess(Run is not null
                ? $"Compare-BertAdaptation: run {string.Join(", ", Run)} of the study in '{options.OutputPath}'."
                : $"Compare-BertAdaptation: set up the study in '{options.OutputPath}' (export the base model, measure its perplexity, check for leaked text) and write a job file per run to '{ResolveLiteral(AsJobFiles!)}'. Without -AsJobFiles, -WhatIf prints the runs with an estimate of their time.", null, null);
            ModelFromPathAttribute.ReleaseIfImported(Model);
            return;
        }
        if (Plan || WhatIfRequested)
        {
            WriteVerbose($"Estimating the study from a sample of its data and a calibration of a few steps (about {StudyCalibration.TimedSteps + 1} steps of each kind); nothing is written to '{options.OutputPath}'.");
            var estimate = Train(() => StudyEstimate.Of(Model, options, Cancellation));
            if (Plan) WriteObject(estimate);
            else ShouldProcess(StudyPlanText.Of(estimate), null, null);
            ModelFromPathAttribute.ReleaseIfImported(Model);
            return;
        }
        if (!ShouldProcess($"Compare-BertAdaptation: run the study ({string.Join(", ", options.Strategies)}; seeds {string.Join(", ", options.Seeds)}) in '{options.OutputPath}'. -WhatIf prints its runs with an estimate of their time.",
                $"Run the adaptation study in '{options.OutputPath}'?", Activity))
            return;
        var runProgress = new ProgressRecord(1, Activity, "Planning");
        var stepProgress = new TrainingProgress(this, 2, "Training");
        var callbacks = new TrainingCallbacks
        {
            Step = (m, step, total) => stepProgress.Report(m, step, total, $"loss {m.Loss:F4}"),
            Warning = WriteWarning,
            Info = WriteVerbose,
        };
        void Progress(StudyProgress p)
        {
            runProgress.StatusDescription = $"Run {p.Run} of {p.Runs}: {p.Description}" + (p.Skipped ? " (finished before)" : "");
            runProgress.PercentComplete = (int)(100.0 * (p.Run - 1) / p.Runs);
            WriteProgress(runProgress);
            WriteVerbose(p.Skipped ? $"{p.Folder}: finished in an earlier session; its run.json is read." : $"{p.Folder}: {p.Description}.");
        }
        IEnumerable<object> output;
        if (AsJobFiles is not null)
        {
            var plan = Train(() => AdaptationStudy.SetUp(Model, options, callbacks, Progress, Cancellation), options.OutputPath);
            output = WriteJobFiles(plan, options, ResolveLiteral(AsJobFiles));
        }
        else if (Run is not null)
            output = Train(() => AdaptationStudy.RunOnly(Model, options, Run, callbacks, Progress, Cancellation), options.OutputPath);
        else
        {
            var result = Train(() => AdaptationStudy.Run(Model, options, callbacks, Progress, Cancellation), options.OutputPath);
            WriteVerbose($"Wrote {Path.Combine(options.OutputPath, StudyFiles.RunsCsvName)}, {StudyFiles.StudyJsonName} and {StudyFiles.ReportName} ({result.Runs.Count} run(s)).");
            output = result.Strategies;
        }
        if (SignalReceived) StopAfterTraining(null, options.OutputPath);
        stepProgress.Complete();
        runProgress.RecordType = ProgressRecordType.Completed;
        WriteProgress(runProgress);
        foreach (var item in output) WriteObject(item);
        ModelFromPathAttribute.ReleaseIfImported(Model);
    }

    /// <summary>
    /// One Invoke-BertJob file per run (the base model, from the study folder, and this command's
    /// parameters with -Run naming the run) and the index. Paths in them are relative to the job
    /// files' folder, so they hold on any machine that mounts the study and its inputs alike.
    /// </summary>
    IReadOnlyList<StudyJob> WriteJobFiles(AdaptationPlan plan, AdaptationStudyOptions options, string folder)
    {
        Directory.CreateDirectory(folder);
        string Relative(string path) => Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/');
        // Resolved files, escaped for the wildcard resolution the job's -DomainCorpus and the others do again.
        string[] Files(IReadOnlyList<string>? files) => files!.Select(f => WildcardPattern.Escape(Relative(f))).ToArray();
        var study = new List<KeyValuePair<string, object?>>();
        // In the order the parameters are declared (as Get-Help lists them), however they were given.
        var declared = GetType().GetProperties().Select(p => p.Name).ToList();
        foreach (var (name, value) in MyInvocation.BoundParameters.OrderBy(p => declared.IndexOf(p.Key) is int i and >= 0 ? i : int.MaxValue))
        {
            if (name is nameof(Model) or nameof(AsJobFiles) or nameof(Run) || CommonParameters.Contains(name) || OptionalCommonParameters.Contains(name)) continue;
            object? setting = name switch
            {
                nameof(DomainCorpus) => Files(options.DomainCorpus),
                nameof(DomainValidationCorpus) => Files(options.DomainValidationCorpus),
                nameof(ReferenceCorpus) => Files(options.ReferenceCorpus),
                nameof(TrainingData) => Files(options.TrainingData),
                nameof(ValidationData) => Files(options.ValidationData),
                nameof(OutputPath) => Relative(options.OutputPath),
                nameof(CacheDirectory) => Relative(options.CacheDirectory!),
                _ => value is SwitchParameter flag ? flag.IsPresent : value,
            };
            study.Add(new(name, setting));
        }
        var jobs = StudyJob.Of(plan);
        foreach (var job in jobs)
        {
            var text = JobFileWriter.Text(
                [$"Run {job.Run} of the adaptation study in {Relative(options.OutputPath)} (wave {job.Wave}" + (job.DependsOn is null ? "" : $", after {job.DependsOn}") + "),",
                 "written by Compare-BertAdaptation -AsJobFiles. Run it with: Invoke-BertJob -Path <this file>. Relative paths are relative to this file's folder."],
                [
                    (InvokeBertJobCommand.ModelSection, [new(InvokeBertJobCommand.CheckpointKey, Relative(Path.Combine(options.OutputPath, StudyFiles.BaseModelFolder)))]),
                    (InvokeBertJobCommand.StudySection, study.Append(new(nameof(Run), new[] { job.Run }))),
                ]);
            StudyFiles.WriteAtomically(Path.Combine(folder, job.JobFile), text);
        }
        StudyJob.WriteIndex(Path.Combine(folder, StudyJob.IndexName), jobs, j => Relative(Path.Combine(options.OutputPath, StudyFiles.RunsFolder, j.Run)));
        WriteVerbose($"Wrote {jobs.Count} job file(s) and {StudyJob.IndexName} into '{folder}', in {jobs.Max(j => j.Wave)} wave(s).");
        return jobs;
    }

    AdaptationStudyOptions Options(BertModel model)
    {
        bool pretrains = Strategy.Any(s => s != AdaptationStrategy.FineTuneOnly);
        if (Bound(nameof(PretrainSteps)) && Bound(nameof(PretrainTokens)))
            throw new BertAdaptException("AdaptationBudgetInvalid", BertAdaptErrorKind.InvalidArgument,
                "Give the pre-training budget as -PretrainSteps or as -PretrainTokens, not both.");
        if (pretrains && !Bound(nameof(PretrainSteps)) && !Bound(nameof(PretrainTokens)))
            throw new BertAdaptException("AdaptationBudgetInvalid", BertAdaptErrorKind.InvalidArgument,
                "Give the pre-training budget that every pre-training strategy gets, as -PretrainSteps or -PretrainTokens: the comparison is fair only at the same budget.");
        int sequenceLength = FitToPositions(SequenceLength, model, nameof(SequenceLength));
        int maxLength = FitToPositions(MaxLength, model, nameof(MaxLength));
        int steps = Bound(nameof(PretrainTokens)) ? AdaptationPlan.StepsForTokens(PretrainTokens, PretrainBatchSize, sequenceLength) : PretrainSteps;
        string budget = Bound(nameof(PretrainTokens))
            ? $"{PretrainTokens:N0} tokens = {steps:N0} steps of {PretrainBatchSize} x {sequenceLength} tokens"
            : $"{steps:N0} steps of {PretrainBatchSize} x {sequenceLength} tokens";
        List<string>? Files(string[]? paths) => paths is null ? null : ResolveFiles(paths, literal: false, "Corpus");
        return new AdaptationStudyOptions
        {
            OutputPath = ResolveLiteral(OutputPath),
            DomainCorpus = Files(DomainCorpus)!,
            DomainValidationCorpus = Files(DomainValidationCorpus),
            ReferenceCorpus = Files(ReferenceCorpus),
            TrainingData = ResolveFiles(TrainingData, literal: false, "FineTune"),
            ValidationData = ResolveFiles(ValidationData, literal: false, "FineTune"),
            ReadOptions = new FineTuneReadOptions
            {
                TextColumn = TextColumn,
                TextPairColumn = TextPairColumn,
                LabelColumn = LabelColumn,
                LabelSeparator = LabelSeparator,
                SkipInvalidRows = SkipInvalidRows,
                Encoding = Encoding,
            },
            Encoding = new FineTuneEncodingOptions { MaxLength = maxLength, SkipInvalidRows = SkipInvalidRows },
            AutoClassWeights = ClassWeights == ClassWeighting.Auto,
            AllowOverlap = AllowOverlap,
            Strategies = Strategy,
            MaskProbabilities = pretrains ? MaskProbability : [],
            Seeds = Seeds,
            PretrainSteps = pretrains ? steps : 0,
            PretrainBudget = pretrains ? budget : "none",
            PretrainEachSeed = PretrainEachSeed,
            Pretraining = new MlmTrainingOptions
            {
                BatchSize = PretrainBatchSize,
                LearningRate = PretrainLearningRate,
                SequenceLength = sequenceLength,
                Device = DeviceKind,
                DeviceIndex = DeviceIndex,
                Threads = RequestedThreads,
                Precision = Precision,
                CheckpointEvery = Bound(nameof(CheckpointEvery)) ? CheckpointEvery : null,
            },
            FineTuning = new FineTuneOptions
            {
                Task = Task,
                // What each run trains at (it is -MaxLength), so study-plan.json and study.json record it.
                SequenceLength = maxLength,
                Epochs = Epochs,
                MaxSteps = Bound(nameof(MaxSteps)) ? MaxSteps : null,
                BatchSize = BatchSize,
                LearningRate = LearningRate,
                WarmupRatio = WarmupRatio,
                WeightDecay = WeightDecay,
                Threshold = Threshold,
                EvalEachEpoch = true,
                Device = DeviceKind,
                DeviceIndex = DeviceIndex,
                Threads = RequestedThreads,
                Precision = Precision,
                CheckpointEvery = Bound(nameof(CheckpointEvery)) ? CheckpointEvery : null,
            },
            LineByLine = LineByLine,
            CacheDirectory = CacheDirectory is null ? null : ResolveLiteral(CacheDirectory),
        };
    }
}
