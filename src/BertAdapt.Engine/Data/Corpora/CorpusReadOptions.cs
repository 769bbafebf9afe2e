using System.Text;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>How corpus files are read. Each setting matters only to the formats named on it.</summary>
public sealed record CorpusReadOptions
{
    public static CorpusReadOptions Default { get; } = new();

    /// <summary>The JSON Lines field that holds a record's text.</summary>
    public string TextField { get; init; } = "text";

    /// <summary>The CSV/TSV column (named in the required header row) that holds a row's text.</summary>
    public string TextColumn { get; init; } = "text";

    /// <summary>True: an invalid UTF-8 byte is an error. False: it reads as U+FFFD.</summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// The encoding of a file without a byte-order mark; null for UTF-8. A file with a mark
    /// (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) is read as its mark says, whatever this is.
    /// </summary>
    public Encoding? Encoding { get; init; }
}
