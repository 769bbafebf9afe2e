using TorchSharp;
using TorchSharp.Modules;
using BertAdapt.Engine.Checkpoints;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Training;

/// <summary>
/// A training run's output directory (-OutputPath; not a YAML job file): an exclusive lock, <c>metrics.jsonl</c>, <c>best/</c> (the
/// weights with the best validation loss, when validation runs), and numbered
/// checkpoints (<c>checkpoint-00000100</c>), each an HF checkpoint plus trainer_state.json,
/// optimizer.bin and rng.bin (the model's dropout stream, <see cref="Modeling.DropoutRandom"/>: libtorch
/// CPU generator state, the format in which checkpoints before it held the global generator's). A checkpoint is written to a hidden staging directory and
/// renamed into place, so a kill at any moment leaves only complete checkpoints. The directory
/// holds one run's checkpoints at a time (see <see cref="RerunRules"/>).
/// </summary>
public sealed class RunDirectory : IDisposable
{
    const string Prefix = "checkpoint-", StateFile = "trainer_state.json", OptimizerFile = "optimizer.bin", RngFile = "rng.bin";
    readonly FileStream lockStream;

    RunDirectory(string path, FileStream lockStream)
    {
        Path = path;
        this.lockStream = lockStream;
    }

    public string Path { get; }
    public string MetricsPath => System.IO.Path.Combine(Path, "metrics.jsonl");
    /// <summary>The weights with the best validation loss so far (an HF checkpoint directory).</summary>
    public string BestPath => System.IO.Path.Combine(Path, "best");

    /// <summary>Creates (if needed) and locks the directory; a second job on it fails at once.</summary>
    public static RunDirectory Open(string path)
    {
        path = System.IO.Path.GetFullPath(path);
        if (File.Exists(path))
            throw new BertAdaptException("OutputPathIsFile", BertAdaptErrorKind.InvalidArgument, $"-OutputPath '{path}' is a file.", path);
        Directory.CreateDirectory(path);
        try
        {
            var stream = new FileStream(System.IO.Path.Combine(path, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new RunDirectory(path, stream);
        }
        catch (IOException ex)
        {
            throw new BertAdaptException("OutputPathLocked", BertAdaptErrorKind.ResourceUnavailable,
                $"Another training job is using '{path}'. Wait for it to finish, or choose another -OutputPath.", path, ex);
        }
    }

    /// <summary>
    /// The newest complete checkpoint and its state, if any: the last run's highest step.
    /// Leftovers of interrupted writes are removed.
    /// </summary>
    public (string Path, TrainerState State)? Latest()
    {
        foreach (var partial in Directory.EnumerateDirectories(Path, "." + Prefix + "*"))
            SharingViolationRetry.TryRun(() => Directory.Delete(partial, recursive: true));
        var checkpoints = Checkpoints().Select(d => (Path: d, State: ReadState(d))).ToList();
        return checkpoints.Count == 0 ? null : checkpoints.MaxBy(c => (c.State.RunNumber, c.State.Step));
    }

    static TrainerState ReadState(string checkpoint) =>
        TrainerState.Parse(File.ReadAllText(System.IO.Path.Combine(checkpoint, StateFile)), $"'{checkpoint}'");

    IEnumerable<string> Checkpoints() => Directory.EnumerateDirectories(Path, Prefix + "*")
        .Where(d => File.Exists(System.IO.Path.Combine(d, StateFile)))
        .OrderBy(d => d, StringComparer.Ordinal);

    /// <summary>For -Restart: removes every checkpoint, best/ and, when asked, metrics.jsonl, so nothing of an earlier run is left.</summary>
    public void RemoveRuns(bool metrics)
    {
        foreach (var checkpoint in Checkpoints().ToList()) SharingViolationRetry.Run(() => Directory.Delete(checkpoint, recursive: true));
        RemoveBest();
        if (metrics && File.Exists(MetricsPath)) SharingViolationRetry.Run(() => File.Delete(MetricsPath));
    }

    /// <summary>best/ belongs to the run that wrote it; a new run starts without one.</summary>
    public void RemoveBest()
    {
        if (Directory.Exists(BestPath)) SharingViolationRetry.Run(() => Directory.Delete(BestPath, recursive: true));
    }

    public void Save(BertModel model, OptimizerHelper optimizer, TrainerState state, int keep)
    {
        var name = $"{Prefix}{state.Step:D8}";
        var final = System.IO.Path.Combine(Path, name);
        var staging = System.IO.Path.Combine(Path, $".{name}.partial-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            var hashed = HfCheckpointDirectory.WriteFiles(model, staging);
            optimizer.save_state_dict(System.IO.Path.Combine(staging, OptimizerFile));
            File.WriteAllBytes(System.IO.Path.Combine(staging, RngFile), model.Module.DropoutRandom.GetState());
            File.WriteAllText(System.IO.Path.Combine(staging, StateFile), state.ToJson());
            CheckpointManifestWriter.Write(model, staging, hashed);
            if (Directory.Exists(final)) SharingViolationRetry.Run(() => Directory.Delete(final, recursive: true));
            SharingViolationRetry.Run(() => Directory.Move(staging, final));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BertAdaptException("CheckpointWriteFailed", BertAdaptErrorKind.WriteError, $"Could not write checkpoint '{final}': {ex.Message}", final, ex);
        }
        finally
        {
            if (Directory.Exists(staging)) SharingViolationRetry.TryRun(() => Directory.Delete(staging, recursive: true));
        }
        // Once this run has a checkpoint, an earlier run's are no longer the way back: remove them,
        // then all but the newest `keep` of this run's. One another process is reading stays until
        // a later save can remove it.
        var checkpoints = Checkpoints().Select(d => (Path: d, State: ReadState(d))).ToList();
        foreach (var old in checkpoints.Where(c => c.State.RunId != state.RunId))
            SharingViolationRetry.TryRun(() => Directory.Delete(old.Path, recursive: true));
        foreach (var old in checkpoints.Where(c => c.State.RunId == state.RunId).OrderBy(c => c.State.Step).SkipLast(keep))
            SharingViolationRetry.TryRun(() => Directory.Delete(old.Path, recursive: true));
    }

    /// <summary>
    /// Restores weights, optimizer and the model's dropout stream from a checkpoint and returns its
    /// trainer state. An older checkpoint's rng.bin (libtorch's global generator, which dropout drew
    /// from then) becomes the model's stream, so its run resumes with the masks it would have drawn.
    /// </summary>
    public static TrainerState Restore(string checkpoint, BertModel model, OptimizerHelper optimizer)
    {
        var state = ReadState(checkpoint);
        HfCheckpointDirectory.LoadWeights(model, checkpoint);
        optimizer.load_state_dict(System.IO.Path.Combine(checkpoint, OptimizerFile));
        var rng = System.IO.Path.Combine(checkpoint, RngFile);
        model.Module.DropoutRandom.SetState(File.ReadAllBytes(rng), $"'{rng}'");
        return state;
    }

    public void Dispose() => lockStream.Dispose();
}
