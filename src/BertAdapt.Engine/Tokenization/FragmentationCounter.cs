namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// Counts the words of lines of text, each word as BERT's basic tokenizer hands it to WordPiece
/// (normalised, split at punctuation), and ranks those the vocabulary fragments by the tokens a
/// new entry would save: count × (pieces − 1).
/// </summary>
public sealed class FragmentationCounter(BertVocabulary vocabulary)
{
    readonly Dictionary<string, long> counts = new(StringComparer.Ordinal);

    /// <summary>Counts the words of one line; special tokens written in it are not words.</summary>
    public void Add(string line)
    {
        var sink = new WordCounts(counts);
        vocabulary.Encoder.Basic.Tokenize(line, ref sink);
    }

    /// <summary>The words seen at least <paramref name="minCount"/> times that the vocabulary splits, best first.</summary>
    /// <param name="top">How many rows to return; null for all.</param>
    public IReadOnlyList<FragmentedWord> Ranked(int minCount = 1, int? top = null, CancellationToken cancellation = default)
    {
        var rows = new List<FragmentedWord>();
        foreach (var (word, count) in counts)
        {
            if (count < minCount) continue;
            cancellation.ThrowIfCancellationRequested();
            var ids = vocabulary.Encode(word);
            if (ids.Count < 2) continue;
            var pieces = new DelimitedList<string>(ids.Select(id => vocabulary[id]), " ");
            rows.Add(new FragmentedWord(word, count, pieces, pieces.Count, count * (pieces.Count - 1)));
        }
        // Ties break on count, then on the word, so a report is the same on every run.
        var ranked = rows.OrderByDescending(r => r.TokensSaved).ThenByDescending(r => r.Count).ThenBy(r => r.Word, StringComparer.Ordinal);
        return (top is int n ? ranked.Take(n) : ranked).ToList();
    }

    readonly struct WordCounts(Dictionary<string, long> counts) : IBasicTokenSink
    {
        public void Special(int index, int start, int end) { }

        public void Piece(ReadOnlySpan<char> piece)
        {
            var word = new string(piece);
            counts[word] = counts.GetValueOrDefault(word) + 1;
        }

        public void EndWord(int start, int end) { }
    }
}
