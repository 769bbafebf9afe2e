using System.Buffers;
using System.Globalization;
using System.Text;

namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// The one normalisation of a word, for every encoder and the vocabulary tools: composed (NFC),
/// then, as the vocabulary's settings say (<see cref="BasicTokenizerSettings"/>), lower-cased
/// (Unicode's full per-character mapping) and stripped of accents (NFD, non-spacing marks
/// removed), in that order, as Hugging Face's BasicTokenizer does.
/// </summary>
/// <remarks>
/// Lower-casing is per character, as Hugging Face's fast tokenizer does, so "İ" becomes "i̇" and
/// then "i"; its Python tokenizer additionally turns a word-final capital sigma into "ς", which
/// this does not. Words of Latin, Greek and Cyrillic letters without combining marks take a
/// table instead of the string normalisation calls, with the same result.
/// </remarks>
internal static class BertNormalization
{
    // Latin (with Latin-1, Extended-A/B, IPA), Greek and Cyrillic.
    const int SimpleLimit = 0x530;
    // The simple forms for each (lowerCase, stripAccents), indexed by Mode; null where the word is left as it is.
    static readonly string?[]?[] SimpleForms = [null, BuildSimpleForms(false, true), BuildSimpleForms(true, false), BuildSimpleForms(true, true)];

    static int Mode(bool lowerCase, bool stripAccents) => (lowerCase ? 2 : 0) + (stripAccents ? 1 : 0);

    /// <summary>The word normalised.</summary>
    public static string Normalize(string word, bool lowerCase, bool stripAccents)
    {
        var text = word.Normalize(NormalizationForm.FormC);
        if (lowerCase) text = FullLowerCase(text);
        return stripAccents ? StripAccents(text) : text;
    }

    /// <summary>The word normalised as Hugging Face's defaults do: accents stripped exactly when lower-casing.</summary>
    public static string Normalize(string word, bool lowerCase) => Normalize(word, lowerCase, lowerCase);

    /// <summary>The span form of <see cref="Normalize(string, bool)"/>.</summary>
    public static ReadOnlySpan<char> Normalize(ReadOnlySpan<char> word, bool lowerCase, ref char[]? scratch) =>
        Normalize(word, lowerCase, lowerCase, ref scratch);

    /// <summary>An ASCII character as an uncased vocabulary sees it: ASCII needs no composing or accent stripping.</summary>
    public static char LowerAscii(char c) => c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;

    /// <summary>
    /// The word normalised, without allocating where the table covers it: <paramref name="word"/>
    /// itself when normalising leaves it unchanged, else chars in <paramref name="scratch"/>
    /// (rented from the shared pool when null or too small, a smaller one given back; the caller
    /// returns the last one) or in a new string.
    /// </summary>
    public static ReadOnlySpan<char> Normalize(ReadOnlySpan<char> word, bool lowerCase, bool stripAccents, ref char[]? scratch)
    {
        var forms = SimpleForms[Mode(lowerCase, stripAccents)] ?? SimpleForms[3]!; // the uncased table says which characters are simple
        int mappedLength = 0;
        foreach (var c in word)
        {
            if (c >= SimpleLimit || forms[c] is not { } form)
                return Normalize(new string(word), lowerCase, stripAccents);
            mappedLength += form.Length;
        }
        if (!lowerCase && !stripAccents) return word; // composed starters only, which NFC leaves alone
        if (scratch is null || scratch.Length < mappedLength)
        {
            if (scratch is not null) ArrayPool<char>.Shared.Return(scratch);
            scratch = ArrayPool<char>.Shared.Rent(Math.Max(16, mappedLength));
        }
        int at = 0;
        foreach (var c in word)
        {
            var form = forms[c]!;
            form.CopyTo(scratch.AsSpan(at));
            at += form.Length;
        }
        return scratch.AsSpan(0, at);
    }

    static string FullLowerCase(string text)
    {
        var builder = new StringBuilder(text.Length + 4);
        Span<char> chars = stackalloc char[2];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.Value == 0x130) builder.Append("i\u0307"); // Unicode's full mapping; .NET's invariant casing keeps İ
            else builder.Append(chars[..Rune.ToLowerInvariant(rune).EncodeToUtf16(chars)]);
        }
        return builder.ToString();
    }

    static string StripAccents(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        Span<char> chars = stackalloc char[2];
        foreach (var rune in decomposed.EnumerateRunes())
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark) builder.Append(chars[..rune.EncodeToUtf16(chars)]);
        return builder.ToString();
    }

    /// <summary>
    /// For each character below <see cref="SimpleLimit"/> that NFC keeps as it is and that is not a
    /// mark, a separator or removed: its normalised form (lower-cased and/or NFD with non-spacing
    /// marks removed). Null for the rest, which take the string normalisation calls.
    /// </summary>
    static string?[] BuildSimpleForms(bool lowerCase, bool stripAccents)
    {
        var forms = new string?[SimpleLimit];
        for (int c = 0; c < SimpleLimit; c++)
        {
            var text = ((char)c).ToString();
            var category = CharUnicodeInfo.GetUnicodeCategory((char)c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                || BertCharacters.IsOther(category) || char.IsWhiteSpace((char)c) || text.Normalize(NormalizationForm.FormC) != text)
                continue;
            forms[c] = Normalize(text, lowerCase, stripAccents);
        }
        return forms;
    }
}
