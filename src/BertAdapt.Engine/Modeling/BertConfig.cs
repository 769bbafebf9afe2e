using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace BertAdapt.Engine.Modeling;

/// <summary>
/// The model's shape, with Hugging Face's <c>config.json</c> field names. Fields this class does
/// not model are kept in <see cref="Extra"/> so a round trip through BertAdapt loses nothing.
/// </summary>
public sealed class BertConfig
{
    [JsonPropertyName("vocab_size")] public int VocabSize { get; set; } = 30522;
    [JsonPropertyName("hidden_size")] public int HiddenSize { get; set; } = 768;
    [JsonPropertyName("num_hidden_layers")] public int NumHiddenLayers { get; set; } = 12;
    [JsonPropertyName("num_attention_heads")] public int NumAttentionHeads { get; set; } = 12;
    [JsonPropertyName("intermediate_size")] public int IntermediateSize { get; set; } = 3072;
    [JsonPropertyName("hidden_act")] public string HiddenAct { get; set; } = "gelu";
    [JsonPropertyName("hidden_dropout_prob")] public double HiddenDropoutProb { get; set; } = 0.1;
    [JsonPropertyName("attention_probs_dropout_prob")] public double AttentionProbsDropoutProb { get; set; } = 0.1;
    [JsonPropertyName("max_position_embeddings")] public int MaxPositionEmbeddings { get; set; } = 512;
    [JsonPropertyName("type_vocab_size")] public int TypeVocabSize { get; set; } = 2;
    [JsonPropertyName("initializer_range")] public double InitializerRange { get; set; } = 0.02;
    [JsonPropertyName("layer_norm_eps")] public double LayerNormEps { get; set; } = 1e-12;
    [JsonPropertyName("pad_token_id")] public int PadTokenId { get; set; }
    [JsonPropertyName("position_embedding_type")] public string PositionEmbeddingType { get; set; } = "absolute";
    [JsonPropertyName("model_type")] public string ModelType { get; set; } = "bert";
    [JsonPropertyName("architectures")] public List<string>? Architectures { get; set; }
    /// <summary>Class names by id ("0", "1", ...), as Hugging Face stores them for a fine-tuned head.</summary>
    [JsonPropertyName("id2label")] public Dictionary<string, string>? Id2Label { get; set; }
    [JsonPropertyName("label2id")] public Dictionary<string, int>? Label2Id { get; set; }
    /// <summary>single_label_classification, multi_label_classification or regression (sequence heads).</summary>
    [JsonPropertyName("problem_type")] public string? ProblemType { get; set; }
    /// <summary>Dropout before the classifier; hidden_dropout_prob when null.</summary>
    [JsonPropertyName("classifier_dropout")] public double? ClassifierDropout { get; set; }

    /// <summary>Every other field of config.json, kept verbatim.</summary>
    /// <remarks>Internal: ConvertTo-Json would write each JsonElement as its ValueKind.</remarks>
    [JsonExtensionData, JsonInclude] internal Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>The preset this shape came from, when it came from one (not written to config.json).</summary>
    [JsonIgnore] public string? Preset { get; set; }

    /// <summary>Each attention head's width (derived, so not written to config.json).</summary>
    [JsonIgnore] public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>The class names in id order (empty when the config has no id2label).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Labels => Id2Label is null ? []
        : Enumerable.Range(0, Id2Label.Count).Select(i => Id2Label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)]).ToList();

    /// <summary>Sets id2label and label2id from class names in id order.</summary>
    public void SetLabels(IReadOnlyList<string> labels)
    {
        Id2Label = labels.Select((l, i) => (l, i)).ToDictionary(p => p.i.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.l);
        Label2Id = labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i);
    }

    public static IReadOnlyList<string> PresetNames { get; } = ["tiny", "mini", "small", "medium", "base", "large"];

    /// <summary>
    /// The published compact BERT sizes (Turc et al., 2019: tiny L2/H128, mini L4/H256,
    /// small L4/H512, medium L8/H512) and BERT-base / BERT-large. Heads are H/64, FFN 4H.
    /// </summary>
    public static BertConfig FromPreset(string preset, int vocabSize)
    {
        (int layers, int hidden) = preset.ToLowerInvariant() switch
        {
            "tiny" => (2, 128),
            "mini" => (4, 256),
            "small" => (4, 512),
            "medium" => (8, 512),
            "base" => (12, 768),
            "large" => (24, 1024),
            _ => throw new BertAdaptException("UnknownPreset", BertAdaptErrorKind.InvalidArgument,
                $"Unknown preset '{preset}'. Use one of: {string.Join(", ", PresetNames)}."),
        };
        var config = new BertConfig
        {
            VocabSize = vocabSize,
            HiddenSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = hidden / 64,
            IntermediateSize = 4 * hidden,
            Preset = preset.ToLowerInvariant(),
        };
        config.Validate("preset " + preset);
        return config;
    }

    static readonly JsonSerializerOptions ReadOptions = new()
    {
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    };

    static readonly JsonSerializerOptions WriteOptions = new()
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static BertConfig Parse(string json, string source)
    {
        BertConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<BertConfig>(json, ReadOptions);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is long line ? $" (line {line + 1})" : "";
            throw new BertAdaptException("ConfigInvalid", BertAdaptErrorKind.InvalidData,
                $"The model configuration {source} is not valid JSON for a BERT config{where}: {ex.Message}", source, ex);
        }
        if (config is null)
            throw new BertAdaptException("ConfigInvalid", BertAdaptErrorKind.InvalidData, $"The model configuration {source} is empty.", source);
        config.Validate(source);
        return config;
    }

    public static BertConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new BertAdaptException("ConfigNotFound", BertAdaptErrorKind.ObjectNotFound, $"The model configuration '{path}' does not exist.", path);
        return Parse(File.ReadAllText(path), $"'{path}'");
    }

    /// <summary>The config.json keys this class models (the ones a hand-written config may use).</summary>
    public static IReadOnlyList<string> Keys { get; } = typeof(BertConfig).GetProperties()
        .Select(p => p.GetCustomAttributes(typeof(JsonPropertyNameAttribute), false).OfType<JsonPropertyNameAttribute>().FirstOrDefault()?.Name)
        .OfType<string>().ToList();

    /// <summary>
    /// Builds a config from loose key/value pairs written by hand (a PowerShell hashtable) by way
    /// of JSON. Unlike a checkpoint's config.json, which carries many keys BERT does not use, a
    /// key this class does not model is a misspelling here, and refused with the nearest key.
    /// </summary>
    public static BertConfig FromDictionary(IDictionary<string, object?> values, string source)
    {
        foreach (var key in values.Keys)
        {
            if (Keys.Contains(key, StringComparer.Ordinal)) continue;
            var hint = Keys.FirstOrDefault(k => k.Equals(key, StringComparison.OrdinalIgnoreCase)) is string cased
                ? $"Did you mean '{cased}'? Keys are case-sensitive, as in config.json."
                : NearMiss.Hint(key, Keys, "The keys are");
            throw new BertAdaptException("ConfigKeyUnknown", BertAdaptErrorKind.InvalidArgument,
                $"The model configuration {source} has the unknown key '{key}'. {hint}", key);
        }
        var node = new JsonObject();
        foreach (var (key, value) in values)
        {
            if (value is double d && !double.IsFinite(d) || value is float f && !float.IsFinite(f))
                throw new BertAdaptException("ConfigInvalid", BertAdaptErrorKind.InvalidData,
                    $"The model configuration {source} is not usable: {key} is {value}, which config.json cannot hold.", key);
            node[key] = value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType());
        }
        return Parse(node.ToJsonString(), source);
    }

    public string ToJson(IEnumerable<string>? architectures = null)
    {
        var copy = (BertConfig)MemberwiseClone();
        if (architectures is not null) copy.Architectures = [.. architectures];
        // Hugging Face's save_pretrained writes json.dumps(sort_keys=True): every object's keys in order.
        var sorted = SortKeys(JsonSerializer.SerializeToNode(copy, WriteOptions)!);
        return sorted.ToJsonString(WriteOptions) + "\n";
    }

    static JsonNode SortKeys(JsonNode node) => node switch
    {
        JsonObject obj => new JsonObject(obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : SortKeys(p.Value.DeepClone())))),
        JsonArray array => new JsonArray([.. array.Select(item => item is null ? null : SortKeys(item.DeepClone()))]),
        _ => node.DeepClone(),
    };

    /// <summary>The config as one line of JSON (config.json's content), so a model's Export-Csv row keeps it whole.</summary>
    public override string ToString() => JsonSerializer.Serialize(this, CompactOptions);

    static readonly JsonSerializerOptions CompactOptions = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public BertConfig Clone()
    {
        var json = JsonSerializer.Serialize(this, WriteOptions);
        var clone = JsonSerializer.Deserialize<BertConfig>(json, ReadOptions)!;
        clone.Preset = Preset;
        return clone;
    }

    /// <summary>Rejects shapes the model cannot be built from, naming the field.</summary>
    public void Validate(string source)
    {
        void Fail(string why) => throw new BertAdaptException("ConfigInvalid", BertAdaptErrorKind.InvalidData,
            $"The model configuration {source} is not usable: {why}", source);

        if (!string.Equals(ModelType, "bert", StringComparison.OrdinalIgnoreCase)) Fail($"model_type is '{ModelType}', expected 'bert'.");
        if (VocabSize <= 0) Fail("vocab_size must be positive.");
        if (HiddenSize <= 0) Fail("hidden_size must be positive.");
        if (NumHiddenLayers <= 0) Fail("num_hidden_layers must be positive.");
        if (NumAttentionHeads <= 0) Fail("num_attention_heads must be positive.");
        if (HiddenSize % NumAttentionHeads != 0) Fail($"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}.");
        if (IntermediateSize <= 0) Fail("intermediate_size must be positive.");
        if (MaxPositionEmbeddings <= 0) Fail("max_position_embeddings must be positive.");
        if (TypeVocabSize <= 0) Fail("type_vocab_size must be positive.");
        if (InitializerRange <= 0 || double.IsNaN(InitializerRange)) Fail("initializer_range must be positive.");
        if (LayerNormEps <= 0 || double.IsNaN(LayerNormEps)) Fail("layer_norm_eps must be positive.");
        if (HiddenDropoutProb is < 0 or >= 1 || AttentionProbsDropoutProb is < 0 or >= 1) Fail("dropout probabilities must be in [0, 1).");
        if (PadTokenId < 0 || PadTokenId >= VocabSize) Fail($"pad_token_id {PadTokenId} is outside the vocabulary.");
        if (PositionEmbeddingType != "absolute") Fail($"position_embedding_type '{PositionEmbeddingType}' is not supported (only 'absolute').");
        if (Activation.Parse(HiddenAct) is null) Fail($"hidden_act '{HiddenAct}' is not supported (gelu, gelu_new, gelu_pytorch_tanh, relu).");
        if (ClassifierDropout is < 0 or >= 1) Fail("classifier_dropout must be in [0, 1).");
        if (ProblemType is not (null or "single_label_classification" or "multi_label_classification" or "regression"))
            Fail($"problem_type '{ProblemType}' is not one of single_label_classification, multi_label_classification, regression.");
        if (Id2Label is not null)
        {
            for (int i = 0; i < Id2Label.Count; i++)
                if (!Id2Label.ContainsKey(i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                    Fail($"id2label must have the keys 0 to {Id2Label.Count - 1}; '{i}' is missing.");
        }
    }
}
