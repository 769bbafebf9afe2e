namespace BertAdapt.Engine.Jobs;

/// <summary>A place in a job file, 1-based as editors show it.</summary>
public readonly record struct JobFileMark(int Line, int Column)
{
    public override string ToString() => $"line {Line}, column {Column}";
}

/// <summary>One validated setting: the schema's spelling of the key, and the converted value.</summary>
public sealed record JobSetting(string Key, object? Value, JobFileMark Mark);

/// <summary>One section of a job file, its settings in file order.</summary>
public sealed class JobSection(string name, JobFileMark mark, IReadOnlyList<JobSetting> settings)
{
    public string Name { get; } = name;
    public JobFileMark Mark { get; } = mark;
    public IReadOnlyList<JobSetting> Settings { get; } = settings;

    public bool Contains(string key) => Settings.Any(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase));

    public object? this[string key] => Settings.FirstOrDefault(s => string.Equals(s.Key, key, StringComparison.OrdinalIgnoreCase))?.Value;
}

/// <summary>
/// A parsed and fully validated job file. <see cref="Directory"/> is where its relative paths
/// point, whatever the current directory of the process that runs it.
/// </summary>
public sealed class JobFile(string path, IReadOnlyList<JobSection> sections)
{
    public string Path { get; } = path;
    public string Directory { get; } = System.IO.Path.GetDirectoryName(path)!;

    /// <summary>The sections present, in the order of the schema (which is the order they run in).</summary>
    public IReadOnlyList<JobSection> Sections { get; } = sections;

    public JobSection? Section(string name) =>
        Sections.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}

/// <summary>One problem in a job file.</summary>
public sealed record JobFileError(string Message, JobFileMark Mark);

/// <summary>
/// A job file that is malformed or does not fit the schema. Every problem found is listed, each
/// with its line and column, so one edit can fix them all.
/// </summary>
public sealed class JobFileException : BertAdaptException
{
    public JobFileException(string path, IReadOnlyList<JobFileError> errors, Exception? inner = null)
        : base("JobFileInvalid", BertAdaptErrorKind.InvalidData, Describe(path, errors), path, inner)
    {
        FilePath = path;
        Errors = errors;
    }

    public string FilePath { get; }
    public IReadOnlyList<JobFileError> Errors { get; }

    static string Describe(string path, IReadOnlyList<JobFileError> errors) => errors.Count == 1
        ? $"Job file '{path}': {errors[0].Message}"
        : $"Job file '{path}' has {errors.Count} problems:" + string.Concat(errors.Select(e => Environment.NewLine + "  " + e.Message));
}
