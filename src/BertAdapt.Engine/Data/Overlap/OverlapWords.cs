using System.Globalization;
using System.Text;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data.Overlap;

/// <summary>
/// The words that overlap is compared on, each as a 64-bit hash: text is decomposed (NFKD),
/// accents and other combining marks are dropped, letters are lower-cased, and punctuation,
/// symbols, control characters and white space only separate words. A CJK ideograph is a word of
/// its own, as BERT's tokenizer splits it. So "Café  crashed!" and "cafe crashed" are the same
/// two words, and a copy that differs only in case, accents, spacing or punctuation still matches.
/// </summary>
public static class OverlapWords
{
    const ulong FnvOffset = 14695981039346656037UL, FnvPrime = 1099511628211UL;

    /// <summary>Appends the hashes of <paramref name="text"/>'s words to <paramref name="into"/>.</summary>
    public static void Hash(string text, List<ulong> into)
    {
        string decomposed = text.IsNormalized(NormalizationForm.FormKD) ? text : text.Normalize(NormalizationForm.FormKD);
        ulong hash = FnvOffset;
        bool inWord = false;
        foreach (var rune in decomposed.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark) continue;
            bool ideograph = BertCharacters.IsCjkIdeograph(rune.Value);
            bool wordRune = !ideograph && category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
                or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;
            if (!wordRune || ideograph)
            {
                if (inWord) { into.Add(hash); hash = FnvOffset; inWord = false; }
                if (ideograph) into.Add(Mix(FnvOffset, (uint)rune.Value));
                continue;
            }
            hash = Mix(hash, (uint)Rune.ToLowerInvariant(rune).Value);
            inWord = true;
        }
        if (inWord) into.Add(hash);
    }

    /// <summary>The hash of a run of word hashes: equal runs of words hash alike, and runs of different lengths differ.</summary>
    public static ulong Run(ReadOnlySpan<ulong> words) => Run(words, words.Length, words.Length);

    /// <summary>The hash of the run of <paramref name="count"/> words ending before <paramref name="end"/> in a ring of word hashes.</summary>
    internal static ulong Run(ReadOnlySpan<ulong> ring, long end, int count)
    {
        ulong hash = FnvOffset ^ (ulong)count;
        for (long i = end - count; i < end; i++)
        {
            ulong word = ring[(int)(i % ring.Length)];
            hash = (hash ^ word) * FnvPrime;
            hash ^= hash >> 29;
        }
        return hash;
    }

    static ulong Mix(ulong hash, uint value)
    {
        for (int shift = 0; shift < 32; shift += 8) hash = (hash ^ ((value >> shift) & 0xFF)) * FnvPrime;
        return hash;
    }
}
