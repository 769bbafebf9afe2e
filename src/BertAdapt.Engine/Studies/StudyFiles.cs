using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// The study's files: run.json in each finished run's folder, study-plan.json (what a rerun must
/// match), and runs.csv and study.json (every run's numbers and every strategy's). Each is written
/// to a temporary file and moved into place, so a kill never leaves half a file.
/// </summary>
public static class StudyFiles
{
    public const string RunRecordName = "run.json", PlanName = "study-plan.json", RunsCsvName = "runs.csv", StudyJsonName = "study.json",
        BaseModelFolder = "base-model", BaseRecordName = "base-model.json", TaskCorpusName = "task-corpus.txt", RunsFolder = "runs";

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

    public static void WriteStudyJson(string path, IReadOnlyDictionary<string, string> settings, IEnumerable<StudyRunRecord> runs,
        IEnumerable<AdaptationStrategyReport> strategies, IEnumerable<StudyOverlap> overlaps) =>
        WriteAtomically(path, JsonSerializer.Serialize(new
        {
            Settings = settings,
            Runs = runs,
            Strategies = strategies,
            // What each pre-training corpus shares with the validation data (the leakage check's counts and matches).
            Overlap = overlaps.Select(o => new { o.Corpus, o.Report.HeldOutTexts, o.Report.LeakedTexts, o.Report.ExactMatches, o.Report.NearDuplicates, o.Report.NgramSize, o.Report.Threshold, o.Report.Matches }),
        }, Json));

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
