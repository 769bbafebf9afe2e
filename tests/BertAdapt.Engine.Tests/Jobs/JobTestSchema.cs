using BertAdapt.Engine.Data;
using BertAdapt.Engine.Jobs;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Tests.Jobs;

/// <summary>A schema shaped like the one the cmdlets build from their parameters, and parsing helpers.</summary>
internal static class JobTestSchema
{
    public const string JobPath = "/jobs/nightly/job.yaml";

    public static readonly IReadOnlyList<JobSectionSchema> Sections =
    [
        new("model",
            new Dictionary<string, Type>
            {
                ["Checkpoint"] = typeof(string), ["Preset"] = typeof(string), ["Config"] = typeof(object),
                ["Vocabulary"] = typeof(string), ["Cased"] = typeof(bool), ["Seed"] = typeof(long),
            },
            [
                new(["Preset", "Vocabulary", "Cased", "Seed"], ["Preset"]),
                new(["Config", "Vocabulary", "Cased", "Seed"], ["Config"]),
                new(["Checkpoint"], ["Checkpoint"]),
            ],
            required: true),
        new("training",
            new Dictionary<string, Type>
            {
                ["Corpus"] = typeof(string[]), ["MaxSteps"] = typeof(int), ["BatchSize"] = typeof(int),
                ["LearningRate"] = typeof(double), ["Seed"] = typeof(long), ["Objective"] = typeof(TrainingObjective),
                ["Schedule"] = typeof(ScheduleKind), ["WholeWordMask"] = typeof(bool), ["OutputPath"] = typeof(string),
            },
            [new(["Corpus", "MaxSteps", "BatchSize", "LearningRate", "Seed", "Objective", "Schedule", "WholeWordMask", "OutputPath"], ["Corpus"])]),
        new("export",
            new Dictionary<string, Type> { ["Path"] = typeof(string), ["LiteralPath"] = typeof(string), ["Force"] = typeof(bool) },
            [new(["Path", "Force"], ["Path"]), new(["LiteralPath", "Force"], ["LiteralPath"])]),
        new("perplexity", new Dictionary<string, Type> { ["Corpus"] = typeof(string[]), ["BatchSize"] = typeof(int) },
            [new(["Corpus", "BatchSize"], ["Corpus"])]),
    ];

    public static JobFile Parse(string yaml, JobValueCheck? check = null) => JobFileParser.ParseText(yaml, JobPath, Sections, check);

    /// <summary>The problems the parser reports for a job that must be invalid.</summary>
    public static IReadOnlyList<JobFileError> Errors(string yaml, JobValueCheck? check = null)
    {
        var ex = Assert.Throws<JobFileException>(() => Parse(yaml, check));
        Assert.Equal("JobFileInvalid", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Equal(JobPath, ex.FilePath);
        return ex.Errors;
    }

    /// <summary>The one problem of a job with exactly one.</summary>
    public static JobFileError Error(string yaml, JobValueCheck? check = null) => Assert.Single(Errors(yaml, check));

    /// <summary>Lines joined with \n, so a test reads like the file it stands for.</summary>
    public static string Lines(params string[] lines) => string.Join("\n", lines) + "\n";
}
