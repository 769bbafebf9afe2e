using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// Finds a checkpoint's WordPiece vocabulary: <c>vocab.txt</c>, or else the vocabulary inside a
/// fast tokenizer's <c>tokenizer.json</c>, with the tokenizer options that
/// <see cref="TokenizerOptionsReader"/> reads from <c>tokenizer_config.json</c> and <c>tokenizer.json</c>.
/// </summary>
public static class TokenizerFiles
{
    public const string TokenizerJsonFile = "tokenizer.json", TokenizerConfigFile = "tokenizer_config.json";

    /// <summary>
    /// The vocabulary of <paramref name="directory"/>. An option BertAdapt cannot honour is
    /// TokenizerOptionUnsupported, or, when <paramref name="unsupported"/> is given, told to it
    /// and left at BERT's default.
    /// </summary>
    /// <param name="lowerCaseWithoutFiles">Whether to lower-case when neither tokenizer_config.json nor tokenizer.json says (BERT's default is yes).</param>
    public static BertVocabulary LoadVocabulary(string directory, Action<string>? unsupported = null, bool? lowerCaseWithoutFiles = null)
    {
        var vocabPath = Path.Combine(directory, HfCheckpointDirectory.VocabularyFile);
        var jsonPath = Path.Combine(directory, TokenizerJsonFile);
        var configPath = Path.Combine(directory, TokenizerConfigFile);
        var config = File.Exists(configPath) ? ParseJson(configPath, "TokenizerConfigInvalid") : null;
        var json = File.Exists(jsonPath) ? ParseJson(jsonPath, "TokenizerJsonInvalid") : null;
        if (!File.Exists(vocabPath) && json is null)
            throw new BertAdaptException("VocabularyNotFound", BertAdaptErrorKind.ObjectNotFound,
                $"'{directory}' has neither vocab.txt nor tokenizer.json.", directory);
        // The vocabulary first, so that a tokenizer.json that is not WordPiece says so before any option of it is judged.
        string? text = File.Exists(vocabPath) ? null : ReadFastTokenizer(json, jsonPath);
        var settings = TokenizerOptionsReader.Read(config, configPath, json, jsonPath, unsupported);
        if (config is null && json is null && lowerCaseWithoutFiles is bool lowerCase) settings = settings with { LowerCase = lowerCase };
        return text is null ? BertVocabulary.Load(vocabPath, settings) : BertVocabulary.FromText(text, settings, jsonPath);
    }

    /// <summary>The WordPiece vocabulary of a tokenizer.json, as vocab.txt text ordered by id.</summary>
    static string ReadFastTokenizer(JsonNode? root, string path)
    {
        var model = root?["model"];
        if (model is not JsonObject || model["type"] is not JsonValue type || !type.TryGetValue<string>(out var name) || name != "WordPiece"
            || model["vocab"] is not JsonObject vocab)
            throw Invalid("TokenizerJsonInvalid", path, "its model is not a WordPiece vocabulary", null);
        var tokens = new string?[vocab.Count];
        foreach (var (token, value) in vocab)
        {
            if (value is not JsonValue number || !number.TryGetValue<int>(out int id))
                throw Invalid("TokenizerJsonInvalid", path, $"the id of '{token}' is not an integer", null);
            if (id < 0 || id >= tokens.Length || tokens[id] is not null)
                throw Invalid("TokenizerJsonInvalid", path, $"token ids are not 0..{tokens.Length - 1}, each once ('{token}' has {id})", null);
            tokens[id] = token;
        }
        var text = new StringBuilder();
        foreach (var token in tokens) text.Append(token).Append('\n');
        return text.ToString();
    }

    /// <summary>
    /// The file's JSON object. Its objects are walked once here, because System.Text.Json finds a
    /// duplicate key only when an object is first used (an ArgumentException then, far from here).
    /// </summary>
    static JsonNode? ParseJson(string path, string errorId)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw Invalid(errorId, path, ex.Message, ex);
        }
        if (root is not JsonObject)
            throw Invalid(errorId, path, $"it holds a JSON {root?.GetValueKind().ToString().ToLowerInvariant() ?? "null"}, not an object", null);
        try
        {
            Visit(root);
        }
        catch (ArgumentException ex)
        {
            throw Invalid(errorId, path, $"a key appears twice in one object ({ex.Message})", ex);
        }
        catch (InvalidOperationException ex)
        {
            // JSON may escape half of a surrogate pair ("\ud800"); it parses, but is no string .NET can read.
            throw Invalid(errorId, path, $"a key or string holds half of a UTF-16 surrogate pair, which is no text ({ex.Message})", ex);
        }
        return root;

        // Every key and string is read once here too: a half surrogate pair throws only when it is read.
        static void Visit(JsonNode? node)
        {
            if (node is JsonObject obj) foreach (var (_, value) in obj) Visit(value);
            else if (node is JsonArray array) foreach (var item in array) Visit(item);
            else if (node is JsonValue value && value.GetValueKind() == JsonValueKind.String) value.GetValue<string>();
        }
    }

    internal static BertAdaptException Invalid(string errorId, string path, string why, Exception? inner) =>
        new(errorId, BertAdaptErrorKind.InvalidData, $"'{path}' is not a valid tokenizer file: {why}.", path, inner);
}
