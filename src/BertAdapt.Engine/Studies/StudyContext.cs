using BertAdapt.Engine.Data;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Studies;

/// <summary>What every run of one study shares: its folder, options, callbacks and device.</summary>
internal sealed class StudyContext(string root, AdaptationStudyOptions options, TrainingCallbacks callbacks, CancellationToken cancellation, TorchSharp.torch.Device device)
{
    public string Root => root;
    public AdaptationStudyOptions Options => options;
    public TrainingCallbacks Callbacks => callbacks;
    public CancellationToken Cancellation => cancellation;
    public string BaseModelPath => Path.Combine(root, StudyFiles.BaseModelFolder);
    public string TaskCorpusPath => Path.Combine(root, StudyFiles.TaskCorpusName);
    public string RunFolder(string folder) => Path.Combine(root, StudyFiles.RunsFolder, folder);

    /// <summary>The checkpoint a finished pre-training stage recorded in its run.json.</summary>
    public string CheckpointOf(PretrainStage stage)
    {
        var record = StudyFiles.ReadRecord(Path.Combine(RunFolder(stage.Folder), StudyFiles.RunRecordName))
            ?? throw new InvalidOperationException($"Pre-training stage {stage.Folder} has not finished.");
        return Path.Combine(RunFolder(stage.Folder), record.Checkpoint!);
    }

    public string LatestCheckpoint(string folder)
    {
        using var directory = RunDirectory.Open(folder);
        return directory.Latest()?.Path ?? throw new InvalidOperationException($"The run in '{folder}' saved no checkpoint.");
    }

    /// <summary>A stop (Ctrl+C, a signal) ends the study after the run saved its checkpoint; the rerun resumes it.</summary>
    public void ThrowIfStopped(bool cancelled)
    {
        if (cancelled) throw new OperationCanceledException(cancellation);
    }

    /// <summary>Domain and reference perplexity at 15% masking with a fixed seed, whatever rate the model trained at.</summary>
    public (double Domain, double? Reference) Perplexities(BertModel model)
    {
        model.MoveTo(device);
        double domain = Measure(model, options.DomainValidationCorpus ?? options.DomainCorpus);
        double? reference = options.ReferenceCorpus is { } files ? Measure(model, files) : null;
        return (domain, reference);
    }

    double Measure(BertModel model, IReadOnlyList<string> files)
    {
        using var data = TrainingData.Open(files, model.Vocabulary, new TrainingDataOptions
        {
            LineByLine = options.LineByLine,
            SequenceLength = Math.Min(options.Pretraining.SequenceLength, model.Config.MaxPositionEmbeddings),
            ReadOptions = options.CorpusReadOptions,
            CacheDirectory = options.CacheDirectory,
        }, cancellation: cancellation);
        return PerplexityEvaluator.Measure(model, data.Train, options.PerplexityBatchSize, AdaptationStudyOptions.PerplexityMaskProbability,
            AdaptationStudyOptions.PerplexitySeed, cancellation: cancellation).Perplexity;
    }
}
