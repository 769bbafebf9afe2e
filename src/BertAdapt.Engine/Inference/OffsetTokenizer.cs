using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Inference;

/// <summary>
/// The tokenizer front end of inference: the text is cut by the vocabulary's own
/// <see cref="BasicTokenizer"/>, the splitter <see cref="BertVocabulary.Encode"/> uses, so each
/// word keeps its place in the original string and the words' ids put together are always
/// <see cref="BertVocabulary.Encode"/>'s ids of the whole text. Whitespace separates words; each
/// punctuation mark and each CJK ideograph is a word of its own; control, format, private-use and
/// unassigned characters are dropped without splitting a word; special tokens written literally
/// (<c>[MASK]</c> above all), exactly as the vocabulary spells them, are words of their own that
/// map to their ids.
/// </summary>
/// <remarks>
/// Token classification needs this because its answers are about words of the original text:
/// a tag is predicted at each word's first piece, and an entity is reported as a span of the
/// string the user gave, whatever the lower-casing or accent stripping did to the pieces.
/// </remarks>
public static class OffsetTokenizer
{
    /// <summary>Splits <paramref name="text"/> into words with offsets and WordPiece ids.</summary>
    public static OffsetTokenization Tokenize(BertVocabulary vocabulary, string text)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentNullException.ThrowIfNull(text);
        var sink = new WordSink(vocabulary);
        vocabulary.Encoder.Basic.Tokenize(text, ref sink);
        return new OffsetTokenization(text, sink.Words);
    }

    /// <summary>Gathers the ids of each word's pieces into one <see cref="OffsetWord"/>.</summary>
    readonly struct WordSink(BertVocabulary vocabulary) : IBasicTokenSink
    {
        readonly List<int> ids = [];

        public List<OffsetWord> Words { get; } = [];

        public void Special(int index, int start, int end) =>
            Words.Add(new OffsetWord(start, end, [vocabulary.Encoder.SpecialId(index)], true));

        public void Piece(ReadOnlySpan<char> piece) => vocabulary.Encoder.MatchPiece(piece, ids);

        // A word whose pieces all vanished (a lone accent that stripping removed) is still a word of the text: one [UNK].
        public void EndWord(int start, int end)
        {
            Words.Add(new OffsetWord(start, end, ids.Count == 0 ? [vocabulary.UnknownId] : [.. ids], false));
            ids.Clear();
        }
    }
}
