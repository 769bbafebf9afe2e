namespace BertAdapt.Engine.Data.Corpora;

/// <summary>Plain text: one sentence or paragraph per line, blank lines between documents.</summary>
static class TextDocuments
{
    public static IEnumerable<IReadOnlyList<string>> Read(TextFileReader reader)
    {
        var document = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                if (document.Count > 0) { yield return document; document = []; }
                continue;
            }
            document.Add(line.Trim());
        }
        if (document.Count > 0) yield return document;
    }
}
