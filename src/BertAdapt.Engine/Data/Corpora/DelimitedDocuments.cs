using CsvHelper;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// CSV and TSV (RFC 4180 quoting for both, as pandas and spreadsheets write them): a header row
/// is required, each later row is one document, and its text column's lines are the
/// document's lines (a quoted field may hold line breaks). The helpers below are the one CSV
/// configuration of the engine: every reader of delimited files (fine-tuning data too) opens
/// and walks its files through them.
/// </summary>
static class DelimitedDocuments
{
    public const string RecordInvalid = "CorpusRecordInvalid";

    /// <summary>The lines of each row's text, each row's followed by null.</summary>
    public static IEnumerable<string?> Read(TextFileReader reader, char separator, string column)
    {
        using var csv = Open(reader, separator, RecordInvalid);
        int index = FindColumn(csv, column, reader.Path, RecordInvalid)
            ?? throw new BertAdaptException("CorpusColumnNotFound", BertAdaptErrorKind.InvalidData, MissingColumnMessage(csv, column, reader), reader.Path);
        while (Next(csv, reader.Path, RecordInvalid))
        {
            if (index >= csv.FieldCount)
                throw new BertAdaptException(RecordInvalid, BertAdaptErrorKind.InvalidData,
                    $"The row on line {csv.LineNumber} of '{reader.Path}' has {csv.FieldCount} fields, so no '{column}' column.", reader.Path);
            var lines = CorpusDocuments.Lines(csv.GetString(index));
            if (lines.Count == 0) continue;
            foreach (var line in lines) yield return line;
            yield return null;
        }
    }

    /// <summary>
    /// A CSV reader over <paramref name="reader"/> (left open): header required, RFC 4180
    /// quoting, no separator guessing, <see cref="CsvReader.LineNumber"/> tracked, records of at
    /// most <see cref="TextFileReader.MaxRecordChars"/> bytes. A quoted field never closed is
    /// <paramref name="malformedErrorId"/> (CsvHelper would read it to the end of the file as one
    /// field, swallowing every row after it); other quoting faults are recovered as CsvHelper does.
    /// </summary>
    internal static CsvReader Open(TextFileReader reader, char separator, string malformedErrorId) => CsvReader.Create(reader, new CsvReaderOptions
    {
        Separator = separator,
        HasHeader = true,
        Mode = CsvMode.Rfc4180,
        DetectSeparatorHint = false,
        TrackLineNumbers = true,
        MaxRecordSize = TextFileReader.MaxRecordChars,
        OnMalformedRecord = record =>
        {
            if (record.Reason == CsvMalformedReason.UnterminatedQuote)
                throw new BertAdaptException(malformedErrorId, BertAdaptErrorKind.InvalidData,
                    $"The row on line {record.LineNumber} of '{reader.Path}' opens a quoted field that is never closed: "
                    + "every later line would be read into it. Close the quote, or double a quote meant as text (\"\").", reader.Path);
        },
    }, leaveOpen: true);

    /// <summary>The index of the header column <paramref name="column"/> (exact name first, then
    /// ignoring case), or null when the header has none; malformed CSV throws <paramref name="malformedErrorId"/>.</summary>
    internal static int? FindColumn(CsvReader csv, string column, string path, string malformedErrorId)
    {
        try
        {
            return csv.TryGetFieldIndex(column, out int index) ? index : null;
        }
        catch (CsvFormatException ex)
        {
            throw Malformed(path, ex, malformedErrorId);
        }
    }

    /// <summary>Says that the header has no <paramref name="column"/>, listing the columns it has.</summary>
    internal static string MissingColumnMessage(CsvReader csv, string column, TextFileReader reader) => csv.Headers.Count == 0
        ? $"The {reader.Noun} '{reader.Path}' has no header row, so no '{column}' column."
        : $"The header on line 1 of '{reader.Path}' has no '{column}' column (columns: {string.Join(", ", csv.Headers.Select(h => $"'{h}'"))}).";

    /// <summary>Moves to the next row; false at the end. Malformed CSV throws <paramref name="malformedErrorId"/>.</summary>
    internal static bool Next(CsvReader csv, string path, string malformedErrorId)
    {
        try
        {
            return csv.Read();
        }
        catch (CsvFormatException ex)
        {
            throw Malformed(path, ex, malformedErrorId);
        }
    }

    static BertAdaptException Malformed(string path, CsvFormatException ex, string errorId) => new(errorId, BertAdaptErrorKind.InvalidData,
        $"The row on line {ex.LineNumber} of '{path}' is not valid CSV: {ex.Message}", path, ex);
}
