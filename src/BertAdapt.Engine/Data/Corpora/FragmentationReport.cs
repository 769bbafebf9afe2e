using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Words of a corpus that the current vocabulary fragments, ranked by the tokens a new entry
/// would save: count × (pieces − 1).
/// </summary>
public static class FragmentationReport
{
    /// <param name="top">How many rows to return; null for all.</param>
    /// <param name="onFile">Called before each file is read, for progress.</param>
    /// <param name="options">How the files are read (their encoding, text field or column); the defaults when null.</param>
    public static IReadOnlyList<FragmentedWord> FromCorpus(IEnumerable<string> files, BertVocabulary vocabulary,
        int minCount = 1, int? top = null, CancellationToken cancellation = default, Action<string>? onFile = null,
        CorpusReadOptions? options = null)
    {
        var counter = new FragmentationCounter(vocabulary);
        foreach (var file in files)
        {
            onFile?.Invoke(file);
            foreach (var line in CorpusDocuments.ReadLines(file, CorpusFileKind.Of(file), options))
            {
                cancellation.ThrowIfCancellationRequested();
                if (line is not null) counter.Add(line);
            }
        }
        return counter.Ranked(minCount, top, cancellation);
    }
}
