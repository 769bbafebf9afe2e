using System.Globalization;
using System.Text;
using BertAdapt.Engine.Tokenization;
using Microsoft.ML.Tokenizers;

namespace BertAdapt.Engine.Tests.Tokenization;

/// <summary>
/// A second implementation of <see cref="BertVocabulary.Encode"/>, for the parity tests only:
/// Hugging Face's text rules written out step by step on whole strings, in Hugging Face's order
/// (split at whitespace and CJK, normalise each word, then split it at punctuation), and
/// Microsoft.ML.Tokenizers' BertTokenizer matching the pieces. It shares only the character
/// classes with the engine; the engine's single-pass splitter, its normalisation tables and its
/// WordPiece matcher are checked against it.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers only matches pieces here. Its own basic tokenization differs from
/// Hugging Face's (it drops symbols such as $ ^ &lt; &gt; = and currency signs, splits at format
/// characters instead of removing them, keeps Hangul syllables composed, drops CJK ideographs
/// outside the BMP) and it counts the word-length limit in UTF-16 units, so those steps are done
/// here and it is handed one piece at a time.
/// </remarks>
public sealed class ReferenceBertTokenizer
{
    readonly BertTokenizer tokenizer;
    readonly bool lowerCase;
    readonly int unknownId;
    readonly (string Token, int Id)[] specials;

    public ReferenceBertTokenizer(BertVocabulary vocabulary)
    {
        lowerCase = vocabulary.LowerCase;
        unknownId = vocabulary.UnknownId;
        specials = [(BertVocabulary.Pad, vocabulary.PadId), (BertVocabulary.Unknown, vocabulary.UnknownId), (BertVocabulary.Cls, vocabulary.ClsId),
            (BertVocabulary.Sep, vocabulary.SepId), (BertVocabulary.Mask, vocabulary.MaskId)];
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', vocabulary.Tokens) + "\n"));
        tokenizer = BertTokenizer.Create(stream, new BertOptions
        {
            ApplyBasicTokenization = false,
            LowerCaseBeforeTokenization = false,
            RemoveNonSpacingMarks = false,
            IndividuallyTokenizeCjk = false,
            SplitOnSpecialTokens = false,
            MaxInputCharsPerWord = 2 * BertVocabulary.MaxCharsPerWord, // the real limit, in code points, is checked before
            UnknownToken = BertVocabulary.Unknown,
            ClassificationToken = BertVocabulary.Cls,
            SeparatorToken = BertVocabulary.Sep,
            MaskingToken = BertVocabulary.Mask,
            PaddingToken = BertVocabulary.Pad,
        });
    }

    /// <summary>WordPiece ids of one text, without [CLS]/[SEP].</summary>
    public IReadOnlyList<int> Encode(string text)
    {
        var output = new List<int>();
        foreach (var (piece, special) in Pieces(text))
        {
            if (special is int id) output.Add(id);
            else if (piece.EnumerateRunes().Count() > BertVocabulary.MaxCharsPerWord) output.Add(unknownId);
            else output.AddRange(tokenizer.EncodeToIds(piece, addSpecialTokens: false, considerPreTokenization: false, considerNormalization: false));
        }
        return output;
    }

    /// <summary>The pieces WordPiece is given, in order; a special token comes with its id.</summary>
    public IEnumerable<(string Piece, int? Special)> Pieces(string text)
    {
        int segment = 0;
        for (int at = text.IndexOf('['); at >= 0; at = text.IndexOf('[', at + 1))
        {
            var special = specials.FirstOrDefault(s => text.AsSpan(at).StartsWith(s.Token, StringComparison.Ordinal));
            if (special.Token is null || at < segment) continue;
            foreach (var piece in BasicPieces(text[segment..at])) yield return (piece, null);
            yield return (special.Token, special.Id);
            segment = at + special.Token.Length;
        }
        foreach (var piece in BasicPieces(text[segment..])) yield return (piece, null);
    }

    IEnumerable<string> BasicPieces(string text)
    {
        // Clean, and space out each CJK ideograph; then whitespace splits words.
        var spaced = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes()) // an unpaired surrogate enumerates as U+FFFD
        {
            if (BertCharacters.IsSeparator(rune)) spaced.Append(' ');
            else if (BertCharacters.IsRemoved(rune)) continue;
            else if (BertCharacters.IsCjkIdeograph(rune.Value)) spaced.Append(' ').Append(rune.ToString()).Append(' ');
            else spaced.Append(rune.ToString());
        }
        foreach (var word in spaced.ToString().Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var normalised = word.Normalize(NormalizationForm.FormC);
            if (lowerCase) normalised = WithoutNonSpacingMarks(LowerCasedPerCharacter(normalised).Normalize(NormalizationForm.FormD));
            var piece = new StringBuilder();
            foreach (var rune in normalised.EnumerateRunes())
            {
                if (!BertCharacters.IsPunctuation(rune))
                {
                    piece.Append(rune.ToString());
                    continue;
                }
                if (piece.Length > 0) yield return piece.ToString();
                piece.Clear();
                yield return rune.ToString();
            }
            if (piece.Length > 0) yield return piece.ToString();
        }
    }

    // Unicode's full per-character mapping; İ is the one unconditional multi-character lower-case mapping, which .NET's invariant casing leaves out.
    static string LowerCasedPerCharacter(string text) =>
        string.Concat(text.EnumerateRunes().Select(r => r.Value == 0x130 ? "i\u0307" : Rune.ToLowerInvariant(r).ToString()));

    static string WithoutNonSpacingMarks(string text) =>
        string.Concat(text.EnumerateRunes().Where(r => Rune.GetUnicodeCategory(r) != UnicodeCategory.NonSpacingMark).Select(r => r.ToString()));
}
