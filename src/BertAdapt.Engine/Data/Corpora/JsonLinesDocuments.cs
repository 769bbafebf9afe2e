using System.Text.Json;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>JSON Lines: each record is one document; its text field's lines are the document's lines.</summary>
static class JsonLinesDocuments
{
    public static IEnumerable<IReadOnlyList<string>> Read(Utf8TextReader reader, string field)
    {
        long lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var lines = CorpusDocuments.Lines(TextOf(line, field, reader.Path, lineNumber));
            if (lines.Count > 0) yield return lines;
        }
    }

    static string TextOf(string record, string field, string path, long lineNumber)
    {
        try
        {
            using var json = JsonDocument.Parse(record);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                throw Invalid(path, lineNumber, $"is a JSON {json.RootElement.ValueKind}, not an object");
            if (!json.RootElement.TryGetProperty(field, out var value))
                throw Invalid(path, lineNumber, $"has no \"{field}\" field");
            if (value.ValueKind != JsonValueKind.String)
                throw Invalid(path, lineNumber, $"has a \"{field}\" field that is a {value.ValueKind}, not a string");
            return value.GetString()!;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw Invalid(path, lineNumber, $"is not valid JSON ({ex.Message})", ex);
        }
    }

    static BertAdaptException Invalid(string path, long lineNumber, string problem, Exception? inner = null) =>
        new("CorpusRecordInvalid", BertAdaptErrorKind.InvalidData, $"The record on line {lineNumber} of '{path}' {problem}.", path, inner);
}
