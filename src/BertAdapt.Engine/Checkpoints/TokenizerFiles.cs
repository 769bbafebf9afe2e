using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// Finds a checkpoint's WordPiece vocabulary: <c>vocab.txt</c>, or else the vocabulary inside a
/// fast tokenizer's <c>tokenizer.json</c>. Lower-casing comes from <c>tokenizer_config.json</c>'s
/// <c>do_lower_case</c>, else from <c>tokenizer.json</c>'s normaliser, else true (as in Hugging Face).
/// </summary>
public static class TokenizerFiles
{
    public const string TokenizerJsonFile = "tokenizer.json", TokenizerConfigFile = "tokenizer_config.json";

    public static BertVocabulary LoadVocabulary(string directory)
    {
        var vocabPath = Path.Combine(directory, HfCheckpointDirectory.VocabularyFile);
        var jsonPath = Path.Combine(directory, TokenizerJsonFile);
        bool? lowerCase = ExplicitLowerCase(directory);
        if (File.Exists(vocabPath))
            return BertVocabulary.Load(vocabPath, lowerCase ?? (File.Exists(jsonPath) ? ReadFastTokenizer(jsonPath).LowerCase : null) ?? true);
        if (File.Exists(jsonPath))
        {
            var (text, jsonLowerCase) = ReadFastTokenizer(jsonPath);
            return BertVocabulary.FromText(text, lowerCase ?? jsonLowerCase ?? true, jsonPath);
        }
        throw new BertAdaptException("VocabularyNotFound", BertAdaptErrorKind.ObjectNotFound,
            $"'{directory}' has neither vocab.txt nor tokenizer.json.", directory);
    }

    static bool? ExplicitLowerCase(string directory)
    {
        var path = Path.Combine(directory, TokenizerConfigFile);
        if (!File.Exists(path)) return null;
        var node = ParseJson(path, "TokenizerConfigInvalid");
        try
        {
            return node?["do_lower_case"]?.GetValue<bool>();
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException)
        {
            throw Invalid("TokenizerConfigInvalid", path, "do_lower_case is not true or false", ex);
        }
    }

    /// <summary>The WordPiece vocabulary of a tokenizer.json, as vocab.txt text ordered by id.</summary>
    static (string Text, bool? LowerCase) ReadFastTokenizer(string path)
    {
        var root = ParseJson(path, "TokenizerJsonInvalid");
        var model = root?["model"];
        if (model?["type"]?.GetValue<string>() is not "WordPiece" || model["vocab"] is not JsonObject vocab)
            throw Invalid("TokenizerJsonInvalid", path, "its model is not a WordPiece vocabulary", null);
        var tokens = new string?[vocab.Count];
        foreach (var (token, value) in vocab)
        {
            int id;
            try { id = value!.GetValue<int>(); }
            catch (Exception ex) when (ex is InvalidOperationException or FormatException or NullReferenceException)
            {
                throw Invalid("TokenizerJsonInvalid", path, $"the id of '{token}' is not an integer", ex);
            }
            if (id < 0 || id >= tokens.Length || tokens[id] is not null)
                throw Invalid("TokenizerJsonInvalid", path, $"token ids are not 0..{tokens.Length - 1}, each once ('{token}' has {id})", null);
            tokens[id] = token;
        }
        var text = new StringBuilder();
        foreach (var token in tokens) text.Append(token).Append('\n');
        bool? lowerCase = null;
        try { lowerCase = root!["normalizer"]?["lowercase"]?.GetValue<bool>(); }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException) { }
        return (text.ToString(), lowerCase);
    }

    static JsonNode? ParseJson(string path, string errorId)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw Invalid(errorId, path, ex.Message, ex);
        }
    }

    static BertAdaptException Invalid(string errorId, string path, string why, Exception? inner) =>
        new(errorId, BertAdaptErrorKind.InvalidData, $"'{path}' is not a valid tokenizer file: {why}.", path, inner);
}
