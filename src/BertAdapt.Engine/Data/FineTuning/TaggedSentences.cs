using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// Reads CoNLL-style token files for token classification: one word per line with its tag,
/// columns separated by runs of spaces or tabs (so a word never holds white space), the word
/// in <see cref="FineTuneReadOptions.WordColumn"/> and the tag in
/// <see cref="FineTuneReadOptions.TagColumn"/> (first and last by default: CoNLL-2003's
/// "EU NNP B-NP B-ORG" reads as word "EU", tag "B-ORG"). Blank lines end a sentence, runs of
/// them are one break, and a "-DOCSTART-" line (a document marker, no word) is left out and
/// ends the sentence too.
/// </summary>
/// <remarks>
/// A bad line (fewer than two columns, or none at the index asked for) makes its whole
/// sentence invalid: with SkipInvalidRows the sentence is left out, since dropping the one
/// word would train on a sentence the file does not have, and the reason names the bad line.
/// </remarks>
public static class TaggedSentences
{
    public const string DocumentStart = "-DOCSTART-";

    static readonly string[] Extensions = [".conll", ".txt", ".tsv", ".iob", ".bio"];

    /// <summary>The sentences of a .conll, .txt, .tsv, .iob or .bio file, each optionally followed by .gz; UTF-8.</summary>
    public static FineTuneData<TaggedSentence> Read(string path, FineTuneReadOptions? options = null)
    {
        options ??= FineTuneReadOptions.Default;
        bool compressed = IsCompressed(path);
        using var reader = TextFileReader.Open(path, compressed, strict: true, noun: LabeledRows.Noun, encoding: options.Encoding);
        return Read(reader, options);
    }

    /// <summary>Whether an existing file of tagged sentences is a .gz; FineTuneFormatUnsupported for an extension that is none of theirs.</summary>
    internal static bool IsCompressed(string path)
    {
        LabeledRows.RequireFile(path);
        var extension = CorpusFileKind.ExtensionOf(path, out bool compressed);
        if (!Extensions.Contains(extension))
            throw new BertAdaptException("FineTuneFormatUnsupported", BertAdaptErrorKind.InvalidArgument,
                $"The {LabeledRows.Noun} '{path}' has no known format for {FineTuneTask.TokenClassification}: use {string.Join(", ", Extensions)}, each optionally followed by .gz.", path);
        return compressed;
    }

    internal static FineTuneData<TaggedSentence> Read(TextFileReader reader, FineTuneReadOptions options)
    {
        var sentences = new List<TaggedSentence>();
        var skipped = new SkippedRows();
        List<string> words = [], tags = [];
        long lineNumber = 0, firstLine = 0;
        (long Line, string Reason)? problem = null;

        void EndSentence()
        {
            if (problem is { } bad)
                skipped.Reject(SkippedRows.RowInvalid, $"{reader.Path}:{bad.Line}", bad.Reason, skip: true, reader.Path);
            else if (words.Count > 0)
                sentences.Add(new TaggedSentence(words, tags, $"{reader.Path}:{firstLine}"));
            words = [];
            tags = [];
            problem = null;
        }

        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var columns = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length == 0 || columns[0] == DocumentStart)
            {
                EndSentence();
                continue;
            }
            if (words.Count == 0 && problem is null) firstLine = lineNumber;
            if (problem is not null) continue;
            int word = Index(columns, options.WordColumn), tag = Index(columns, options.TagColumn);
            var reason = columns.Length < 2 ? $"has {columns.Length} column; a token line needs a word and a tag"
                : word < 0 ? $"has no word column {options.WordColumn} (it has {columns.Length} columns)"
                : tag < 0 ? $"has no tag column {options.TagColumn} (it has {columns.Length} columns)"
                : word == tag ? $"has its word and tag in one column ({word}, of {columns.Length})"
                : null;
            if (reason is not null)
            {
                if (!options.SkipInvalidRows) skipped.Reject(SkippedRows.RowInvalid, $"{reader.Path}:{lineNumber}", $"the line {reason}", skip: false, reader.Path);
                problem = (lineNumber, $"the line {reason}");
                continue;
            }
            words.Add(columns[word]);
            tags.Add(columns[tag]);
        }
        EndSentence();
        return new(sentences, skipped);
    }

    /// <summary>The position of a 0-based column index, counting from the end when negative; −1 when the line has no such column.</summary>
    static int Index(string[] columns, int index)
    {
        int i = index < 0 ? columns.Length + index : index;
        return i >= 0 && i < columns.Length ? i : -1;
    }
}
