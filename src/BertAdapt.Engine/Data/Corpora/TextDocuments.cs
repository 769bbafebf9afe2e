namespace BertAdapt.Engine.Data.Corpora;

/// <summary>Plain text: one sentence or paragraph per line, blank lines between documents.</summary>
static class TextDocuments
{
    /// <summary>
    /// The file's lines, trimmed, each document's followed by null. A line longer than
    /// <see cref="TextFileReader.MaxLineChars"/> comes in pieces; a blank piece of a long line is
    /// dropped, and is no document break.
    /// </summary>
    public static IEnumerable<string?> Read(TextFileReader reader)
    {
        bool inDocument = false, continuing = false;
        while (reader.ReadLinePiece(TextFileReader.MaxLineChars, out bool continues) is { } piece)
        {
            bool wholeLine = !continuing && !continues;
            continuing = continues;
            if (string.IsNullOrWhiteSpace(piece))
            {
                if (wholeLine && inDocument) { yield return null; inDocument = false; }
                continue;
            }
            yield return piece.Trim();
            inDocument = true;
        }
        if (inDocument) yield return null;
    }
}
