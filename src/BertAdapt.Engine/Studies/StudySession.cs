using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// A study folder opened by one process: runs/ created, the folder's lock taken, libtorch's
/// threads set, and the study's settings checked against its study-plan.json (written when the
/// folder has none). The whole study and its set-up lock the folder exclusively; a process that
/// runs only some of its runs (<see cref="AdaptationStudy.RunOnly"/>) shares the lock with others
/// doing the same, since each run locks its own folder, and so waits for no one but a whole study.
/// </summary>
internal sealed class StudySession : IDisposable
{
    const string LockName = ".study.lock";
    readonly FileStream studyLock;
    readonly IDisposable threads;

    public StudySession(BertModel model, AdaptationStudyOptions options, TrainingCallbacks callbacks, CancellationToken cancellation, bool shared)
    {
        var root = Path.GetFullPath(options.OutputPath);
        Directory.CreateDirectory(Path.Combine(root, StudyFiles.RunsFolder));
        studyLock = Lock(root, shared);
        try
        {
            threads = ComputeThreads.Use(options.Pretraining.Threads);
            var device = DeviceSelector.Resolve(options.Pretraining.Device, options.Pretraining.DeviceIndex);
            Settings = StudySettings.Of(model, options);
            CheckSameStudy(root, Settings);
            Context = new StudyContext(root, options, callbacks, cancellation, device);
        }
        catch
        {
            threads?.Dispose();
            studyLock.Dispose();
            throw;
        }
    }

    public StudyContext Context { get; }
    public Dictionary<string, string> Settings { get; }

    public void Dispose()
    {
        threads.Dispose();
        studyLock.Dispose();
    }

    static FileStream Lock(string root, bool shared)
    {
        try
        {
            // FileShare.None is an exclusive lock (flock LOCK_EX on Unix), and sharing read and write a shared one (LOCK_SH).
            return new FileStream(Path.Combine(root, LockName), FileMode.OpenOrCreate, shared ? FileAccess.Read : FileAccess.ReadWrite,
                shared ? FileShare.ReadWrite : FileShare.None);
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
}
