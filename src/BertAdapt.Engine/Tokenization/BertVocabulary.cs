using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

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
    /// The tokenizer options (issue 13) need no new version: the default ones cut text as before,
    /// and any other is part of the vocabulary fingerprint, and so of the key. 3: a token on two
    /// lines of the vocabulary has the later line's id (it had the first's).
    /// </summary>
    public const int TokenizerVersion = 3;

    public const string Pad = "[PAD]", Unknown = "[UNK]", Cls = "[CLS]", Sep = "[SEP]", Mask = "[MASK]";

    /// <summary>Words longer than this many code points become [UNK], as in Hugging Face's WordPiece.</summary>
    public const int MaxCharsPerWord = 100;

    readonly Dictionary<string, int> ids;

    BertVocabulary(IReadOnlyList<string> tokens, BasicTokenizerSettings settings, string source)
    {
        Tokens = tokens;
        TextSettings = settings with { SpecialTokens = [] };
        Source = source;
        ids = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        // A token on two lines has the later line's id, as Hugging Face's load_vocab (a dict
        // assigned line by line) and its fast tokenizer give it; the earlier row is never used.
        for (int i = 0; i < tokens.Count; i++) ids[tokens[i]] = i;
        int Require(string token) => ids.TryGetValue(token, out var id) ? id
            : throw new BertAdaptException("VocabularyInvalid", BertAdaptErrorKind.InvalidData,
                $"The vocabulary {source} has no {token} token.", source);
        PadId = Require(Pad);
        UnknownId = Require(Unknown);
        ClsId = Require(Cls);
        SepId = Require(Sep);
        MaskId = Require(Mask);
        SpecialIds = new HashSet<int>([PadId, UnknownId, ClsId, SepId, MaskId]);

        Encoder = new WordPieceEncoder(tokens, TextSettings, Unknown, [Pad, Unknown, Cls, Sep, Mask]);
    }

    /// <summary>
    /// Every token in id order. Internal so that ConvertTo-Json of a model, which walks public
    /// properties, does not write 30,000 tokens; read one with the indexer.
    /// </summary>
    internal IReadOnlyList<string> Tokens { get; }

    /// <summary>The token with this id.</summary>
    public string this[int id] => Tokens[id];

    public int Count => Tokens.Count;
    public bool LowerCase => TextSettings.LowerCase;

    /// <summary>
    /// How text is cut before WordPiece (do_lower_case, strip_accents, tokenize_chinese_chars,
    /// never_split, do_basic_tokenize, do_split_on_punc), without the special tokens, which the
    /// vocabulary decides.
    /// </summary>
    internal BasicTokenizerSettings TextSettings { get; }
    public string Source { get; }
    public int PadId { get; }
    public int UnknownId { get; }
    public int ClsId { get; }
    public int SepId { get; }
    public int MaskId { get; }
    public IReadOnlySet<int> SpecialIds { get; }

    /// <summary>A summary (a model's Export-Csv row shows it in the Vocabulary column).</summary>
    public override string ToString() => $"{Count} tokens ({(LowerCase ? "uncased" : "cased")}{TextSettings.Summary()}) from {Source}";

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
    /// The splitting is <see cref="BasicTokenizer"/>'s and the normalisation
    /// <see cref="BertNormalization"/>'s, which the offset tokenizer of inference and the
    /// vocabulary tools use too. Lower-casing is Unicode's per-character full mapping (so "İ"
    /// becomes "i̇" and then "i"), as Hugging Face's fast tokenizer does; its Python tokenizer
    /// additionally turns a word-final capital sigma into "ς", which this does not.
    /// </remarks>
    public IReadOnlyList<int> Encode(string text) => Encoder.Encode(text);

    /// <summary>The encoder behind <see cref="Encode"/>, and through it the basic tokenizer every splitter of text uses.</summary>
    internal WordPieceEncoder Encoder { get; }

    public static BertVocabulary Load(string path, bool lowerCase = true) =>
        Load(path, BasicTokenizerSettings.Default with { LowerCase = lowerCase });

    internal static BertVocabulary Load(string path, BasicTokenizerSettings settings)
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
        return FromText(text, settings, $"'{path}'");
    }

    public static BertVocabulary FromText(string text, bool lowerCase, string source) =>
        FromText(text, BasicTokenizerSettings.Default with { LowerCase = lowerCase }, source);

    internal static BertVocabulary FromText(string text, BasicTokenizerSettings settings, string source)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var lines = text.Split('\n');
        int count = lines.Length;
        if (count > 0 && lines[^1].Length == 0) count--; // final newline
        var tokens = new string[count];
        for (int i = 0; i < count; i++) tokens[i] = lines[i].TrimEnd('\r');
        if (tokens.Length == 0)
            throw new BertAdaptException("VocabularyInvalid", BertAdaptErrorKind.InvalidData, $"The vocabulary {source} is empty.", source);
        return new BertVocabulary(tokens, settings, source);
    }

    /// <summary>
    /// Writes vocab.txt, tokenizer_config.json (with every tokenizer option, so that importing the
    /// directory again tokenizes alike) and special_tokens_map.json into a directory.
    /// </summary>
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
            ["strip_accents"] = TextSettings.StripAccents,
            ["tokenize_chinese_chars"] = TextSettings.SplitChineseCharacters,
            ["do_basic_tokenize"] = TextSettings.BasicTokenize,
            ["do_split_on_punc"] = TextSettings.SplitOnPunctuation,
            ["never_split"] = TextSettings.NeverSplit.Count == 0 ? null : new JsonArray(TextSettings.NeverSplit.Select(w => (JsonNode?)w).ToArray()),
            ["model_max_length"] = 512,
            ["cls_token"] = Cls, ["mask_token"] = Mask, ["pad_token"] = Pad, ["sep_token"] = Sep, ["unk_token"] = Unknown,
        };
        var options = new JsonSerializerOptions { WriteIndented = true };
        File.WriteAllText(Path.Combine(directory, "special_tokens_map.json"), special.ToJsonString(options) + "\n");
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config.ToJsonString(options) + "\n");
    }
}
