using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// BERT's basic tokenizer, the one splitter of BertAdapt: every encoder, the offset tokenizer of
/// inference and the vocabulary tools cut text with it, so they all see the same words. In
/// Hugging Face's order: special tokens written in the text are split out first; the rest is
/// cleaned (NUL, U+FFFD and "C*" characters other than tab, CR and LF removed without splitting a
/// word); whitespace separates words; each punctuation mark and each CJK ideograph is a word of
/// its own; each word is normalised (<see cref="BertNormalization"/>) and split again at the
/// punctuation that normalising made ("≠" strips to "="). Each word keeps its place in the
/// original text.
/// </summary>
/// <remarks>
/// Splitting at punctuation before normalising, rather than after, gives the same pieces: no
/// punctuation mark composes with a following character, and each normalises to punctuation
/// (a test checks every one). The exceptions are ASCII "&lt;", "=" and "&gt;", which compose with
/// U+0338 into "≮", "≠" and "≯"; they are split first, as Hugging Face's fast tokenizer (which
/// does not compose at all) splits them. Immutable, so one instance can be shared across threads.
/// </remarks>
internal sealed class BasicTokenizer
{
    // What each ASCII character is to this tokenizer: its class, or SpecialStart where a special token may begin.
    const CharacterClass SpecialStart = (CharacterClass)0xFF;
    readonly CharacterClass[] asciiKinds = new CharacterClass[0x80], asciiClasses = new CharacterClass[0x80];
    readonly string[] specials, neverSplit;
    readonly bool basic, lowerCase, stripAccents, splitPunctuation, splitIdeographs;

    public BasicTokenizer(BasicTokenizerSettings settings)
    {
        Settings = settings;
        basic = settings.BasicTokenize;
        // Without the basic tokenizer nothing is normalised: Hugging Face's BertTokenizer hands the text straight to WordPiece.
        lowerCase = basic && settings.LowerCase;
        stripAccents = basic && settings.StripsAccents;
        splitPunctuation = settings.SplitOnPunctuation;
        splitIdeographs = settings.SplitChineseCharacters;
        // Longest first, so a special token that starts another is not matched in its place.
        specials = settings.SpecialTokens.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderByDescending(t => t.Length).ToArray();
        neverSplit = basic ? settings.NeverSplit.Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)
            .OrderByDescending(t => t.Length).ToArray() : [];
        for (int c = 0; c < asciiKinds.Length; c++) asciiKinds[c] = asciiClasses[c] = ClassOf(new Rune(c));
        foreach (var token in specials)
            if (token[0] < 0x80) asciiKinds[token[0]] = SpecialStart;
            else throw new ArgumentException($"Special token {token} does not start with an ASCII character.", nameof(settings));
    }

    /// <summary>The settings this tokenizer applies.</summary>
    public BasicTokenizerSettings Settings { get; }

    public bool LowerCase => Settings.LowerCase;

    /// <summary>The special tokens, in the order <see cref="IBasicTokenSink.Special"/> numbers them.</summary>
    public IReadOnlyList<string> SpecialTokens => specials;

    /// <summary>One word as this tokenizer normalises it (unchanged without the basic tokenizer).</summary>
    public string Normalize(string word) => basic ? BertNormalization.Normalize(word, lowerCase, stripAccents) : word;

    /// <summary>The pieces of a text, with the spans of their words.</summary>
    public List<BasicToken> Split(string text)
    {
        var sink = new TokenCollector(this);
        Tokenize(text, ref sink);
        return sink.Tokens;
    }

    /// <summary>
    /// What a character is to this tokenizer's settings. Without the basic tokenizer only
    /// whitespace (what Python's str.split splits at) matters; without punctuation or CJK
    /// splitting those characters are part of the word around them.
    /// </summary>
    CharacterClass ClassOf(Rune rune)
    {
        if (!basic) return char.IsWhiteSpace((char)Math.Min(rune.Value, 0xFFFF)) && rune.IsBmp || rune.Value is >= 0x1C and <= 0x1F
            ? CharacterClass.Separator : CharacterClass.Word;
        var kind = BertCharacters.ClassOf(rune);
        return kind == CharacterClass.Punctuation && !splitPunctuation || kind == CharacterClass.Ideograph && !splitIdeographs
            ? CharacterClass.Word : kind;
    }

    /// <summary>Cuts <paramref name="text"/> into special tokens, words and pieces, telling <paramref name="sink"/> of each in order.</summary>
    public void Tokenize<TSink>(ReadOnlySpan<char> text, ref TSink sink) where TSink : struct, IBasicTokenSink
    {
        // The kept characters of the current word; ASCII letters already lower-cased for an uncased vocabulary.
        char[] word = ArrayPool<char>.Shared.Rent(Math.Max(16, text.Length));
        char[]? scratch = null; // for words the normalisation table maps, rented when one comes
        try
        {
            var kinds = asciiKinds;
            bool lowerCase = this.lowerCase, ascii = true;
            // Whether a whitespace-delimited word starts here, where a never_split word may stand.
            bool checkNeverSplit = neverSplit.Length > 0, atWordStart = true;
            int length = 0, start = 0, end = 0;
            for (int i = 0; i < text.Length;)
            {
                char c = text[i];
                if (checkNeverSplit && atWordStart && NeverSplitAt(text, i) is var kept and >= 0)
                {
                    EndWord(word, ref length, ref ascii, start, end, ref scratch, ref sink);
                    sink.Piece(text.Slice(i, neverSplit[kept].Length));
                    sink.EndWord(i, i + neverSplit[kept].Length);
                    i += neverSplit[kept].Length;
                    atWordStart = false;
                    continue;
                }
                CharacterClass kind;
                int width = 1;
                if (c < 0x80)
                {
                    kind = kinds[c];
                    if (kind == SpecialStart)
                    {
                        if (SpecialAt(text[i..]) is var special and >= 0)
                        {
                            EndWord(word, ref length, ref ascii, start, end, ref scratch, ref sink);
                            sink.Special(special, i, i + specials[special].Length);
                            i += specials[special].Length;
                            atWordStart = true;
                            continue;
                        }
                        kind = asciiClasses[c];
                    }
                    if (kind == CharacterClass.Word)
                    {
                        // The rest of the ASCII run in one tight loop: by far the commonest case.
                        if (length == 0) start = i;
                        do word[length++] = lowerCase ? BertNormalization.LowerAscii(c) : c;
                        while (++i < text.Length && (c = text[i]) < 0x80 && kinds[c] == CharacterClass.Word);
                        end = i;
                        atWordStart = false;
                        continue;
                    }
                }
                else
                {
                    Rune.DecodeFromUtf16(text[i..], out var rune, out width); // an unpaired surrogate decodes as U+FFFD: removed
                    kind = ClassOf(rune);
                    if (kind == CharacterClass.Word)
                    {
                        if (length == 0) start = i;
                        text.Slice(i, width).CopyTo(word.AsSpan(length));
                        length += width;
                        ascii = false;
                        end = i += width;
                        atWordStart = false;
                        continue;
                    }
                }

                if (kind != CharacterClass.Removed)
                {
                    EndWord(word, ref length, ref ascii, start, end, ref scratch, ref sink);
                    // After whitespace, and after an ideograph (which Hugging Face surrounds with spaces), a new word starts.
                    atWordStart = kind != CharacterClass.Punctuation;
                    if (kind != CharacterClass.Separator)
                    {
                        // A punctuation mark or an ideograph: a word of its own. ASCII marks and the BMP's
                        // unified ideographs are already normalised; the rest are normalised like any word.
                        var alone = text.Slice(i, width);
                        if (c < 0x80 || BertCharacters.IsStableCjkIdeograph(c)) sink.Piece(alone);
                        else NormalizeAndSplit(alone, ref scratch, ref sink);
                        sink.EndWord(i, i + width);
                    }
                }
                i += width;
            }
            EndWord(word, ref length, ref ascii, start, end, ref scratch, ref sink);
        }
        finally
        {
            if (scratch is not null) ArrayPool<char>.Shared.Return(scratch);
            ArrayPool<char>.Shared.Return(word);
        }
    }

    /// <summary>
    /// The index of the never_split word that is the whole whitespace-delimited word at
    /// <paramref name="at"/>, or -1. The word ends at whitespace, at the end of the text, at an
    /// ideograph that is split off, or at a special token; removed characters after it are skipped.
    /// </summary>
    int NeverSplitAt(ReadOnlySpan<char> text, int at)
    {
        for (int k = 0; k < neverSplit.Length; k++)
        {
            if (!text[at..].StartsWith(neverSplit[k], StringComparison.Ordinal)) continue;
            for (int j = at + neverSplit[k].Length; ; )
            {
                if (j >= text.Length || SpecialAt(text[j..]) >= 0) return k;
                Rune.DecodeFromUtf16(text[j..], out var rune, out int width);
                var kind = ClassOf(rune);
                if (kind is CharacterClass.Separator or CharacterClass.Ideograph) return k;
                if (kind != CharacterClass.Removed) break;
                j += width;
            }
        }
        return -1;
    }

    int SpecialAt(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < specials.Length; i++)
            if (text.StartsWith(specials[i], StringComparison.Ordinal)) return i;
        return -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void EndWord<TSink>(char[] word, ref int length, ref bool ascii, int start, int end, ref char[]? scratch, ref TSink sink)
        where TSink : struct, IBasicTokenSink
    {
        if (length == 0) return;
        // An ASCII word is already normalised, and has no punctuation in it.
        if (ascii) sink.Piece(word.AsSpan(0, length));
        else NormalizeAndSplit(word.AsSpan(0, length), ref scratch, ref sink);
        sink.EndWord(start, end);
        length = 0;
        ascii = true;
    }

    void NormalizeAndSplit<TSink>(ReadOnlySpan<char> raw, ref char[]? scratch, ref TSink sink) where TSink : struct, IBasicTokenSink
    {
        if (!basic)
        {
            sink.Piece(raw);
            return;
        }
        var word = BertNormalization.Normalize(raw, lowerCase, stripAccents, ref scratch);
        if (!splitPunctuation)
        {
            if (!word.IsEmpty) sink.Piece(word);
            return;
        }
        int from = 0;
        for (int i = 0; i < word.Length;)
        {
            Rune.DecodeFromUtf16(word[i..], out var rune, out int used);
            if (BertCharacters.IsPunctuation(rune))
            {
                if (i > from) sink.Piece(word[from..i]);
                sink.Piece(word.Slice(i, used));
                from = i + used;
            }
            i += used;
        }
        if (word.Length > from) sink.Piece(word[from..]);
    }

    /// <summary>Collects the pieces as strings, for the callers that want a list rather than speed.</summary>
    struct TokenCollector(BasicTokenizer tokenizer) : IBasicTokenSink
    {
        readonly List<string> pending = [];

        public List<BasicToken> Tokens { get; } = [];

        public readonly void Special(int index, int start, int end) => Tokens.Add(new BasicToken(tokenizer.specials[index], start, end, true));

        public readonly void Piece(ReadOnlySpan<char> piece) => pending.Add(new string(piece));

        public readonly void EndWord(int start, int end)
        {
            foreach (var piece in pending) Tokens.Add(new BasicToken(piece, start, end, false));
            pending.Clear();
        }
    }
}
