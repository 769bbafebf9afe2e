namespace BertAdapt.Engine.Data.Corpora;

/// <summary>The formats a corpus file can have; the file name's extension chooses one.</summary>
public enum CorpusFormat
{
    Text,
    JsonLines,
    Csv,
    Tsv,
}

/// <summary>A corpus file's format and whether it is gzip-compressed (a trailing <c>.gz</c>).</summary>
public readonly record struct CorpusFileKind(CorpusFormat Format, bool Compressed)
{
    public static CorpusFileKind Of(string path) => TryOf(path) ?? throw new BertAdaptException("CorpusFormatUnsupported", BertAdaptErrorKind.InvalidArgument,
        $"The corpus file '{path}' has no known format: use .txt, .jsonl, .csv or .tsv, each optionally followed by .gz.", path);

    public static CorpusFileKind? TryOf(string path)
    {
        CorpusFormat? format = ExtensionOf(path, out bool compressed) switch
        {
            ".txt" => CorpusFormat.Text,
            ".jsonl" => CorpusFormat.JsonLines,
            ".csv" => CorpusFormat.Csv,
            ".tsv" => CorpusFormat.Tsv,
            _ => null,
        };
        return format is { } known ? new CorpusFileKind(known, compressed) : null;
    }

    /// <summary>
    /// The extension of <paramref name="path"/> in lowercase with its dot (".csv"), looking
    /// through a trailing .gz, which sets <paramref name="compressed"/>; "" when there is none.
    /// </summary>
    public static string ExtensionOf(string path, out bool compressed)
    {
        var name = Path.GetFileName(path);
        compressed = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        if (compressed) name = name[..^3];
        return Path.GetExtension(name).ToLowerInvariant();
    }

    /// <summary>The read options that change what this format yields, as stable text (a cache key part).</summary>
    /// <remarks>
    /// The fallback encoding is named only when it is not UTF-8, so the keys of shards cached
    /// before -Encoding existed (all UTF-8) stay valid.
    /// </remarks>
    public string Describe(CorpusReadOptions options) => Format switch
    {
        CorpusFormat.JsonLines => $"jsonl field={options.TextField}",
        CorpusFormat.Csv => $"csv column={options.TextColumn}",
        CorpusFormat.Tsv => $"tsv column={options.TextColumn}",
        _ => "txt",
    } + $" gzip={Compressed} strict={options.Strict}"
        + (options.Encoding is { } encoding && !TextEncodings.IsUtf8(encoding) ? $" encoding={encoding.CodePage}" : "");
}
