namespace BertAdapt.Engine.Data.Overlap;

/// <summary>One corpus document as the overlap scan reads it, with what a match in it is named by.</summary>
/// <param name="FirstLine">The file line of <paramref name="Lines"/>[0] in a plain-text file (its lines are consecutive); 0 for a record of a .jsonl, .csv or .tsv file.</param>
/// <param name="Number">The document's place among the file's documents, from 1.</param>
public sealed record OverlapDocument(string File, long FirstLine, long Number, IReadOnlyList<string> Lines)
{
    /// <summary>Where line <paramref name="index"/> of the document is: "file:line N", or "file, text N" for a record.</summary>
    public string Where(int index) => FirstLine > 0 ? $"{File}:{FirstLine + index}" : $"{File}, text {Number}";
}
