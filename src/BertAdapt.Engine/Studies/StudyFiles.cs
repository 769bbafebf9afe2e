using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// The study's files: run.json in each finished run's folder, study-plan.json (what a rerun must
/// match), leakage-check.json (what the set-up's leakage check found), and runs.csv, study.json
/// (every run's numbers and every strategy's) and report.html (the same as one page). Each is
/// written to a temporary file and moved into place, so a kill never leaves half a file.
/// </summary>
public static class StudyFiles
{
    public const string RunRecordName = "run.json", PlanName = "study-plan.json", RunsCsvName = "runs.csv", StudyJsonName = "study.json",
        BaseModelFolder = "base-model", BaseRecordName = "base-model.json", TaskCorpusName = "task-corpus.txt", RunsFolder = "runs",
        LeakageName = "leakage-check.json", ReportName = "report.html";

    static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static StudyRunRecord? ReadRecord(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<StudyRunRecord>(File.ReadAllText(path), Json) : null;

    public static void WriteRecord(string path, StudyRunRecord record) => WriteAtomically(path, JsonSerializer.Serialize(record, Json));

    public static Dictionary<string, string>? ReadPlan(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path), Json) : null;

    public static void WritePlan(string path, IReadOnlyDictionary<string, string> settings) => WriteAtomically(path, JsonSerializer.Serialize(settings, Json));

    /// <summary>study.json: the study's settings, every run, every strategy, and the leakage check with each corpus's matches.</summary>
    public static void WriteStudyJson(string path, AdaptationStudyResult study, IEnumerable<StudyOverlap> overlaps) =>
        WriteStudyJson(path, study, OverlapEntries(overlaps));

    static void WriteStudyJson(string path, AdaptationStudyResult study, object? overlap) =>
        WriteAtomically(path, JsonSerializer.Serialize(new
        {
            study.Settings,
            study.Runs,
            study.Strategies,
            study.Leakage?.AllowOverlap,
            Overlap = overlap,
        }, Json));

    /// <summary>
    /// runs.csv, study.json and report.html of a study collected from its folder <paramref name="root"/>
    /// (runs run elsewhere, as job files): study.json's leakage check, matches included, is the one
    /// the set-up recorded in leakage-check.json.
    /// </summary>
    public static void WriteCollected(string root, AdaptationStudyResult study)
    {
        var leakage = Path.Combine(root, LeakageName);
        var overlap = File.Exists(leakage) ? System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(leakage))?[nameof(StudyLeakageCheck.Overlap)] : null;
        WriteRunsCsv(Path.Combine(root, RunsCsvName), study.Runs);
        WriteStudyJson(Path.Combine(root, StudyJsonName), study, overlap);
        WriteReport(root, study);
    }

    /// <summary>
    /// The settings, runs and leakage check of a study.json: enough to report a study from its
    /// result files alone, copied away from its run folders. Null when there is no such file.
    /// </summary>
    public static AdaptationStudyResult? ReadStudyJson(string path)
    {
        if (!File.Exists(path)) return null;
        var written = JsonSerializer.Deserialize<WrittenStudy>(File.ReadAllText(path), Json);
        if (written?.Settings is null || written.Runs is null) return null;
        return new AdaptationStudyResult([], written.Runs)
        {
            Settings = written.Settings,
            Leakage = new StudyLeakageCheck { AllowOverlap = written.AllowOverlap, Overlap = written.Overlap ?? [] },
        };
    }

    sealed record WrittenStudy(Dictionary<string, string>? Settings, List<StudyRunRecord>? Runs, bool? AllowOverlap, List<StudyOverlapCount>? Overlap);

    /// <summary>leakage-check.json: what the leakage check of the study's set-up found, and whether -AllowOverlap let it run.</summary>
    public static void WriteLeakage(string path, IEnumerable<StudyOverlap> overlaps, bool allowOverlap) =>
        WriteAtomically(path, JsonSerializer.Serialize(new { AllowOverlap = allowOverlap, Overlap = OverlapEntries(overlaps) }, Json));

    public static StudyLeakageCheck? ReadLeakage(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<StudyLeakageCheck>(File.ReadAllText(path), Json) : null;

    // What each pre-training corpus shares with the validation data (the leakage check's counts and matches).
    static IEnumerable<object> OverlapEntries(IEnumerable<StudyOverlap> overlaps) =>
        overlaps.Select(o => new { o.Corpus, o.Report.HeldOutTexts, o.Report.LeakedTexts, o.Report.ExactMatches, o.Report.NearDuplicates, o.Report.NgramSize, o.Report.Threshold, o.Report.Matches });

    /// <summary>report.html in the study folder <paramref name="root"/>: the study as one page (<see cref="StudyReportPage"/>).</summary>
    public static void WriteReport(string root, AdaptationStudyResult study) =>
        WriteAtomically(Path.Combine(root, ReportName), StudyReportPage.Render(study, $"Adaptation study: {Path.GetFileName(Path.TrimEndingDirectorySeparator(root))}"));

    /// <summary>runs.csv: one row per run, the columns of <see cref="StudyRunRecord"/>, numbers in the invariant culture.</summary>
    public static void WriteRunsCsv(string path, IEnumerable<StudyRunRecord> runs)
    {
        var properties = typeof(StudyRunRecord).GetProperties();
        var text = new StringBuilder();
        text.AppendLine(string.Join(",", properties.Select(p => Quote(p.Name))));
        foreach (var run in runs)
            text.AppendLine(string.Join(",", properties.Select(p => Quote(Format(p.GetValue(run))))));
        WriteAtomically(path, text.ToString());
    }

    static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public static string Quote(string field) => field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    public static void WriteAtomically(string path, string text)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, text, new UTF8Encoding(false));
        SharingViolationRetry.Run(() => File.Move(temporary, path, overwrite: true));
    }
}
