namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Streams the documents of one corpus file, whatever its format: each document is its
/// non-empty lines, trimmed. Only one document is in memory at a time.
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

    static IEnumerable<IReadOnlyList<string>> ReadFile(string path, CorpusFileKind kind, CorpusReadOptions options, Action<long>? onRead)
    {
        using var reader = TextFileReader.Open(path, kind.Compressed, options.Strict, onRead, encoding: options.Encoding);
        var documents = kind.Format switch
        {
            CorpusFormat.JsonLines => JsonLinesDocuments.Read(reader, options.TextField),
            CorpusFormat.Csv => DelimitedDocuments.Read(reader, ',', options.TextColumn),
            CorpusFormat.Tsv => DelimitedDocuments.Read(reader, '\t', options.TextColumn),
            _ => TextDocuments.Read(reader),
        };
        foreach (var document in documents) yield return document;
    }

    /// <summary>The non-empty lines of one record's text, trimmed, split on LF (a CR before it is dropped).</summary>
    internal static List<string> Lines(string text)
    {
        var lines = new List<string>();
        var rest = text.AsSpan();
        while (true)
        {
            int newline = rest.IndexOf('\n');
            var line = (newline < 0 ? rest : rest[..newline]).Trim();
            if (!line.IsEmpty) lines.Add(line.ToString());
            if (newline < 0) return lines;
            rest = rest[(newline + 1)..];
        }
    }
}
