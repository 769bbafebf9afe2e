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
    public const string Pad = "[PAD]", Unknown = "[UNK]", Cls = "[CLS]", Sep = "[SEP]", Mask = "[MASK]";

    readonly BertTokenizer tokenizer;
    readonly Dictionary<string, int> ids;

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

        var text = string.Join('\n', tokens) + "\n";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        tokenizer = BertTokenizer.Create(stream, new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            RemoveNonSpacingMarks = lowerCase,
            UnknownToken = Unknown,
            ClassificationToken = Cls,
            SeparatorToken = Sep,
            MaskingToken = Mask,
            PaddingToken = Pad,
        });
    }

    public IReadOnlyList<string> Tokens { get; }
    public int Count => Tokens.Count;
    public bool LowerCase { get; }
    public string Source { get; }
    public int PadId { get; }
    public int UnknownId { get; }
    public int ClsId { get; }
    public int SepId { get; }
    public int MaskId { get; }
    public IReadOnlySet<int> SpecialIds { get; }

    public int? IdOf(string token) => ids.TryGetValue(token, out var id) ? id : null;

    /// <summary>WordPiece ids of one text, without [CLS]/[SEP].</summary>
    public IReadOnlyList<int> Encode(string text) => tokenizer.EncodeToIds(text, addSpecialTokens: false);

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

    /// <summary>Reads <c>do_lower_case</c> from a tokenizer_config.json; uncased when absent.</summary>
    public static bool ReadLowerCase(string directory)
    {
        var path = Path.Combine(directory, "tokenizer_config.json");
        if (!File.Exists(path)) return true;
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path));
            return node?["do_lower_case"]?.GetValue<bool>() ?? true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            throw new BertAdaptException("TokenizerConfigInvalid", BertAdaptErrorKind.InvalidData, $"'{path}' is not a valid tokenizer configuration: {ex.Message}", path, ex);
        }
    }
}
