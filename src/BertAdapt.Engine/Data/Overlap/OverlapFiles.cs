using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.Engine.Data.Overlap;

/// <summary>
/// Reads held-out texts and corpus documents for an overlap check, with the corpus readers
/// (formats, gzip, encodings, strict UTF-8) and a source for each that a user can go to: plain
/// text is read here line by line so a match names its line; a .jsonl, .csv or .tsv record is
/// named by its place among the file's texts.
/// </summary>
public static class OverlapFiles
{
    /// <summary>
    /// The held-out texts of <paramref name="path"/>: each non-blank line of plain text, or each
    /// record's text field or column (<paramref name="options"/>) with its lines joined.
    /// </summary>
    public static IEnumerable<HeldOutText> HeldOut(string path, CorpusReadOptions options)
    {
        foreach (var document in Read(path, options, linesAreDocuments: true))
            yield return new HeldOutText(document.Where(0), string.Join('\n', document.Lines));
    }

    /// <summary>The documents of a corpus file, with their line numbers (plain text) or places (records).</summary>
    public static IEnumerable<OverlapDocument> Documents(string path, CorpusReadOptions options) =>
        Read(path, options, linesAreDocuments: false);

    static IEnumerable<OverlapDocument> Read(string path, CorpusReadOptions options, bool linesAreDocuments)
    {
        var kind = CorpusFileKind.Of(path);
        if (!File.Exists(path))
            throw new BertAdaptException("CorpusFileNotFound", BertAdaptErrorKind.ObjectNotFound, $"The corpus file '{path}' does not exist.", path);
        return kind.Format == CorpusFormat.Text ? ReadText(path, kind, options, linesAreDocuments) : ReadRecords(path, kind, options);
    }

    static IEnumerable<OverlapDocument> ReadText(string path, CorpusFileKind kind, CorpusReadOptions options, bool linesAreDocuments)
    {
        using var reader = TextFileReader.Open(path, kind.Compressed, options.Strict, encoding: options.Encoding);
        var document = new List<string>();
        long number = 0, first = 0, documents = 0;
        while (reader.ReadLine() is { } line)
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                if (document.Count > 0) { yield return new(path, first, ++documents, document); document = []; }
                continue;
            }
            if (document.Count == 0) first = number;
            document.Add(line.Trim());
            if (linesAreDocuments) { yield return new(path, first, ++documents, document); document = []; }
        }
        if (document.Count > 0) yield return new(path, first, ++documents, document);
    }

    static IEnumerable<OverlapDocument> ReadRecords(string path, CorpusFileKind kind, CorpusReadOptions options)
    {
        long number = 0;
        foreach (var lines in CorpusDocuments.Read(path, kind, options))
            yield return new(path, 0, ++number, lines);
    }
}
