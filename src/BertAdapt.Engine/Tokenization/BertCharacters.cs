using System.Globalization;
using System.Text;

namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// The character classes of Hugging Face's BERT basic tokenizer, in one place for
/// <see cref="BasicTokenizer"/>, which every encoder, the offset tokenizer of inference and the
/// vocabulary tools split text with.
/// </summary>
internal static class BertCharacters
{
    static readonly CharacterClass[] AsciiClasses = BuildAsciiClasses();

    /// <summary>The class of an ASCII character (below U+0080), from a table.</summary>
    public static CharacterClass ClassOfAscii(char c) => AsciiClasses[c];

    /// <summary>
    /// The class of any character. An unpaired surrogate decodes as U+FFFD and is removed. The
    /// order matters: tab, CR and LF are control characters, but separators.
    /// </summary>
    public static CharacterClass ClassOf(Rune rune) =>
        IsSeparator(rune) ? CharacterClass.Separator
        : IsRemoved(rune) ? CharacterClass.Removed
        : IsPunctuation(rune) ? CharacterClass.Punctuation
        : IsCjkIdeograph(rune.Value) ? CharacterClass.Ideograph
        : CharacterClass.Word;

    /// <summary>Removed by text cleaning, without splitting a word: NUL, U+FFFD and the "C*" categories (tab, CR and LF are separators).</summary>
    public static bool IsRemoved(Rune rune) => rune.Value is not ('\t' or '\n' or '\r')
        && (rune.Value is 0 or 0xFFFD || IsOther(Rune.GetUnicodeCategory(rune)));

    public static bool IsOther(UnicodeCategory category) => category is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    /// <summary>Separates words: space, tab, CR, LF, and Unicode's space, line and paragraph separators.</summary>
    public static bool IsSeparator(Rune rune) => rune.Value is ' ' or '\t' or '\n' or '\r'
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator;

    /// <summary>Every non-alphanumeric printable ASCII character, and Unicode's P* categories.</summary>
    public static bool IsPunctuation(Rune rune) => rune.Value is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || (rune.Value >= 0x80 && Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation);

    /// <summary>The CJK Unified Ideographs blocks (and compatibility ideographs); not kana, not Hangul.</summary>
    public static bool IsCjkIdeograph(int c) => c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
        or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF
        or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>The ideographs that composition and casing leave as they are (the BMP's unified blocks), so need no normalising.</summary>
    public static bool IsStableCjkIdeograph(int c) => c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF;

    static CharacterClass[] BuildAsciiClasses()
    {
        var classes = new CharacterClass[0x80];
        for (int c = 0; c < classes.Length; c++) classes[c] = ClassOf(new Rune(c));
        return classes;
    }
}
