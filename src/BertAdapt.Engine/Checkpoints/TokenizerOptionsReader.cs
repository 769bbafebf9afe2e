using System.Text.Json.Nodes;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// Reads the basic tokenizer's options of a checkpoint, with Hugging Face's meanings: from
/// tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars, never_split,
/// do_basic_tokenize, do_split_on_punc), else from tokenizer.json's BertNormalizer (lowercase,
/// strip_accents, handle_chinese_chars, clean_text) and pre-tokenizer, else Hugging Face's
/// defaults. tokenizer_config.json wins where both say something, as BertTokenizerFast rebuilds
/// its normaliser from it. An option that cannot be honoured is TokenizerOptionUnsupported,
/// naming it, or, given <c>unsupported</c>, told to it and left at its default.
/// </summary>
internal static class TokenizerOptionsReader
{
    public const string UnsupportedId = "TokenizerOptionUnsupported";

    /// <summary>The pre-tokenizers that cut as BERT's basic tokenizer can: at whitespace and punctuation, or at whitespace only.</summary>
    static readonly Dictionary<string, bool> PreTokenizerSplitsPunctuation = new(StringComparer.Ordinal)
    {
        ["BertPreTokenizer"] = true,
        ["WhitespaceSplit"] = false,
    };

    public static BasicTokenizerSettings Read(JsonNode? config, string? configPath, JsonNode? fastTokenizer, string? jsonPath, Action<string>? unsupported)
    {
        var settings = BasicTokenizerSettings.Default;
        if (fastTokenizer is JsonObject json) settings = FromFastTokenizer(json, jsonPath!, settings, unsupported);
        if (config is JsonObject tokenizerConfig) settings = FromConfig(tokenizerConfig, configPath!, settings);
        return settings;
    }

    static BasicTokenizerSettings FromConfig(JsonObject config, string path, BasicTokenizerSettings settings)
    {
        if (Flag(config, "do_lower_case", path, "TokenizerConfigInvalid") is { } lowerCase) settings = settings with { LowerCase = lowerCase };
        if (config.ContainsKey("strip_accents")) settings = settings with { StripAccents = Flag(config, "strip_accents", path, "TokenizerConfigInvalid") };
        if (Flag(config, "tokenize_chinese_chars", path, "TokenizerConfigInvalid") is { } chinese) settings = settings with { SplitChineseCharacters = chinese };
        if (Flag(config, "do_basic_tokenize", path, "TokenizerConfigInvalid") is { } basic) settings = settings with { BasicTokenize = basic };
        if (Flag(config, "do_split_on_punc", path, "TokenizerConfigInvalid") is { } punctuation) settings = settings with { SplitOnPunctuation = punctuation };
        switch (config["never_split"])
        {
            case null:
                break;
            case JsonArray words when words.All(w => w is JsonValue v && v.TryGetValue<string>(out _)):
                settings = settings with { NeverSplit = words.Select(w => w!.GetValue<string>()).ToList() };
                break;
            default:
                throw TokenizerFiles.Invalid("TokenizerConfigInvalid", path, "never_split is not a list of strings", null);
        }
        return settings;
    }

    static BasicTokenizerSettings FromFastTokenizer(JsonObject root, string path, BasicTokenizerSettings settings, Action<string>? unsupported)
    {
        void Refuse(string option, string why)
        {
            var message = $"'{path}' asks for {option}, which BertAdapt's BERT tokenizer cannot honour: {why}.";
            if (unsupported is null)
                throw new BertAdaptException(UnsupportedId, BertAdaptErrorKind.NotImplemented, message + " Use -Force to import it with BERT's default for that option.", path);
            unsupported(message + " BERT's default is used instead.");
        }

        if (root.TryGetPropertyValue("normalizer", out var normalizer))
        {
            var type = TypeOf(normalizer);
            if (type != "BertNormalizer") Refuse($"the normalizer {type}", "only BertNormalizer is supported");
            else
            {
                var bert = (JsonObject)normalizer!;
                if (Flag(bert, "clean_text", path, "TokenizerJsonInvalid") == false)
                    Refuse("normalizer.clean_text = false", "control characters are always removed");
                if (Flag(bert, "lowercase", path, "TokenizerJsonInvalid") is { } lowerCase) settings = settings with { LowerCase = lowerCase };
                if (bert.ContainsKey("strip_accents")) settings = settings with { StripAccents = Flag(bert, "strip_accents", path, "TokenizerJsonInvalid") };
                if (Flag(bert, "handle_chinese_chars", path, "TokenizerJsonInvalid") is { } chinese) settings = settings with { SplitChineseCharacters = chinese };
            }
        }
        if (root.TryGetPropertyValue("pre_tokenizer", out var preTokenizer))
        {
            var type = TypeOf(preTokenizer);
            if (PreTokenizerSplitsPunctuation.TryGetValue(type, out var punctuation)) settings = settings with { SplitOnPunctuation = punctuation };
            else Refuse($"the pre_tokenizer {type}", "only BertPreTokenizer and WhitespaceSplit are supported");
        }
        if (root["model"] is JsonObject model)
        {
            if (model["continuing_subword_prefix"] is JsonValue prefix && prefix.TryGetValue<string>(out var text) && text != "##")
                Refuse($"model.continuing_subword_prefix = \"{text}\"", "WordPiece continuations are \"##\"");
            if (model["max_input_chars_per_word"] is JsonValue limit && limit.TryGetValue<int>(out var chars) && chars != BertVocabulary.MaxCharsPerWord)
                Refuse($"model.max_input_chars_per_word = {chars}", $"words over {BertVocabulary.MaxCharsPerWord} characters are [UNK]");
        }
        return settings;
    }

    static string TypeOf(JsonNode? node) => node switch
    {
        null => "null (none)",
        JsonObject o when o["type"] is JsonValue v && v.TryGetValue<string>(out var type) => type,
        _ => "without a type",
    };

    /// <summary>A true/false option; null when absent or null; anything else is <paramref name="errorId"/>.</summary>
    static bool? Flag(JsonObject node, string name, string path, string errorId)
    {
        var value = node[name];
        if (value is null) return null;
        if (value is JsonValue v && v.TryGetValue<bool>(out var flag)) return flag;
        throw TokenizerFiles.Invalid(errorId, path, $"{name} is not true, false or null", null);
    }
}
