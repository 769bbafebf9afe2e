namespace BertAdapt.Engine.Inference;

/// <summary>A text split into words with their character offsets and WordPiece ids.</summary>
public sealed class OffsetTokenization
{
    internal OffsetTokenization(string text, IReadOnlyList<OffsetWord> words)
    {
        Text = text;
        Words = words;
        TokenCount = words.Sum(w => w.Ids.Length);
    }

    /// <summary>The original text, unchanged.</summary>
    public string Text { get; }

    public IReadOnlyList<OffsetWord> Words { get; }

    /// <summary>How many WordPiece tokens the words make, without [CLS] and [SEP].</summary>
    public int TokenCount { get; }

    /// <summary>The ids of every word in order (no [CLS] or [SEP]).</summary>
    public IEnumerable<int> Ids => Words.SelectMany(w => w.Ids);

    /// <summary>The word as written in the original text.</summary>
    public string WordText(int index) => Text.Substring(Words[index].Start, Words[index].Length);
}
