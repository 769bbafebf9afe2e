namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Streams the documents of one corpus file, whatever its format: each document is its
/// non-empty lines, trimmed. Only one document is in memory at a time (<see cref="ReadLines(string, CorpusFileKind, CorpusReadOptions?, Action{long}?)"/>:
/// only one line, or piece of a long line).
/// </summary>
public static class CorpusDocuments
{
    /// <summary>
    /// The documents of <paramref name="path"/>, format chosen by extension: .txt (blank lines
    /// separate documents), .jsonl (one record per document), .csv/.tsv (one row per
    /// document), each optionally .gz. The format and the file are checked now, the text as it
    /// is read.
    /// </summary>
    public static IEnumerable<IReadOnlyList<string>> Read(string path, CorpusReadOptions? options = null) => Read(path, options, null);

    /// <param name="onRead">Called as the file is read, with its position in (compressed) bytes.</param>
    public static IEnumerable<IReadOnlyList<string>> Read(string path, CorpusReadOptions? options, Action<long>? onRead) =>
        Read(path, CorpusFileKind.Of(path), options, onRead);

    /// <summary>The documents of <paramref name="path"/> read as <paramref name="kind"/>, whatever its name.</summary>
    public static IEnumerable<IReadOnlyList<string>> Read(string path, CorpusFileKind kind, CorpusReadOptions? options, Action<long>? onRead = null)
    {
        if (!File.Exists(path))
            throw new BertAdaptException("CorpusFileNotFound", BertAdaptErrorKind.ObjectNotFound, $"The corpus file '{path}' does not exist.", path);
        return ReadFile(path, kind, options ?? CorpusReadOptions.Default, onRead);
    }

    /// <summary>The id of a JSON Lines record too long to parse (see <see cref="TextFileReader.MaxRecordChars"/>).</summary>
    internal const string RecordTooLong = "CorpusRecordTooLong";

    /// <summary>
    /// The lines of <paramref name="path"/>'s documents as they are read, trimmed and non-empty,
    /// each document's followed by null. A line longer than <see cref="TextFileReader.MaxLineChars"/>
    /// comes in pieces of at most that many characters, so a reader that keeps no whole document
    /// (the token cache) holds no more than that, whatever the file's line or document lengths.
    /// </summary>
    internal static IEnumerable<string?> ReadLines(string path, CorpusFileKind kind, CorpusReadOptions? options, Action<long>? onRead = null)
    {
        if (!File.Exists(path))
            throw new BertAdaptException("CorpusFileNotFound", BertAdaptErrorKind.ObjectNotFound, $"The corpus file '{path}' does not exist.", path);
        return ReadFileLines(path, kind, options ?? CorpusReadOptions.Default, onRead);
    }

    static IEnumerable<string?> ReadFileLines(string path, CorpusFileKind kind, CorpusReadOptions options, Action<long>? onRead)
    {
        using var reader = TextFileReader.Open(path, kind.Compressed, options.Strict, onRead, encoding: options.Encoding);
        foreach (var line in ReadLines(reader, kind.Format, options)) yield return line;
    }

    /// <summary>The lines of text already opened as <paramref name="format"/>, as <see cref="ReadLines(string, CorpusFileKind, CorpusReadOptions?, Action{long}?)"/> gives them.</summary>
    internal static IEnumerable<string?> ReadLines(TextFileReader reader, CorpusFormat format, CorpusReadOptions options) => format switch
    {
        CorpusFormat.JsonLines => JsonLinesDocuments.Read(reader, options.TextField),
        CorpusFormat.Csv => DelimitedDocuments.Read(reader, ',', options.TextColumn),
        CorpusFormat.Tsv => DelimitedDocuments.Read(reader, '\t', options.TextColumn),
        _ => TextDocuments.Read(reader),
    };

    static IEnumerable<IReadOnlyList<string>> ReadFile(string path, CorpusFileKind kind, CorpusReadOptions options, Action<long>? onRead)
    {
        var document = new List<string>();
        foreach (var line in ReadFileLines(path, kind, options, onRead))
        {
            if (line is not null) { document.Add(line); continue; }
            yield return document;
            document = [];
        }
    }

    /// <summary>
    /// The non-empty lines of one record's text, trimmed, split on LF (a CR before it is dropped);
    /// a line longer than <see cref="TextFileReader.MaxLineChars"/> in pieces, as a .txt file's.
    /// </summary>
    internal static List<string> Lines(string text)
    {
        var lines = new List<string>();
        var rest = text.AsSpan();
        while (true)
        {
            int newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            while (line.Length > TextFileReader.MaxLineChars)
            {
                int cut = TextFileReader.PieceLength(line, TextFileReader.MaxLineChars);
                Add(lines, line[..cut]);
                line = line[cut..];
            }
            Add(lines, line);
            if (newline < 0) return lines;
            rest = rest[(newline + 1)..];
        }
    }

    static void Add(List<string> lines, ReadOnlySpan<char> line)
    {
        line = line.Trim();
        if (!line.IsEmpty) lines.Add(line.ToString());
    }
}
