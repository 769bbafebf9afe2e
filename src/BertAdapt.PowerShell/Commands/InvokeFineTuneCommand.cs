using System.Management.Automation;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Training;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>How class weights are chosen.</summary>
public enum ClassWeighting { None, Auto }

/// <summary>
/// Fine-tunes a model for sequence classification (single or multi-label), regression or
/// token classification, from labelled files or from objects on the pipeline. Input is
/// gathered in ProcessRecord and trained on in EndProcessing, once all of it is known.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "FineTune", SupportsShouldProcess = true, DefaultParameterSetName = FilesSet)]
[Alias("Invoke-BertFineTune")]
[OutputType(typeof(BertModel))]
public sealed class InvokeFineTuneCommand : TrainingCmdlet
{
    const string FilesSet = "Files", LiteralFilesSet = "LiteralFiles", ObjectsSet = "Objects";
    readonly List<IReadOnlyDictionary<string, object?>?> objects = [];
    readonly List<BertModel> models = [];
    readonly List<string> files = [];

    #region Parameters

    [Parameter(ParameterSetName = FilesSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = LiteralFilesSet, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = ObjectsSet, Mandatory = true)]
    [ValidateNotNull]
    [ModelFromPath]
    public BertModel Model { get; set; } = null!;

    [Parameter(Mandatory = true)]
    public FineTuneTask Task { get; set; }

    /// <summary>Labelled files: .csv, .tsv, .jsonl (or .gz of them); CoNLL-style files for token classification.</summary>
    [Parameter(ParameterSetName = FilesSet, Mandatory = true, Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] TrainingData { get; set; } = [];

    /// <summary>Labelled files named exactly, never expanded as wildcards.</summary>
    [Parameter(ParameterSetName = LiteralFilesSet, Mandatory = true)]
    [Alias("LiteralPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralTrainingData { get; set; } = [];

    /// <summary>
    /// Rows as objects (Import-Csv, ConvertFrom-Json, [pscustomobject]) from the pipeline. A
    /// FileInfo (Get-ChildItem *.csv) is taken as a data file, literally, as Select-String
    /// takes piped files: PowerShell binds any object to this parameter before it would look
    /// at a file's PSPath.
    /// </summary>
    [Parameter(ParameterSetName = ObjectsSet, Mandatory = true, ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? ValidationData { get; set; }

    /// <summary>Validation files named exactly, never expanded; may be given with -ValidationData.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? LiteralValidationData { get; set; }

    /// <summary>The encoding of data files without a byte-order mark; UTF-8 by default.</summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingNameCompleter))]
    public System.Text.Encoding? Encoding { get; set; }

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

    [Parameter]
    [ValidateRange(8, 4096)]
    public int MaxLength { get; set; } = 128;

    [Parameter]
    public SwitchParameter LabelAllSubTokens { get; set; }

    [Parameter]
    public ClassWeighting ClassWeights { get; set; } = ClassWeighting.None;

    [Parameter]
    public SwitchParameter FreezeEmbeddings { get; set; }

    [Parameter]
    [ValidateRange(0, 1000)]
    public int FreezeLayers { get; set; }

    [Parameter]
    [ValidateRange(0.01, 0.99)]
    public double Threshold { get; set; } = 0.5;

    #endregion

    protected override TrainingOptions Defaults { get; } = new FineTuneOptions();

    /// <summary>Three passes over the labelled data, as Hugging Face's Trainer does by default.</summary>
    protected override int DefaultEpochs => 3;

    FineTuneReadOptions ReadOptions => new()
    {
        TextColumn = TextColumn,
        TextPairColumn = TextPairColumn,
        LabelColumn = LabelColumn,
        LabelSeparator = LabelSeparator,
        SkipInvalidRows = SkipInvalidRows,
        Encoding = Encoding,
    };

    protected override void BeginCommand()
    {
        CheckModelArgument(Model);
        Guard(CheckTrainingOutputs);
    }

    protected override void ProcessInput()
    {
        if (ParameterSetName == ObjectsSet)
        {
            if (InputObject?.BaseObject is FileInfo file) AddFiles([file.FullName], literal: true);
            else if (InputObject is not null) objects.Add(ToDictionary(InputObject));
            return;
        }
        if (!models.Contains(Model) && IsUsableItem(Model)) models.Add(Model);
        bool literal = ParameterSetName == LiteralFilesSet;
        AddFiles(literal ? LiteralTrainingData : TrainingData, literal);
    }

    void AddFiles(IEnumerable<string> paths, bool literal)
    {
        foreach (var file in Guard(() => ResolveFiles(paths, literal, "FineTune")))
            if (!files.Contains(file)) files.Add(file);
    }

    protected override void EndCommand()
    {
        if (ParameterSetName != ObjectsSet)
        {
            foreach (var model in models) Train(model, files, null);
            return;
        }
        if (files.Count > 0 && objects.Count > 0)
            ThrowTerminatingError(ErrorRecords.From(new BertAdaptException("FineTuneInputMixed", BertAdaptErrorKind.InvalidArgument,
                $"The pipeline gave {files.Count} data file(s) and {objects.Count} data row(s). Pipe either files (Get-ChildItem *.csv) or rows (Import-Csv), not both.")));
        if (files.Count > 0) Train(Model, files, null);
        else Train(Model, null, objects);
    }

    static IReadOnlyDictionary<string, object?>? ToDictionary(PSObject row)
    {
        if (row.BaseObject is System.Collections.IDictionary table)
        {
            var fromTable = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (System.Collections.DictionaryEntry entry in table) fromTable[entry.Key.ToString()!] = Unwrap(entry.Value);
            return fromTable;
        }
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in row.Properties)
        {
            if (!property.IsGettable) continue;
            object? value;
            try { value = property.Value; }
            catch (GetValueException) { continue; }
            values[property.Name] = Unwrap(value);
        }
        return values;
    }

    static object? Unwrap(object? value) => value switch
    {
        PSObject ps => ps.BaseObject is object[] array ? array.Select(Unwrap).ToArray() : ps.BaseObject,
        object[] array => array.Select(Unwrap).ToArray(),
        _ => value,
    };

    void Train(BertModel model, List<string>? files, List<IReadOnlyDictionary<string, object?>?>? rows)
    {
        var validationFiles = ValidationData is null && LiteralValidationData is null ? null : Guard(() =>
            ResolveFiles(ValidationData ?? [], literal: false, "FineTune").Concat(ResolveFiles(LiteralValidationData ?? [], literal: true, "FineTune")).Distinct().ToList());
        int maxLength = FitToPositions(MaxLength, model, nameof(MaxLength));
        var head = model.GetTask() is FineTuneTask headTask ? new FineTuneHead(headTask, model.Config.Id2Label, model.Source) : null;
        // Warnings (skipped rows, class weights that do not apply) and notes are written as they come up.
        var data = Guard(() => FineTuneDataSet.Open(files, rows, model.Vocabulary, head, new FineTuneDataOptions
        {
            Task = Task,
            ValidationFiles = validationFiles,
            ValidationSplit = RequestedValidationSplit,
            Seed = Seed,
            ReadOptions = ReadOptions,
            Encoding = new FineTuneEncodingOptions { MaxLength = maxLength, LabelAllSubTokens = LabelAllSubTokens, SkipInvalidRows = SkipInvalidRows },
            AutoClassWeights = ClassWeights == ClassWeighting.Auto,
        }, WriteWarning, WriteVerbose, Cancellation));
        var (train, validation, labels) = (data.Train, data.Validation, data.Labels);

        var options = (FineTuneOptions)Guard(() => WithTrainingParameters(new FineTuneOptions
        {
            Task = Task,
            SequenceLength = maxLength,
            // Without -EvalEvery, the validation data is scored after each epoch.
            EvalEachEpoch = !Bound(nameof(EvalEvery)),
            ClassWeights = data.ClassWeights,
            FreezeEmbeddings = FreezeEmbeddings,
            FreezeLayers = FreezeLayers,
            Threshold = Threshold,
        }));
        if (!ShouldTrain(model, $"Fine-tune for {Task}", options, train.Count)) return;

        if (data.NeedsNewHead)
        {
            if (model.Task is not null) WriteVerbose($"Replacing the model's {model.Task} head with a new {Task} head.");
            model.AddTaskHead(Task, labels?.Labels ?? [], Seed);
        }

        var progress = new TrainingProgress(this, 2, "Invoke-FineTune");
        var result = Train(() => FineTuneTrainer.Train(model, train, validation, options, Callbacks(progress,
            m => $"epoch {m.Epoch + 1} | loss {m.Loss:F4} | lr {m.LearningRate:E2}" + (m.ValidationScore is double v ? $" | {m.ValidationMetric} {v:F3}" : ""),
            m =>
            {
                if (m.ValidationScore is double score)
                    WriteVerbose($"Step {m.Step}: validation loss {m.ValidationLoss:F4}, {m.ValidationMetric} {score:F4}.");
            }), Cancellation));
        Finish(result.Run, result.Cancelled, options.OutputPath, new TrainingRunSummary("Fine-tuned", result.Steps, 0, result.FinalLoss,
            result.SkippedNonFiniteSteps, result.PaddingFraction, result.BestScore is double best ? $"{result.Metric} {best:F4}" : null,
            result.EarlyStopped, result.Device, result.Threads));
        progress.Complete();
        if (files is not null) model.RecordTrainedOn(files);
        if (result.Evaluations.Count > 0 && ConstantBaseline.Shortfall(result.Evaluations[^1]) is string shortfall)
            WriteWarning($"The fine-tuned model is no better than a constant answer: {shortfall}. It has not learned the task yet: "
                + "try more -Epochs, another -LearningRate, more training rows, or -ClassWeights Auto when one class dominates.");
        WriteObject(model);
    }
}
