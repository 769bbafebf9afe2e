using System.Text.Json;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>JSON Lines: each record is one document; its text field's lines are the document's lines.</summary>
static class JsonLinesDocuments
{
    /// <summary>
    /// The lines of each record's text, each record's followed by null. A record longer than
    /// <see cref="TextFileReader.MaxRecordChars"/> is CorpusRecordTooLong: it is parsed whole.
    /// </summary>
    public static IEnumerable<string?> Read(TextFileReader reader, string field)
    {
        long lineNumber = 0;
        while (reader.ReadLinePiece(TextFileReader.MaxRecordChars, out bool continues) is { } line)
        {
            lineNumber++;
            if (continues)
                throw new BertAdaptException(CorpusDocuments.RecordTooLong, BertAdaptErrorKind.InvalidData,
                    $"The record on line {lineNumber} of '{reader.Path}' is longer than {TextFileReader.MaxRecordChars} characters, "
                    + "the most a JSON Lines record may hold (it is parsed whole). Split its text into several records, or use a .txt corpus, whose long lines are read in pieces.", reader.Path);
            if (string.IsNullOrWhiteSpace(line)) continue;
            var lines = CorpusDocuments.Lines(TextOf(line, field, reader.Path, lineNumber));
            if (lines.Count == 0) continue;
            foreach (var text in lines) yield return text;
            yield return null;
        }
    }

    /// <summary>
    /// Parses one JSON Lines record, which must be a JSON object. Returns null and says why in
    /// <paramref name="problem"/> ("is not valid JSON (…)", "is a JSON Array, not an object"),
    /// worded to follow "The record on line N of 'file'". The caller disposes the document.
    /// </summary>
    internal static JsonDocument? ParseRecord(string record, out string? problem)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(record);
        }
        catch (JsonException ex)
        {
            problem = $"is not valid JSON ({ex.Message})";
            return null;
        }
        if (json.RootElement.ValueKind != JsonValueKind.Object)
        {
            problem = $"is a JSON {json.RootElement.ValueKind}, not an object";
            json.Dispose();
            return null;
        }
        problem = null;
        return json;
    }

    static string TextOf(string record, string field, string path, long lineNumber)
    {
        using var json = ParseRecord(record, out var problem) ?? throw Invalid(path, lineNumber, problem!);
        if (!json.RootElement.TryGetProperty(field, out var value))
            throw Invalid(path, lineNumber, $"has no \"{field}\" field");
        if (value.ValueKind != JsonValueKind.String)
            throw Invalid(path, lineNumber, $"has a \"{field}\" field that is a {value.ValueKind}, not a string");
        return value.GetString()!;
    }

    static BertAdaptException Invalid(string path, long lineNumber, string problem) =>
        new("CorpusRecordInvalid", BertAdaptErrorKind.InvalidData, $"The record on line {lineNumber} of '{path}' {problem}.", path);
}
