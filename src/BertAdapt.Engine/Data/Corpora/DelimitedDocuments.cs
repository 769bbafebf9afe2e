using CsvHelper;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// CSV and TSV (RFC 4180 quoting for both, as pandas and spreadsheets write them): a header row
/// is required, each later row is one document, and its text column's lines are the
/// document's lines (a quoted field may hold line breaks).
/// </summary>
static class DelimitedDocuments
{
    public static IEnumerable<IReadOnlyList<string>> Read(Utf8TextReader reader, char separator, string column)
    {
        var options = new CsvReaderOptions
        {
            Separator = separator,
            HasHeader = true,
            Mode = CsvMode.Rfc4180,
            DetectSeparatorHint = false,
            TrackLineNumbers = true,
        };
        using var csv = CsvReader.Create(reader, options, leaveOpen: true);
        int index = ColumnIndex(csv, column, reader.Path);
        while (Next(csv, reader.Path))
        {
            if (index >= csv.FieldCount)
                throw new BertAdaptException("CorpusRecordInvalid", BertAdaptErrorKind.InvalidData,
                    $"The row on line {csv.LineNumber} of '{reader.Path}' has {csv.FieldCount} fields, so no '{column}' column.", reader.Path);
            var lines = CorpusDocuments.Lines(csv.GetString(index));
            if (lines.Count > 0) yield return lines;
        }
    }

    static int ColumnIndex(CsvReader csv, string column, string path)
    {
        bool found;
        int index;
        try
        {
            found = csv.TryGetFieldIndex(column, out index);
        }
        catch (CsvFormatException ex)
        {
            throw Malformed(path, ex);
        }
        return found ? index : throw new BertAdaptException("CorpusColumnNotFound", BertAdaptErrorKind.InvalidData,
            csv.Headers.Count == 0
                ? $"The corpus file '{path}' has no header row, so no '{column}' column."
                : $"The header on line 1 of '{path}' has no '{column}' column (columns: {string.Join(", ", csv.Headers.Select(h => $"'{h}'"))}).", path);
    }

    static bool Next(CsvReader csv, string path)
    {
        try
        {
            return csv.Read();
        }
        catch (CsvFormatException ex)
        {
            throw Malformed(path, ex);
        }
    }

    static BertAdaptException Malformed(string path, CsvFormatException ex) => new("CorpusRecordInvalid", BertAdaptErrorKind.InvalidData,
        $"The row on line {ex.LineNumber} of '{path}' is not valid CSV: {ex.Message}", path, ex);
}
