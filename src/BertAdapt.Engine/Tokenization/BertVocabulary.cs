using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Tokenizers;

namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// A WordPiece vocabulary (vocab.txt) and the BERT tokenizer over it. Ids are line numbers,
/// exactly as Hugging Face reads vocab.txt.
/// </summary>
public sealed class BertVocabulary
{
    /// <summary>
    /// Changes whenever <see cref="Encode"/> can give different ids for the same text and
    /// vocabulary; it is part of the token cache key, so cached shards from an older tokenizer
    /// are rebuilt rather than reused. 2: Hugging Face's text splitting done here (issue 3).
    /// </summary>
    public const int TokenizerVersion = 2;

    public const string Pad = "[PAD]", Unknown = "[UNK]", Cls = "[CLS]", Sep = "[SEP]", Mask = "[MASK]";

    /// <summary>Words longer than this many code points become [UNK], as in Hugging Face's WordPiece.</summary>
    public const int MaxCharsPerWord = 100;

    readonly BertTokenizer tokenizer;
    readonly Dictionary<string, int> ids;
    readonly (string Token, int Id)[] specials;

    BertVocabulary(IReadOnlyList<string> tokens, bool lowerCase, string source)
    {
        Tokens = tokens;
        LowerCase = lowerCase;
        Source = source;
        ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++) ids.TryAdd(tokens[i], i);
        int Require(string token) => ids.TryGetValue(token, out var id) ? id
            : throw new BertAdaptException("VocabularyInvalid", BertAdaptErrorKind.InvalidData,
                $"The vocabulary {source} has no {token} token.", source);
        PadId = Require(Pad);
        UnknownId = Require(Unknown);
        ClsId = Require(Cls);
        SepId = Require(Sep);
        MaskId = Require(Mask);
        SpecialIds = new HashSet<int>([PadId, UnknownId, ClsId, SepId, MaskId]);

        specials = [(Pad, PadId), (Unknown, UnknownId), (Cls, ClsId), (Sep, SepId), (Mask, MaskId)];
        Encoder = new WordPieceEncoder(tokens, lowerCase, Unknown, [Pad, Unknown, Cls, Sep, Mask]);

        // Microsoft.ML.Tokenizers only matches pieces here. Its own basic tokenization differs from
        // Hugging Face's (it drops symbols such as $ ^ < > = and currency signs, splits at format
        // characters instead of removing them, keeps Hangul syllables composed, drops CJK ideographs
        // outside the BMP) and it counts the word-length limit in UTF-16 units, so Encode does those
        // steps itself and hands it one piece at a time.
        var text = string.Join('\n', tokens) + "\n";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        tokenizer = BertTokenizer.Create(stream, new BertOptions
        {
            ApplyBasicTokenization = false,
            LowerCaseBeforeTokenization = false,
            RemoveNonSpacingMarks = false,
            IndividuallyTokenizeCjk = false,
            SplitOnSpecialTokens = false,
            MaxInputCharsPerWord = 2 * MaxCharsPerWord, // the real limit, in code points, is checked before
            UnknownToken = Unknown,
            ClassificationToken = Cls,
            SeparatorToken = Sep,
            MaskingToken = Mask,
            PaddingToken = Pad,
        });
    }

    /// <summary>
    /// Every token in id order. Internal so that ConvertTo-Json of a model, which walks public
    /// properties, does not write 30,000 tokens; read one with the indexer.
    /// </summary>
    internal IReadOnlyList<string> Tokens { get; }

    /// <summary>The token with this id.</summary>
    public string this[int id] => Tokens[id];

    public int Count => Tokens.Count;
    public bool LowerCase { get; }
    public string Source { get; }
    public int PadId { get; }
    public int UnknownId { get; }
    public int ClsId { get; }
    public int SepId { get; }
    public int MaskId { get; }
    public IReadOnlySet<int> SpecialIds { get; }

    /// <summary>A summary (a model's Export-Csv row shows it in the Vocabulary column).</summary>
    public override string ToString() => $"{Count} tokens ({(LowerCase ? "uncased" : "cased")}) from {Source}";

    public int? IdOf(string token) => ids.TryGetValue(token, out var id) ? id : null;

    /// <summary>
    /// WordPiece ids of one text, without [CLS]/[SEP], by the rules of Hugging Face's BertTokenizer:
    /// special tokens written in the text (exactly, e.g. "[MASK]") are split out first; the rest is
    /// cleaned (NUL, U+FFFD and every "C*"-category character except tab, CR and LF removed, other
    /// whitespace made a space), CJK ideographs become words of their own, each word is composed
    /// (NFC), an uncased vocabulary lower-cases it and strips accents (NFD, non-spacing marks
    /// removed), punctuation splits it, and each piece is matched greedily longest-first with "##"
    /// continuations. A piece of more than <see cref="MaxCharsPerWord"/> code points, or with any
    /// part the vocabulary lacks, is one [UNK].
    /// </summary>
    /// <remarks>
    /// Lower-casing is Unicode's per-character full mapping (so "İ" becomes "i̇" and then "i"), as
    /// Hugging Face's fast tokenizer does; its Python tokenizer additionally turns a word-final
    /// capital sigma into "ς", which this does not.
    /// </remarks>
    public IReadOnlyList<int> Encode(string text) => Encoder.Encode(text);

    /// <summary>The encoder behind <see cref="Encode"/>, and through it the basic tokenizer every splitter of text uses.</summary>
    internal WordPieceEncoder Encoder { get; }

    /// <summary>
    /// The same ids as <see cref="Encode"/> by a second implementation: the text splitting above
    /// done here step by step, and Microsoft.ML.Tokenizers matching the pieces. Encode uses the
    /// allocation-light <see cref="WordPieceEncoder"/> (several times faster); the parity tests
    /// hold the two, and FastBertTokenizer, to the same ids.
    /// </summary>
    internal IReadOnlyList<int> EncodeReference(string text)
    {
        var output = new List<int>(text.Length / 3 + 4);
        var word = new StringBuilder();
        int segment = 0, from = 0;
        while (from < text.Length)
        {
            int at = text.IndexOf('[', from);
            if (at < 0) break;
            int special = SpecialAt(text, at);
            if (special < 0)
            {
                from = at + 1;
                continue;
            }
            BasicTokenize(text.AsSpan(segment, at - segment), word, output);
            output.Add(specials[special].Id);
            segment = from = at + specials[special].Token.Length;
        }
        BasicTokenize(text.AsSpan(segment), word, output);
        return output;
    }

    int SpecialAt(string text, int at)
    {
        for (int i = 0; i < specials.Length; i++)
            if (text.AsSpan(at).StartsWith(specials[i].Token, StringComparison.Ordinal)) return i;
        return -1;
    }

    void BasicTokenize(ReadOnlySpan<char> text, StringBuilder word, List<int> output)
    {
        bool ascii = true;
        void Flush()
        {
            if (word.Length > 0) Word(word, ascii, output);
            word.Clear();
            ascii = true;
        }

        for (int i = 0; i < text.Length;)
        {
            char c = text[i];
            if (c < 0x80)
            {
                i++;
                if (c is ' ' or '\t' or '\n' or '\r') Flush();
                else if (c >= 0x20 && c != 0x7F) word.Append(c); // other ASCII controls are removed, not split on
                continue;
            }
            Rune.DecodeFromUtf16(text[i..], out var rune, out int used); // an unpaired surrogate decodes as U+FFFD
            i += used;
            var category = Rune.GetUnicodeCategory(rune);
            if (rune.Value == 0xFFFD || IsOther(category)) continue;
            // Zs is Hugging Face's whitespace; Python's str.split() then also splits at U+2028/U+2029.
            if (category is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                Flush();
                continue;
            }
            if (IsCjkIdeograph(rune.Value))
            {
                Flush();
                AppendRune(word, rune);
                ascii = false;
                Flush();
                continue;
            }
            AppendRune(word, rune);
            ascii = false;
        }
        Flush();
    }

    void Word(StringBuilder word, bool ascii, List<int> output)
    {
        if (ascii)
        {
            // ASCII is already composed and has no accents; lower-casing it stays ASCII.
            Span<char> chars = word.Length <= 256 ? stackalloc char[word.Length] : new char[word.Length];
            word.CopyTo(0, chars, word.Length);
            if (LowerCase)
                for (int i = 0; i < chars.Length; i++)
                    if (chars[i] is >= 'A' and <= 'Z') chars[i] = (char)(chars[i] | 0x20);
            SplitAndMatch(chars, output);
            return;
        }
        var text = word.ToString().Normalize(NormalizationForm.FormC);
        if (LowerCase) text = StripAccents(FullLowerCase(text));
        SplitAndMatch(text, output);
    }

    void SplitAndMatch(ReadOnlySpan<char> word, List<int> output)
    {
        int start = 0;
        for (int i = 0; i < word.Length;)
        {
            Rune.DecodeFromUtf16(word[i..], out var rune, out int used);
            if (IsPunctuation(rune))
            {
                Match(word[start..i], output);
                Match(word.Slice(i, used), output);
                start = i + used;
            }
            i += used;
        }
        Match(word[start..], output);
    }

    void Match(ReadOnlySpan<char> piece, List<int> output)
    {
        if (piece.IsEmpty) return;
        if (piece.Length > MaxCharsPerWord && CodePoints(piece) > MaxCharsPerWord)
        {
            output.Add(UnknownId);
            return;
        }
        output.AddRange(tokenizer.EncodeToIds(piece, addSpecialTokens: false, considerPreTokenization: false, considerNormalization: false));
    }

    static int CodePoints(ReadOnlySpan<char> text)
    {
        int count = text.Length;
        foreach (var c in text)
            if (char.IsLowSurrogate(c)) count--;
        return count;
    }

    static void AppendRune(StringBuilder builder, Rune rune)
    {
        Span<char> chars = stackalloc char[2];
        builder.Append(chars[..rune.EncodeToUtf16(chars)]);
    }

    static string FullLowerCase(string text)
    {
        var builder = new StringBuilder(text.Length + 4);
        foreach (var rune in text.EnumerateRunes())
        {
            // The one unconditional multi-character lower-case mapping, which .NET's invariant casing leaves out.
            if (rune.Value == 0x130) builder.Append("i\u0307");
            else AppendRune(builder, Rune.ToLowerInvariant(rune));
        }
        return builder.ToString();
    }

    static string StripAccents(string text)
    {
        var decomposed = text.Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        foreach (var rune in decomposed.EnumerateRunes())
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark) AppendRune(builder, rune);
        return builder.ToString();
    }

    static bool IsOther(UnicodeCategory category) => BertCharacters.IsOther(category);

    static bool IsPunctuation(Rune rune) => BertCharacters.IsPunctuation(rune);

    static bool IsCjkIdeograph(int c) => BertCharacters.IsCjkIdeograph(c);

    public static BertVocabulary Load(string path, bool lowerCase = true)
    {
        if (!File.Exists(path))
            throw new BertAdaptException("VocabularyNotFound", BertAdaptErrorKind.ObjectNotFound, $"The vocabulary file '{path}' does not exist.", path);
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(File.ReadAllBytes(path));
        }
        catch (DecoderFallbackException ex)
        {
            throw new BertAdaptException("VocabularyInvalid", BertAdaptErrorKind.InvalidData, $"The vocabulary file '{path}' is not valid UTF-8.", path, ex);
        }
        return FromText(text, lowerCase, $"'{path}'");
    }

    public static BertVocabulary FromText(string text, bool lowerCase, string source)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var lines = text.Split('\n');
        int count = lines.Length;
        if (count > 0 && lines[^1].Length == 0) count--; // final newline
        var tokens = new string[count];
        for (int i = 0; i < count; i++) tokens[i] = lines[i].TrimEnd('\r');
        if (tokens.Length == 0)
            throw new BertAdaptException("VocabularyInvalid", BertAdaptErrorKind.InvalidData, $"The vocabulary {source} is empty.", source);
        return new BertVocabulary(tokens, lowerCase, source);
    }

    /// <summary>Writes vocab.txt, tokenizer_config.json and special_tokens_map.json into a directory.</summary>
    public void Save(string directory)
    {
        File.WriteAllText(Path.Combine(directory, "vocab.txt"), string.Join('\n', Tokens) + "\n", new UTF8Encoding(false));
        var special = new JsonObject
        {
            ["cls_token"] = Cls, ["mask_token"] = Mask, ["pad_token"] = Pad, ["sep_token"] = Sep, ["unk_token"] = Unknown,
        };
        var config = new JsonObject
        {
            ["tokenizer_class"] = "BertTokenizer",
            ["do_lower_case"] = LowerCase,
            ["strip_accents"] = null,
            ["tokenize_chinese_chars"] = true,
            ["model_max_length"] = 512,
            ["cls_token"] = Cls, ["mask_token"] = Mask, ["pad_token"] = Pad, ["sep_token"] = Sep, ["unk_token"] = Unknown,
        };
        var options = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(directory, "special_tokens_map.json"), special.ToJsonString(options) + "\n");
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString(options) + "\n");
    }
}
