using System.Text.Json;
using BertAdapt.Engine.Data.Corpora;
using CsvHelper;

namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// Reads the labelled rows of a sequence task (single-label, multi-label or regression) from a
/// table file or from pipeline objects, checking every row (see <see cref="LabeledRowBuilder"/>
/// for the rules). Rows are held in memory: the label map needs all of them first anyway.
/// </summary>
public static class LabeledRows
{
    const string ColumnNotFound = "FineTuneColumnNotFound";
    internal const string Noun = "data file";

    /// <summary>
    /// The rows of a .csv, .tsv or .jsonl file, each optionally gzip-compressed (.csv.gz).
    /// CSV and TSV need a header row and use RFC 4180 quoting, as the corpus reader does; the
    /// source of a row is "file:line" of the line it starts on. Text must be UTF-8
    /// (CorpusNotUtf8 otherwise).
    /// </summary>
    public static FineTuneData<LabeledRow> Read(string path, FineTuneTask task, FineTuneReadOptions? options = null)
    {
        options = Checked(task, options);
        var known = KindOf(path, task);
        using var reader = TextFileReader.Open(path, known.Compressed, strict: true, noun: Noun, encoding: options.Encoding);
        return Read(reader, known.Format, task, options);
    }

    /// <summary>The format of an existing file of rows for <paramref name="task"/>: .csv, .tsv or .jsonl, optionally .gz.</summary>
    internal static CorpusFileKind KindOf(string path, FineTuneTask task)
    {
        RequireFile(path);
        if (CorpusFileKind.TryOf(path) is not { Format: not CorpusFormat.Text } known)
            throw new BertAdaptException("FineTuneFormatUnsupported", BertAdaptErrorKind.InvalidArgument,
                $"The {Noun} '{path}' has no known format for {task}: use .csv, .tsv or .jsonl, each optionally followed by .gz.", path);
        return known;
    }

    /// <summary>The rows of text already opened as <paramref name="format"/> (a study's estimate reads a file's first bytes so).</summary>
    internal static FineTuneData<LabeledRow> Read(TextFileReader reader, CorpusFormat format, FineTuneTask task, FineTuneReadOptions options)
    {
        var builder = new LabeledRowBuilder(task, options);
        if (format == CorpusFormat.JsonLines) ReadJsonLines(reader, options, builder);
        else ReadDelimited(reader, format == CorpusFormat.Csv ? ',' : '\t', options, builder);
        return builder.Result();
    }

    /// <summary>
    /// The rows of objects from the pipeline (Import-Csv output, hashtables), each given as its
    /// properties. The first object must have every column asked for; the source of a row is
    /// "input object N", counting from 1.
    /// </summary>
    public static FineTuneData<LabeledRow> FromObjects(IEnumerable<IReadOnlyDictionary<string, object?>?> objects, FineTuneTask task, FineTuneReadOptions? options = null)
    {
        options = Checked(task, options);
        var builder = new LabeledRowBuilder(task, options);
        long number = 0;
        foreach (var item in objects)
        {
            var source = $"input object {++number}";
            if (item is null)
            {
                builder.Reject(source, "the object is null", null);
                continue;
            }
            if (number == 1)
                foreach (var column in Columns(options))
                    if (!HasKey(item, column))
                        throw new BertAdaptException(ColumnNotFound, BertAdaptErrorKind.InvalidData,
                            $"Input object 1 has no '{column}' property (properties: {List(item.Keys)}).", item);
            builder.Add(source, Lookup(item, options.TextColumn), Optional(item, options.TextPairColumn), Optional(item, options.LabelColumn), item);
        }
        return builder.Result();
    }

    static FineTuneReadOptions Checked(FineTuneTask task, FineTuneReadOptions? options)
    {
        if (task == FineTuneTask.TokenClassification)
            throw new ArgumentException("Token classification data is read with TaggedSentences.Read.", nameof(task));
        options ??= FineTuneReadOptions.Default;
        options.Validate();
        return options;
    }

    internal static void RequireFile(string path)
    {
        if (!File.Exists(path))
            throw new BertAdaptException("FineTuneFileNotFound", BertAdaptErrorKind.ObjectNotFound, $"The {Noun} '{path}' does not exist.", path);
    }

    static IEnumerable<string> Columns(FineTuneReadOptions options) =>
        new[] { options.TextColumn, options.TextPairColumn, options.LabelColumn }.OfType<string>();

    static string List(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"'{n}'"));

    static void ReadDelimited(TextFileReader reader, char separator, FineTuneReadOptions options, LabeledRowBuilder builder)
    {
        using var csv = DelimitedDocuments.Open(reader, separator, SkippedRows.RowInvalid);
        int? Find(string? column) => column is null ? null
            : DelimitedDocuments.FindColumn(csv, column, reader.Path, SkippedRows.RowInvalid)
              ?? throw new BertAdaptException(ColumnNotFound, BertAdaptErrorKind.InvalidData, DelimitedDocuments.MissingColumnMessage(csv, column, reader), reader.Path);
        int text = Find(options.TextColumn)!.Value;
        int? pair = Find(options.TextPairColumn), label = Find(options.LabelColumn);
        while (DelimitedDocuments.Next(csv, reader.Path, SkippedRows.RowInvalid))
            builder.Add($"{reader.Path}:{csv.LineNumber}", Cell(csv, text), pair is { } p ? Cell(csv, p) : null, label is { } l ? Cell(csv, l) : null, reader.Path);
    }

    static TableCell Cell(CsvReader csv, int index) => index < csv.FieldCount
        ? TableCell.Of(csv.GetString(index))
        : TableCell.Missing($"missing (the row has {csv.FieldCount} {(csv.FieldCount == 1 ? "field" : "fields")})");

    static void ReadJsonLines(TextFileReader reader, FineTuneReadOptions options, LabeledRowBuilder builder)
    {
        long lineNumber = 0;
        bool first = true;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var source = $"{reader.Path}:{lineNumber}";
            using var json = JsonLinesDocuments.ParseRecord(line, out var problem);
            if (json is null)
            {
                builder.Reject(source, $"the record {problem}", reader.Path);
                continue;
            }
            var record = json.RootElement;
            if (first)
            {
                foreach (var column in Columns(options))
                    if (!record.TryGetProperty(column, out _))
                        throw new BertAdaptException(ColumnNotFound, BertAdaptErrorKind.InvalidData,
                            $"The first record (line {lineNumber}) of '{reader.Path}' has no '{column}' field (fields: {List(record.EnumerateObject().Select(p => p.Name))}).", reader.Path);
                first = false;
            }
            TableCell Field(string name) => TableCell.Of(record.TryGetProperty(name, out var value) ? value : default);
            builder.Add(source, Field(options.TextColumn),
                options.TextPairColumn is { } pair ? Field(pair) : null,
                options.LabelColumn is { } label ? Field(label) : null, reader.Path);
        }
    }

    static TableCell? Optional(IReadOnlyDictionary<string, object?> item, string? column) => column is null ? null : Lookup(item, column);

    /// <summary>A property by its exact name, else ignoring case (as PowerShell matches them).</summary>
    static TableCell Lookup(IReadOnlyDictionary<string, object?> item, string column)
    {
        if (item.TryGetValue(column, out var value)) return TableCell.Of(value);
        foreach (var (key, other) in item)
            if (string.Equals(key, column, StringComparison.OrdinalIgnoreCase)) return TableCell.Of(other);
        return TableCell.Missing();
    }

    static bool HasKey(IReadOnlyDictionary<string, object?> item, string column) =>
        item.Keys.Any(k => string.Equals(k, column, StringComparison.OrdinalIgnoreCase));
}
