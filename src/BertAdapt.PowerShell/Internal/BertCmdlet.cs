using System.Management.Automation;
using System.Runtime.InteropServices;
using BertAdapt.Engine.Training;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// Shared plumbing: engine errors become ErrorRecords with stable ids, Ctrl+C (StopProcessing)
/// becomes a cancellation token, and user paths resolve through the session's providers.
/// </summary>
/// <remarks>
/// PowerShell's rule for errors: a problem with the command's own arguments ends the command
/// (<see cref="Guard"/>, a terminating error); a problem with one input item is written as a
/// non-terminating error for that item and the next item is processed (<see cref="GuardItem"/>),
/// so -ErrorAction and -ErrorVariable decide what happens. Commands override
/// <see cref="BeginCommand"/>, <see cref="ProcessInput"/> and <see cref="EndCommand"/>: whatever
/// engine or file-system exception escapes them unguarded still reaches the user as an
/// ErrorRecord with an id and a category, never as a bare .NET exception.
/// </remarks>
public abstract class BertCmdlet : PSCmdlet
{
    readonly CancellationTokenSource stopping = new();

    protected internal CancellationToken Cancellation => stopping.Token;

    protected override void StopProcessing() => stopping.Cancel();

    protected sealed override void BeginProcessing() => Run(BeginCommand);

    protected sealed override void ProcessRecord() => Run(ProcessInput);

    protected sealed override void EndProcessing() => Run(EndCommand);

    /// <summary>Once, before any input: check arguments and output locations here.</summary>
    protected virtual void BeginCommand() { }

    /// <summary>Once per pipeline input (once in all without pipeline input).</summary>
    protected virtual void ProcessInput() { }

    /// <summary>Once, after the last input.</summary>
    protected virtual void EndCommand() { }

    void Run(Action step)
    {
        try
        {
            step();
        }
        catch (Exception ex) when (ErrorRecords.TryFrom(ex, out var record))
        {
            Terminate(record);
        }
    }

    /// <summary>-WhatIf was given, or $WhatIfPreference is set: for a cmdlet whose -WhatIf says more than ShouldProcess's one line.</summary>
    protected bool WhatIfRequested => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var value)
        ? LanguagePrimitives.IsTrue(value)
        : LanguagePrimitives.IsTrue(GetVariableValue("WhatIfPreference"));

    /// <summary>Runs engine code, turning its user-facing failures into terminating errors.</summary>
    protected internal void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex) when (ErrorRecords.TryFrom(ex, out var record))
        {
            Terminate(record);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    protected internal T Guard<T>(Func<T> func)
    {
        T result = default!;
        Guard(() => { result = func(); });
        return result;
    }

    /// <summary>
    /// Runs the work for one input item: a user-facing failure is written as a non-terminating
    /// error (which -ErrorAction Stop still makes terminating) and false is returned, so the
    /// command goes on with the next item.
    /// </summary>
    protected bool GuardItem(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception ex) when (ErrorRecords.TryFrom(ex, out var record))
        {
            WriteError(record);
            return false;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>Whether the user gave parameter <paramref name="name"/> (rather than leaving its default).</summary>
    protected internal bool Bound(string name) => MyInvocation.BoundParameters.ContainsKey(name);

    /// <summary>
    /// A sequence length no longer than <paramref name="model"/>'s position embeddings, as Hugging
    /// Face's scripts fit max_seq_length to the model; cutting one the user gave is a warning.
    /// </summary>
    protected internal int FitToPositions(int requested, BertModel model, string parameter)
    {
        int positions = model.Config.MaxPositionEmbeddings;
        if (requested <= positions) return requested;
        string message = $"-{parameter} {requested} is more than the {positions} positions this model has (max_position_embeddings), so sequences of up to {positions} tokens are used.";
        if (Bound(parameter)) WriteWarning(message); else WriteVerbose(message);
        return positions;
    }

    /// <summary>
    /// For BeginCommand: a model given as an argument must be usable, or the command ends with
    /// ModelDisposed. (A piped model is not bound yet; unbound, it is null here.)
    /// </summary>
    protected void CheckModelArgument(BertModel? model)
    {
        if (model is null) return;
        Guard(model.ThrowIfDisposed);
        // A path given to -Model was imported while binding, where no warning can be written.
        if (ModelFromPathAttribute.TakeUnreportedImport(model)) WriteLoadReport(model);
    }

    /// <summary>What importing <paramref name="model"/> reported (parameters initialised, keys ignored), as warnings.</summary>
    protected void WriteLoadReport(BertModel model)
    {
        foreach (var line in model.LoadReport) WriteWarning(line);
    }

    /// <summary>
    /// For a piped model: false, having written ModelDisposed for that item, when it is disposed.
    /// A piped path imported for -Model gets its import's warnings here.
    /// </summary>
    protected internal bool IsUsableItem(BertModel model)
    {
        if (!GuardItem(model.ThrowIfDisposed)) return false;
        if (ModelFromPathAttribute.TakeUnreportedImport(model)) WriteLoadReport(model);
        return true;
    }

    #region Training and termination signals

    PosixSignal? stoppedBy;

    /// <summary>
    /// Runs training with SIGTERM, SIGINT, SIGQUIT and SIGHUP (and Windows' console events) turned
    /// into this cmdlet's Ctrl+C, so the training loop saves a checkpoint before it stops. Call
    /// <see cref="StopAfterTraining"/> when the result says the run was cancelled, or when
    /// <see cref="SignalReceived"/> says a signal came as the run was ending. TrainingRunChanged
    /// and OutputPathLocked end the calling script (see <see cref="ScriptTerminatingException"/>).
    /// </summary>
    /// <param name="outputPath">Where a signal's checkpoint is saved, for the message, when the engine stops by throwing
    /// (a study between its runs) rather than by returning a cancelled result.</param>
    protected T Train<T>(Func<T> train, string? outputPath = null)
    {
        using var signals = TerminationSignals.Register(StopProcessing);
        try
        {
            return Guard(() =>
            {
                try
                {
                    return train();
                }
                catch (BertAdaptException ex) when (ex.ErrorId is "TrainingRunChanged" or "OutputPathLocked")
                {
                    // The output path is not in the state the script assumes; its next line (an
                    // export, say) must not run on an untrained model.
                    ThrowScriptTerminatingError(ErrorRecords.From(ex));
                    throw;
                }
            });
        }
        catch (PipelineStoppedException) when (signals.Received is PosixSignal signal)
        {
            stoppedBy = signal;
            StopAfterTraining(null, outputPath);
            throw;
        }
        finally
        {
            stoppedBy = signals.Received;
        }
    }

    /// <summary>
    /// Whether a termination signal came during the last <see cref="Train"/>. It can come after the
    /// last step, while the final checkpoint is saved: the run is then finished, not cancelled, but
    /// the signal still asks the command (and process) to stop, and must not be swallowed.
    /// </summary>
    protected bool SignalReceived => stoppedBy is not null;

    /// <summary>
    /// Ends a cancelled training run. A stop without a signal (a host's own Stop) stops the
    /// pipeline as usual. After a signal, TrainingInterrupted says where the run is saved, and:
    /// SIGTERM, SIGQUIT and SIGHUP, which ask the process to end, make the host exit with 128 plus
    /// the signal's number (143 for SIGTERM), as if the signal had ended it, but after the
    /// checkpoint; SIGINT (Ctrl+C) does so too where pwsh runs a script or command and then exits
    /// (exit code 130), and otherwise stops the command as Ctrl+C always does.
    /// </summary>
    protected void StopAfterTraining(TrainingRunOutcome? run, string? outputPath)
    {
        if (stoppedBy is not PosixSignal signal) throw new PipelineStoppedException();
        var where = run is null ? "" : $" after step {run.Steps} of {run.TotalSteps} of run {run.Number}";
        var saved = outputPath is null
            ? " Without -OutputPath there is no checkpoint to resume from."
            : $" Its checkpoint is saved in '{outputPath}': run the same command again to resume.";
        var message = run is not null && run.Steps >= run.TotalSteps
            ? $"{TerminationSignals.NameOf(signal)} came as training finished (step {run.Steps} of {run.TotalSteps} of run {run.Number}), so the command stops here."
                + (outputPath is null ? "" : $" The finished run is saved in '{outputPath}'.")
            : $"Training was stopped by {TerminationSignals.NameOf(signal)}{where}.{saved}";
        var record = ErrorRecords.From(new BertAdaptException("TrainingInterrupted", BertAdaptErrorKind.OperationStopped, message, outputPath));
        bool endProcess = signal != PosixSignal.SIGINT || TerminationSignals.HostExitsAfterCommand();
        if (!Stopping && !endProcess) ThrowScriptTerminatingError(record);
        // Straight to the host's error output: while the host stops the pipeline (it took the signal
        // as Ctrl+C) Write* would throw, and an error record would turn the exit code into 1.
        Host.UI.WriteErrorLine($"{MyInvocation.MyCommand.Name}: TrainingInterrupted: {record.Exception.Message}");
        if (endProcess) Host.SetShouldExit(TerminationSignals.ExitCodeOf(signal));
        throw new PipelineStoppedException();
    }

    /// <summary>Whether this cmdlet's terminating errors end the calling script (see <see cref="ScriptTerminatingException"/>).</summary>
    protected virtual bool FailureEndsScript => false;

    /// <summary>A terminating error: the statement's, or the script's where <see cref="FailureEndsScript"/>.</summary>
    protected void Terminate(ErrorRecord record)
    {
        if (FailureEndsScript) ThrowScriptTerminatingError(record);
        ThrowTerminatingError(record);
    }

    /// <summary>Ends the calling script with <paramref name="record"/> (see <see cref="ScriptTerminatingException"/>).</summary>
    protected void ThrowScriptTerminatingError(ErrorRecord record)
    {
        // ThrowTerminatingError would add ",<cmdlet type>" to the id; this path must do it itself.
        var id = record.FullyQualifiedErrorId.Contains(',') ? record.FullyQualifiedErrorId : $"{record.FullyQualifiedErrorId},{GetType().FullName}";
        throw new ScriptTerminatingException(new ErrorRecord(record.Exception, id, record.CategoryInfo.Category, record.TargetObject));
    }

    #endregion

    /// <summary>A literal path made absolute against the current provider location.</summary>
    protected internal string ResolveLiteral(string path) => SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

    /// <summary>
    /// Existing files for each path: wildcards expand (no match is an error), a literal path
    /// must exist, and a directory is refused. With <paramref name="literal"/> (a -Literal*
    /// parameter, or a piped file's PSPath) nothing is a wildcard; without it, a path with no
    /// wildcard left once escapes are read ('run`[1`].txt') names that file literally.
    /// <paramref name="recurse"/> is the cmdlet's -Recurse for these paths, or null where these
    /// paths have none (then the refusal of a directory does not suggest it).
    /// </summary>
    protected internal List<string> ResolveFiles(IEnumerable<string> paths, bool literal, string what, bool? recurse = null)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (!literal && WildcardPattern.ContainsWildcardCharacters(path))
            {
                var found = ExpandWildcard(path).Where(File.Exists).ToList();
                if (found.Count == 0)
                    throw new BertAdaptException($"{what}NoMatch", BertAdaptErrorKind.ObjectNotFound, $"No {what.ToLowerInvariant()} file matches '{path}'.", path);
                files.AddRange(found);
                continue;
            }
            var full = ResolveLiteral(literal ? path : WildcardPattern.Unescape(path));
            if (Directory.Exists(full) && recurse == true)
            {
                var found = Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
                    .Where(f => Engine.Data.Corpora.CorpusFileKind.TryOf(f) is not null).Order(StringComparer.Ordinal).ToList();
                if (found.Count == 0)
                    throw new BertAdaptException($"{what}NoMatch", BertAdaptErrorKind.ObjectNotFound, $"No .txt, .jsonl, .csv or .tsv file (or .gz of one) is under '{full}'.", full);
                files.AddRange(found);
                continue;
            }
            if (Directory.Exists(full))
                throw new BertAdaptException($"{what}PathIsDirectory", BertAdaptErrorKind.InvalidArgument,
                    $"'{full}' is a directory. {(recurse is null ? "Give" : "Add -Recurse, or give")} a wildcard such as '{Path.Combine(path, "*" + TypicalExtension(what))}'.", full);
            if (!File.Exists(full))
                throw new BertAdaptException($"{what}FileNotFound", BertAdaptErrorKind.ObjectNotFound, $"The {what.ToLowerInvariant()} file '{full}' does not exist.", full);
            files.Add(full);
        }
        foreach (var file in files)
            if (SpecialFileKind(file) is string kind)
                throw new BertAdaptException($"{what}NotRegularFile", BertAdaptErrorKind.InvalidArgument,
                    $"The {what.ToLowerInvariant()} file '{file}' is a {System.Text.RegularExpressions.Regex.Replace(kind, "(?<=[a-z])(?=[A-Z])", " ").ToLowerInvariant()}, not a regular file; it is not read (a pipe would wait for a writer forever, a device would never end). Copy the text into a file.", file);
        return files;
    }

    /// <summary>The extension a wildcard suggested for a folder of <paramref name="what"/> files would name.</summary>
    static string TypicalExtension(string what) => what switch
    {
        "FineTune" => ".csv",
        "Metrics" => ".jsonl",
        "Job" => ".yaml",
        _ => ".txt",
    };

    /// <summary>
    /// What a path is when it is not a regular file (NamedPipe, CharacterDevice, Socket...), after
    /// following symbolic links; null for a regular file. The file type comes from the FileSystem
    /// provider's own stat of the item (the UnixStat it adds to what Get-Item returns); Windows
    /// has no such files.
    /// </summary>
    string? SpecialFileKind(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        try
        {
            FileSystemInfo target = new FileInfo(path);
            if (target.LinkTarget is not null) target = target.ResolveLinkTarget(returnFinalTarget: true) ?? target;
            var item = InvokeProvider.Item.Get([target.FullName], force: true, literalPath: true).FirstOrDefault();
            var stat = item?.Properties["UnixStat"]?.Value;
            var type = stat is null ? null : PSObject.AsPSObject(stat).Properties["ItemType"]?.Value?.ToString();
            return type is null or "File" ? null : type;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ProviderInvocationException or ItemNotFoundException)
        {
            // What cannot be looked at here fails with its own error when it is read.
            return null;
        }
    }

    /// <summary>
    /// Directories for each path: wildcards expand to the directories they match (none is
    /// <paramref name="noMatchErrorId"/>), and also to files when <paramref name="includeFiles"/>;
    /// a literal path is returned resolved, for the caller to check.
    /// </summary>
    protected List<string> ResolveDirectories(IEnumerable<string> paths, bool literal, string noMatchErrorId, string what, bool includeFiles = false)
    {
        var directories = new List<string>();
        foreach (var path in paths)
        {
            if (literal) { directories.Add(ResolveLiteral(path)); continue; }
            if (!WildcardPattern.ContainsWildcardCharacters(path)) { directories.Add(ResolveLiteral(WildcardPattern.Unescape(path))); continue; }
            var found = ExpandWildcard(path).Where(p => Directory.Exists(p) || (includeFiles && File.Exists(p))).ToList();
            if (found.Count == 0)
                throw new BertAdaptException(noMatchErrorId, BertAdaptErrorKind.ObjectNotFound, $"No {what} matches '{path}'.", path);
            directories.AddRange(found);
        }
        return directories;
    }

    /// <summary>What a wildcard path matches, in ordinal order; nothing when its folder is missing.</summary>
    List<string> ExpandWildcard(string path)
    {
        try
        {
            return SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _).Order(StringComparer.Ordinal).ToList();
        }
        catch (ItemNotFoundException)
        {
            return [];
        }
    }
}
