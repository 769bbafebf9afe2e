using System.Buffers;
using System.Globalization;
using System.Text;

namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// A fast, allocation-light BERT WordPiece encoder with the same rules as
/// <see cref="BertVocabulary.Encode"/> (Hugging Face's BertTokenizer): special tokens split out
/// first; NUL, U+FFFD and "C*" characters other than tab, CR and LF removed; whitespace splits;
/// CJK ideographs are words of their own; words composed (NFC), and for an uncased vocabulary
/// lower-cased and accent-stripped; punctuation split off; greedy longest-match-first pieces with
/// "##" continuations; a piece over 100 code points, or one that cannot be matched whole, is [UNK].
/// </summary>
/// <remarks>
/// ASCII text never leaves the input span and a reused buffer: pieces are looked up in an
/// open-addressing table of UTF-16 spans whose hash (FNV-1a) is computed incrementally over a
/// piece's prefixes, so each longest-first probe costs one table lookup. Words with other
/// characters take a slower path through the string normalisation APIs. Immutable once built,
/// so one instance can be shared across threads.
/// </remarks>
internal sealed class WordPieceEncoder
{
    const uint FnvOffset = 2166136261, FnvPrime = 16777619, ContinuationSeed = 0x9E3779B9;
    const string ContinuationPrefix = "##";

    // ASCII character classes.
    const byte Word = 0, Space = 1, Removed = 2, Punctuation = 3;
    static readonly byte[] AsciiClass = BuildAsciiClasses();

    // Latin (with Latin-1, Extended-A/B, IPA), Greek and Cyrillic.
    const int SimpleLimit = 0x530;
    static readonly string?[] SimpleForms = BuildSimpleForms();

    readonly SpanTable table;
    readonly (string Token, int Id)[] specials;
    readonly bool[] specialStarts = new bool[128];
    readonly int unknownId;
    readonly int maxTokenLength;

    public WordPieceEncoder(IReadOnlyList<string> tokens, bool lowerCase, string unknownToken, IEnumerable<string> specialTokens)
    {
        LowerCase = lowerCase;
        table = new SpanTable(tokens.Count);
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
        {
            first.TryAdd(tokens[i], i); // the first of duplicate lines wins, as in BertVocabulary.IdOf
            var token = tokens[i];
            bool continuation = token.Length > ContinuationPrefix.Length && token.StartsWith(ContinuationPrefix, StringComparison.Ordinal);
            var key = continuation ? token.AsSpan(ContinuationPrefix.Length) : token.AsSpan();
            if (key.IsEmpty) continue;
            if (table.Add(key, continuation, i)) maxTokenLength = Math.Max(maxTokenLength, key.Length);
        }
        unknownId = first.TryGetValue(unknownToken, out var unknown) ? unknown
            : throw new ArgumentException($"The vocabulary has no {unknownToken} token.", nameof(unknownToken));
        // Special tokens are matched in the raw text, before anything else; all of BERT's start with an ASCII "[".
        specials = specialTokens.Where(first.ContainsKey).Select(t => (t, first[t])).OrderByDescending(s => s.t.Length).ToArray();
        foreach (var (token, _) in specials)
            if (token[0] < 0x80) specialStarts[token[0]] = true;
            else throw new ArgumentException($"Special token {token} does not start with an ASCII character.", nameof(specialTokens));
    }

    public static WordPieceEncoder For(BertVocabulary vocabulary) => new(vocabulary.Tokens, vocabulary.LowerCase, BertVocabulary.Unknown,
        [BertVocabulary.Pad, BertVocabulary.Unknown, BertVocabulary.Cls, BertVocabulary.Sep, BertVocabulary.Mask]);

    public bool LowerCase { get; }

    /// <summary>WordPiece ids of one text, without [CLS]/[SEP].</summary>
    public int[] Encode(string text)
    {
        var output = new List<int>(text.Length / 4 + 4);
        Encode(text, output);
        return output.ToArray();
    }

    /// <summary>Appends the WordPiece ids of <paramref name="text"/> to <paramref name="output"/>; returns how many.</summary>
    public int Encode(ReadOnlySpan<char> text, List<int> output)
    {
        int before = output.Count;
        char[] buffer = ArrayPool<char>.Shared.Rent(Math.Max(16, text.Length));
        try
        {
            int length = 0;
            bool ascii = true;
            for (int i = 0; i < text.Length;)
            {
                char c = text[i];
                if (c < 0x80)
                {
                    if (specialStarts[c] && SpecialAt(text[i..]) is var special && special >= 0)
                    {
                        Flush(buffer, ref length, ref ascii, output);
                        output.Add(specials[special].Id);
                        i += specials[special].Token.Length;
                        continue;
                    }
                    switch (AsciiClass[c])
                    {
                        case Word:
                            buffer[length++] = LowerCase && c is >= 'A' and <= 'Z' ? (char)(c | 0x20) : c;
                            i++;
                            continue;
                        case Space:
                            Flush(buffer, ref length, ref ascii, output);
                            i++;
                            continue;
                        case Removed:
                            i++;
                            continue;
                        default:
                            Flush(buffer, ref length, ref ascii, output);
                            // ASCII punctuation is unchanged by lower-casing and accent stripping,
                            // so splitting it off before them gives the same pieces.
                            MatchPiece(text.Slice(i, 1), output);
                            i++;
                            continue;
                    }
                }

                var status = Rune.DecodeFromUtf16(text[i..], out var rune, out int used);
                i += used;
                if (status != OperationStatus.Done) continue; // an unpaired surrogate, like U+FFFD, is removed
                var category = Rune.GetUnicodeCategory(rune);
                if (rune.Value == 0xFFFD || IsOther(category)) continue;
                if (category is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                {
                    Flush(buffer, ref length, ref ascii, output);
                    continue;
                }
                if (IsCjkIdeograph(rune.Value))
                {
                    Flush(buffer, ref length, ref ascii, output);
                    length = rune.EncodeToUtf16(buffer);
                    // A word of its own. The BMP unified blocks are unchanged by normalisation and
                    // casing; compatibility ideographs (and the rest) take the normalising path.
                    ascii = rune.Value is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF;
                    Flush(buffer, ref length, ref ascii, output);
                    continue;
                }
                length += rune.EncodeToUtf16(buffer.AsSpan(length));
                ascii = false;
            }
            Flush(buffer, ref length, ref ascii, output);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }
        return output.Count - before;
    }

    int SpecialAt(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < specials.Length; i++)
            if (text.StartsWith(specials[i].Token, StringComparison.Ordinal)) return i;
        return -1;
    }

    void Flush(char[] buffer, ref int length, ref bool ascii, List<int> output)
    {
        if (length == 0) return;
        if (ascii)
        {
            // Already lower-cased; ASCII needs no composition or accent stripping, and its punctuation was split off.
            MatchPiece(buffer.AsSpan(0, length), output);
        }
        else if (!SimpleWord(buffer.AsSpan(0, length), output))
        {
            var word = new string(buffer, 0, length).Normalize(NormalizationForm.FormC);
            if (LowerCase) word = StripAccents(FullLowerCase(word));
            SplitAndMatch(word, output);
        }
        length = 0;
        ascii = true;
    }

    /// <summary>
    /// Handles a word made only of characters below <see cref="SimpleLimit"/> that are composed
    /// starters (no combining marks), which NFC leaves alone and which map one by one: cased words
    /// go straight to punctuation splitting, uncased ones through a per-character table of
    /// lower-cased, accent-stripped forms. False, having done nothing, for any other word.
    /// </summary>
    bool SimpleWord(ReadOnlySpan<char> word, List<int> output)
    {
        int mappedLength = 0;
        foreach (var c in word)
        {
            if (c >= SimpleLimit || SimpleForms[c] is not { } form) return false;
            mappedLength += form.Length;
        }
        if (!LowerCase)
        {
            SplitAndMatch(word, output);
            return true;
        }
        char[] mapped = ArrayPool<char>.Shared.Rent(Math.Max(16, mappedLength));
        try
        {
            int at = 0;
            foreach (var c in word)
            {
                var form = SimpleForms[c]!;
                form.CopyTo(mapped.AsSpan(at));
                at += form.Length;
            }
            SplitAndMatch(mapped.AsSpan(0, at), output);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(mapped);
        }
        return true;
    }

    void SplitAndMatch(ReadOnlySpan<char> word, List<int> output)
    {
        int start = 0;
        for (int i = 0; i < word.Length;)
        {
            Rune.DecodeFromUtf16(word[i..], out var rune, out int used);
            if (IsPunctuation(rune))
            {
                MatchPiece(word[start..i], output);
                MatchPiece(word.Slice(i, used), output);
                start = i + used;
            }
            i += used;
        }
        MatchPiece(word[start..], output);
    }

    /// <summary>Greedy longest-match-first WordPiece of one piece; the whole piece is [UNK] if any part fails.</summary>
    void MatchPiece(ReadOnlySpan<char> piece, List<int> output)
    {
        if (piece.IsEmpty) return;
        if (piece.Length > BertVocabulary.MaxCharsPerWord && CodePoints(piece) > BertVocabulary.MaxCharsPerWord)
        {
            output.Add(unknownId);
            return;
        }
        int before = output.Count;
        Span<uint> hashes = stackalloc uint[Math.Min(piece.Length, maxTokenLength)];
        for (int start = 0; start < piece.Length;)
        {
            bool continuation = start > 0;
            var rest = piece[start..];
            int longest = Math.Min(rest.Length, maxTokenLength);
            uint hash = continuation ? FnvOffset ^ ContinuationSeed : FnvOffset;
            for (int k = 0; k < longest; k++) hashes[k] = hash = (hash ^ rest[k]) * FnvPrime;
            int id = -1, matched = longest;
            for (; matched > 0; matched--)
                if ((id = table.Find(rest[..matched], continuation, hashes[matched - 1])) >= 0) break;
            if (id < 0)
            {
                output.RemoveRange(before, output.Count - before);
                output.Add(unknownId);
                return;
            }
            output.Add(id);
            start += matched;
        }
    }

    static int CodePoints(ReadOnlySpan<char> text)
    {
        int count = text.Length;
        foreach (var c in text)
            if (char.IsLowSurrogate(c)) count--;
        return count;
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

    static bool IsOther(UnicodeCategory category) => category is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    static bool IsAsciiPunctuation(int c) => c is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126;

    static bool IsPunctuation(Rune rune) => rune.IsAscii ? IsAsciiPunctuation(rune.Value)
        : Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    static bool IsCjkIdeograph(int c) => c is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
        or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF
        or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>
    /// For each character below <see cref="SimpleLimit"/> that NFC keeps as it is and that is not a
    /// mark: its uncased form (lower-cased, NFD, non-spacing marks removed). Null for the rest.
    /// </summary>
    static string?[] BuildSimpleForms()
    {
        var forms = new string?[SimpleLimit];
        for (int c = 0; c < SimpleLimit; c++)
        {
            var text = ((char)c).ToString();
            var category = CharUnicodeInfo.GetUnicodeCategory((char)c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark
                || IsOther(category) || char.IsWhiteSpace((char)c) || text.Normalize(NormalizationForm.FormC) != text)
                continue;
            forms[c] = StripAccents(FullLowerCase(text));
        }
        return forms;
    }

    static byte[] BuildAsciiClasses()
    {
        var classes = new byte[128];
        for (int c = 0; c < 128; c++)
            classes[c] = c is ' ' or '\t' or '\n' or '\r' ? Space
                : c < 0x20 || c == 0x7F ? Removed
                : IsAsciiPunctuation(c) ? Punctuation
                : Word;
        return classes;
    }

    /// <summary>Open addressing over (continuation flag, UTF-16 span) keys, all chars in one pool.</summary>
    sealed class SpanTable
    {
        readonly int[] ids, offsets, lengths;
        readonly uint[] hashes;
        readonly int mask;
        char[] pool = new char[1024];
        int used;

        public SpanTable(int count)
        {
            int capacity = 16;
            while (capacity < count * 2) capacity <<= 1;
            ids = new int[capacity];
            Array.Fill(ids, -1);
            offsets = new int[capacity];
            lengths = new int[capacity];
            hashes = new uint[capacity];
            mask = capacity - 1;
        }

        static uint Hash(ReadOnlySpan<char> key, bool continuation)
        {
            uint hash = continuation ? FnvOffset ^ ContinuationSeed : FnvOffset;
            foreach (var c in key) hash = (hash ^ c) * FnvPrime;
            return hash;
        }

        // Lengths carry the continuation flag in their sign so the two key spaces never collide.
        static int Length(ReadOnlySpan<char> key, bool continuation) => continuation ? -key.Length : key.Length;

        /// <summary>Adds a key; false when it is already there (the first id is kept).</summary>
        public bool Add(ReadOnlySpan<char> key, bool continuation, int id)
        {
            uint hash = Hash(key, continuation);
            if (Find(key, continuation, hash) >= 0) return false;
            if (used + key.Length > pool.Length) Array.Resize(ref pool, Math.Max(pool.Length * 2, used + key.Length));
            key.CopyTo(pool.AsSpan(used));
            int slot = (int)hash & mask;
            while (ids[slot] >= 0) slot = (slot + 1) & mask;
            ids[slot] = id;
            offsets[slot] = used;
            lengths[slot] = Length(key, continuation);
            hashes[slot] = hash;
            used += key.Length;
            return true;
        }

        public int Find(ReadOnlySpan<char> key, bool continuation, uint hash)
        {
            int length = Length(key, continuation);
            for (int slot = (int)hash & mask; ; slot = (slot + 1) & mask)
            {
                int id = ids[slot];
                if (id < 0) return -1;
                if (hashes[slot] == hash && lengths[slot] == length && pool.AsSpan(offsets[slot], key.Length).SequenceEqual(key)) return id;
            }
        }
    }
}
