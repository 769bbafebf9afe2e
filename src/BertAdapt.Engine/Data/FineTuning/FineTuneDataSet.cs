using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// The examples of one fine-tuning run, read from labelled files (or, for the sequence tasks,
/// from pipeline rows) and encoded once: the training set, the validation set (from validation
/// files, or held out by a validation split), the label map both use, the rows left out as invalid, and the class weights
/// when they are asked for.
/// </summary>
/// <remarks>
/// The label map is the model head's own when the model already has a head for this task (so
/// fine-tuning it again keeps its class ids), else the sorted labels of the training data
/// (<see cref="LabelMap.FromTraining(IEnumerable{LabeledRow}, FineTuneTask)"/>). Validation rows
/// are encoded with that map: a label it lacks is an error, or a skipped row.
/// </remarks>
public sealed class FineTuneDataSet
{
    FineTuneDataSet(FineTuneTask task, FineTuneExamples train, FineTuneExamples? validation, LabelMap? labels, bool labelsFromHead,
        bool needsNewHead, SkippedRows skipped, float[]? classWeights, IReadOnlyList<string> warnings)
    {
        Task = task;
        Train = train;
        Validation = validation;
        Labels = labels;
        LabelsFromHead = labelsFromHead;
        NeedsNewHead = needsNewHead;
        Skipped = skipped;
        ClassWeights = classWeights;
        Warnings = warnings;
    }

    public FineTuneTask Task { get; }

    /// <summary>The training examples; never empty.</summary>
    public FineTuneExamples Train { get; }

    /// <summary>The validation examples: from validation files or held out by a validation split; null without either.</summary>
    public FineTuneExamples? Validation { get; }

    /// <summary>The class (or tag) map of <see cref="Train"/> and <see cref="Validation"/>; null for regression.</summary>
    public LabelMap? Labels { get; }

    /// <summary>True when <see cref="Labels"/> is the existing head's map rather than the training data's.</summary>
    public bool LabelsFromHead { get; }

    /// <summary>
    /// True when the model needs a new head for this task, with <see cref="Labels"/> as its
    /// classes: it has none, or one for another task, or its classes did not give the map.
    /// </summary>
    public bool NeedsNewHead { get; }

    /// <summary>
    /// Every row left out as invalid, in order: while reading the training files (or rows), then
    /// the validation files, then while encoding the training and the validation examples.
    /// </summary>
    public SkippedRows Skipped { get; }

    /// <summary>How many training examples lost tokens to <see cref="FineTuneEncodingOptions.MaxLength"/>.</summary>
    public int Truncated => Train.Truncated;

    /// <summary>The loss weight per label id by <see cref="FineTuning.ClassWeights.Auto"/>; null unless asked for and the task has classes to weigh.</summary>
    public float[]? ClassWeights { get; }

    /// <summary>The warnings opening the data gave, in order (each was also handed to the warning callback as it came).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>
    /// Reads, checks and encodes the data of a fine-tuning run. Give exactly one of
    /// <paramref name="files"/> and <paramref name="rows"/>.
    /// </summary>
    /// <param name="files">Training files: .csv, .tsv or .jsonl (optionally .gz) for the sequence tasks, CoNLL-style files for token classification.</param>
    /// <param name="rows">Training rows, each given as its properties; not for token classification (FineTuneFormatUnsupported).</param>
    /// <param name="head">The head the model has; null when it has none.</param>
    /// <param name="warning">Takes each warning as it comes, before any error that follows it; also kept in <see cref="Warnings"/>.</param>
    /// <param name="info">Takes each informational message (how many examples were cut) as it comes.</param>
    /// <exception cref="BertAdaptException">
    /// FineTuneDataEmpty (InvalidData) when no training example is left; FineTuneFormatUnsupported
    /// (InvalidArgument) for token classification from rows; and whatever the readers, the label
    /// map and the encoding throw (FineTuneRowInvalid, FineTuneLabelUnknown, FineTuneTooFewLabels,
    /// FineTuneLabelMapInvalid, FineTuneNoLabels, ...).
    /// </exception>
    public static FineTuneDataSet Open(IReadOnlyList<string>? files, IEnumerable<IReadOnlyDictionary<string, object?>?>? rows,
        BertVocabulary vocabulary, FineTuneHead? head, FineTuneDataOptions options,
        Action<string>? warning = null, Action<string>? info = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(options);
        if ((files is null) == (rows is null))
            throw new ArgumentException("Give the training data as files or as rows, one of the two.", files is null ? nameof(files) : nameof(rows));
        var task = options.Task;
        if (options.ValidationSplit is double split)
        {
            if (!(split is > 0 and < 1))
                throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument, $"ValidationSplit must be between 0 and 1 (got {split}).");
            if (options.ValidationFiles is not null)
                throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument,
                    "Give validation files or a validation split, not both: the split holds out part of the training data instead of reading other files.");
        }

        var existing = head is not null && head.Task == task && task.HasLabelMap()
            ? LabelMap.FromId2Label(head.Id2Label ?? new Dictionary<string, string>(), head.Source) : null;
        var skipped = new List<SkippedRows>();
        FineTuneExamples train;
        FineTuneExamples? validation = null;
        LabelMap? labels;
        if (task == FineTuneTask.TokenClassification)
        {
            if (files is null)
                throw new BertAdaptException("FineTuneFormatUnsupported", BertAdaptErrorKind.InvalidArgument,
                    "Token classification reads CoNLL-style files; give them with -TrainingData.");
            var all = ReadSentences(files, options.ReadOptions, skipped, cancellation);
            // The label map covers every tag read, so a tag seen only in the held-out part is known.
            labels = existing ?? LabelMap.FromTraining(all);
            cancellation.ThrowIfCancellationRequested();
            var (trainItems, heldOut) = Split(all, options);
            train = FineTuneExamples.FromSentences(trainItems, labels, vocabulary, options.Encoding);
            if (options.ValidationFiles is { } validationFiles)
                validation = FineTuneExamples.FromSentences(ReadSentences(validationFiles, options.ReadOptions, skipped, cancellation), labels, vocabulary, options.Encoding);
            else if (heldOut is not null)
                validation = FineTuneExamples.FromSentences(heldOut, labels, vocabulary, options.Encoding);
        }
        else
        {
            var all = files is not null ? ReadRows(files, task, options.ReadOptions, skipped, cancellation)
                : Collect([LabeledRows.FromObjects(rows!, task, options.ReadOptions)], skipped);
            labels = task.HasLabelMap() ? existing ?? LabelMap.FromTraining(all, task) : null;
            cancellation.ThrowIfCancellationRequested();
            var (trainItems, heldOut) = Split(all, options);
            train = FineTuneExamples.FromRows(trainItems, task, labels, vocabulary, options.Encoding);
            if (options.ValidationFiles is { } validationFiles)
                validation = FineTuneExamples.FromRows(ReadRows(validationFiles, task, options.ReadOptions, skipped, cancellation), task, labels, vocabulary, options.Encoding);
            else if (heldOut is not null)
                validation = FineTuneExamples.FromRows(heldOut, task, labels, vocabulary, options.Encoding);
        }

        var warnings = new List<string>();
        void Warn(string message)
        {
            warnings.Add(message);
            warning?.Invoke(message);
        }
        var skippedAll = SkippedRows.Combine([.. skipped, train.Skipped, .. validation is null ? Array.Empty<SkippedRows>() : [validation.Skipped]]);
        if (skippedAll.Count > 0) Warn($"-SkipInvalidRows {skippedAll}");
        if (train.Truncated > 0) info?.Invoke($"{train.Truncated} training example(s) were cut to {options.Encoding.MaxLength} tokens.");
        if (train.Count == 0)
            throw new BertAdaptException("FineTuneDataEmpty", BertAdaptErrorKind.InvalidData, "There are no training rows.");
        if (options.ValidationSplit is double fraction && validation is { Count: 0 })
            throw new BertAdaptException("FineTuneDataEmpty", BertAdaptErrorKind.InvalidData,
                $"A validation split of {fraction} holds out none of the {train.Count} training rows; give a larger split or validation files.");

        if (options.AutoClassWeights && task is FineTuneTask.MultiLabelClassification or FineTuneTask.Regression)
            Warn($"-ClassWeights weighs the classes of single-label and token classification; it has no effect on {task}.");
        var weights = options.AutoClassWeights && task is FineTuneTask.SequenceClassification or FineTuneTask.TokenClassification
            && train.LabelCounts is { } counts ? FineTuning.ClassWeights.Auto(counts) : null;
        bool needsNewHead = head?.Task != task || existing is null && task.HasLabelMap();
        return new FineTuneDataSet(task, train, validation, labels, existing is not null, needsNewHead, skippedAll, weights, warnings);
    }

    /// <summary>The items to train on and, with a validation split, the held-out ones (else null).</summary>
    static (List<T> Train, List<T>? HeldOut) Split<T>(List<T> items, FineTuneDataOptions options)
    {
        if (options.ValidationSplit is not double fraction) return (items, null);
        var train = new List<T>();
        var heldOut = new List<T>();
        for (int i = 0; i < items.Count; i++)
            (Corpora.ExampleSplit.IsHeldOut(i, fraction, options.Seed) ? heldOut : train).Add(items[i]);
        return (train, heldOut);
    }

    static List<TaggedSentence> ReadSentences(IReadOnlyList<string> files, FineTuneReadOptions options, List<SkippedRows> skipped, CancellationToken cancellation) =>
        Collect(files.Select(f =>
        {
            cancellation.ThrowIfCancellationRequested();
            return TaggedSentences.Read(f, options);
        }).ToList(), skipped);

    static List<LabeledRow> ReadRows(IReadOnlyList<string> files, FineTuneTask task, FineTuneReadOptions options, List<SkippedRows> skipped, CancellationToken cancellation) =>
        Collect(files.Select(f =>
        {
            cancellation.ThrowIfCancellationRequested();
            return LabeledRows.Read(f, task, options);
        }).ToList(), skipped);

    /// <summary>The items of every source, in order; their skipped rows go to <paramref name="skipped"/>.</summary>
    static List<T> Collect<T>(List<FineTuneData<T>> read, List<SkippedRows> skipped)
    {
        skipped.AddRange(read.Select(r => r.Skipped));
        return [.. read.SelectMany(r => r.Items)];
    }
}
