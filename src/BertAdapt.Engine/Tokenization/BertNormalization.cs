using System.Buffers;
using System.Globalization;
using System.Text;

namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// The one normalisation of a word, for every encoder and the vocabulary tools: composed (NFC),
/// and for an uncased vocabulary lower-cased (Unicode's full per-character mapping) and stripped
/// of accents (NFD, non-spacing marks removed).
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
    static readonly string?[] SimpleForms = BuildSimpleForms();

    /// <summary>The word normalised.</summary>
    public static string Normalize(string word, bool lowerCase)
    {
        var composed = word.Normalize(NormalizationForm.FormC);
        return lowerCase ? StripAccents(FullLowerCase(composed)) : composed;
    }

    /// <summary>An ASCII character as an uncased vocabulary sees it: ASCII needs no composing or accent stripping.</summary>
    public static char LowerAscii(char c) => c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;

    /// <summary>
    /// The word normalised, without allocating where the table covers it: <paramref name="word"/>
    /// itself when normalising leaves it unchanged, else chars in <paramref name="scratch"/>
    /// (rented from the shared pool when null or too small, a smaller one given back; the caller
    /// returns the last one) or in a new string.
    /// </summary>
    public static ReadOnlySpan<char> Normalize(ReadOnlySpan<char> word, bool lowerCase, ref char[]? scratch)
    {
        int mappedLength = 0;
        foreach (var c in word)
        {
            if (c >= SimpleLimit || SimpleForms[c] is not { } form)
                return Normalize(new string(word), lowerCase);
            mappedLength += form.Length;
        }
        if (!lowerCase) return word; // composed starters only, which NFC leaves alone
        if (scratch is null || scratch.Length < mappedLength)
        {
            if (scratch is not null) ArrayPool<char>.Shared.Return(scratch);
            scratch = ArrayPool<char>.Shared.Rent(Math.Max(16, mappedLength));
        }
        int at = 0;
        foreach (var c in word)
        {
            var form = SimpleForms[c]!;
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
    /// mark, a separator or removed: its uncased form (lower-cased, NFD, non-spacing marks removed).
    /// Null for the rest, which take the string normalisation calls.
    /// </summary>
    static string?[] BuildSimpleForms()
    {
        var forms = new string?[SimpleLimit];
        for (int c = 0; c < SimpleLimit; c++)
        {
            var text = ((char)c).ToString();
            var category = CharUnicodeInfo.GetUnicodeCategory((char)c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                || BertCharacters.IsOther(category) || char.IsWhiteSpace((char)c) || text.Normalize(NormalizationForm.FormC) != text)
                continue;
            forms[c] = StripAccents(FullLowerCase(text));
        }
        return forms;
    }
}
