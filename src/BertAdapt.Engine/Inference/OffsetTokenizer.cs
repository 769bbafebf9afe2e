using System.Globalization;
using System.Text;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Inference;

/// <summary>
/// One word of a text as BERT's basic tokenizer sees it, where it lies in the original string
/// (UTF-16 indexes, <see cref="End"/> exclusive) and the WordPiece ids it becomes.
/// </summary>
/// <param name="Start">Index of the word's first character in the original text.</param>
/// <param name="End">Index just past the word's last character, so <c>text[Start..End]</c> is the word as written.</param>
/// <param name="Ids">The word's WordPiece ids: never empty (a word with no pieces is one [UNK]).</param>
/// <param name="IsSpecial">The word is a literal special token such as <c>[MASK]</c> written in the text.</param>
public sealed record OffsetWord(int Start, int End, int[] Ids, bool IsSpecial)
{
    public int Length => End - Start;
}

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

/// <summary>
/// The tokenizer front end of inference: the text is cut into words by BERT's basic rules
/// (whitespace separates words; each punctuation mark and each CJK ideograph is a word of its
/// own; control, format, private-use and unassigned characters are dropped without splitting a word), each word keeps
/// its place in the original string, and each word is then WordPiece-encoded on its own with
/// <see cref="BertVocabulary.Encode"/>, which lower-cases and strips accents as the vocabulary
/// asks. Special tokens written literally in the text (<c>[MASK]</c> above all), exactly as the
/// vocabulary spells them, are kept whole and map to their ids, as the vocabulary's own tokenizer
/// does. The character classes are BertCharacters', shared with the encoders, so the
/// words' ids put together are always <see cref="BertVocabulary.Encode"/>'s ids of the whole text.
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
        var specials = SpecialLiterals(vocabulary);
        const StringComparison comparison = StringComparison.Ordinal; // as Encode: only "[MASK]" exactly is the mask
        var words = new List<OffsetWord>();
        var word = new StringBuilder();
        int wordStart = -1, wordEnd = -1;

        void Flush()
        {
            if (word.Length == 0) return;
            var ids = vocabulary.Encode(word.ToString());
            words.Add(new OffsetWord(wordStart, wordEnd, ids.Count == 0 ? [vocabulary.UnknownId] : [.. ids], false));
            word.Clear();
            wordStart = wordEnd = -1;
        }

        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '[' && MatchSpecial(text, i, specials, comparison) is var (literal, id))
            {
                Flush();
                words.Add(new OffsetWord(i, i + literal.Length, [id], true));
                i += literal.Length;
                continue;
            }
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out int width);
            if (BertCharacters.IsRemoved(rune))
            {
                // Dropped without splitting: the word goes on across it.
            }
            else if (BertCharacters.IsSeparator(rune))
            {
                Flush();
            }
            else if (BertCharacters.IsPunctuation(rune) || BertCharacters.IsCjkIdeograph(rune.Value))
            {
                Flush();
                var ids = vocabulary.Encode(text.Substring(i, width));
                words.Add(new OffsetWord(i, i + width, ids.Count == 0 ? [vocabulary.UnknownId] : [.. ids], false));
            }
            else
            {
                if (word.Length == 0) wordStart = i;
                word.Append(text, i, width);
                wordEnd = i + width;
            }
            i += width;
        }
        Flush();
        return new OffsetTokenization(text, words);
    }

    static List<(string Literal, int Id)> SpecialLiterals(BertVocabulary vocabulary) =>
        vocabulary.SpecialIds.Select(id => (vocabulary.Tokens[id], id))
            .Where(s => s.Item1.Length > 0)
            .OrderByDescending(s => s.Item1.Length).ToList();

    static (string Literal, int Id)? MatchSpecial(string text, int at, List<(string Literal, int Id)> specials, StringComparison comparison)
    {
        foreach (var special in specials)
            if (at + special.Literal.Length <= text.Length
                && string.Compare(text, at, special.Literal, 0, special.Literal.Length, comparison) == 0)
                return special;
        return null;
    }
}
