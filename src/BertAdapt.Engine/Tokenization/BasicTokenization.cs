using System.Globalization;
using System.Text;

namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// The word splitting of BERT's basic tokenizer: control characters dropped, whitespace splits,
/// every punctuation mark and CJK ideograph is a word of its own; uncased vocabularies also
/// lower-case and strip accents.
/// </summary>
public static class BasicTokenization
{
    public static string Normalize(string text, bool lowerCase)
    {
        if (!lowerCase) return text;
        var decomposed = text.ToLowerInvariant().Normalize(NormalizationForm.FormD);
        var kept = new StringBuilder(decomposed.Length);
        foreach (var c in decomposed)
            if (CharUnicodeInfo.GetUnicodeCategory(c) != UnicodeCategory.NonSpacingMark) kept.Append(c);
        return kept.ToString();
    }

    public static IEnumerable<string> Split(string text, bool lowerCase)
    {
        var word = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsControl(rune) && !IsWhitespace(rune)) continue; // removed without splitting, as BERT's text cleaning does
            if (IsWhitespace(rune) || IsPunctuation(rune) || IsCjk(rune))
            {
                if (word.Length > 0) { yield return Normalize(word.ToString(), lowerCase); word.Clear(); }
                if (IsPunctuation(rune) || IsCjk(rune)) yield return rune.ToString();
                continue;
            }
            word.Append(rune.ToString());
        }
        if (word.Length > 0) yield return Normalize(word.ToString(), lowerCase);
    }

    static bool IsWhitespace(Rune r) => BertCharacters.IsSeparator(r);

    static bool IsControl(Rune r) => BertCharacters.IsRemoved(r);

    static bool IsPunctuation(Rune r) => BertCharacters.IsPunctuation(r);

    static bool IsCjk(Rune r) => BertCharacters.IsCjkIdeograph(r.Value);
}
