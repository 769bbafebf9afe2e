using System.Buffers.Binary;
using System.Globalization;
using System.Text.RegularExpressions;
using BertAdapt.Engine.Modeling;

namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>The reader's config inference: a config.json beside the file, else sizes, heads, epsilon and activation read from the graph.</summary>
public sealed partial class OnnxBertReader
{
    // ---- Constants of the graph, for inferring the config --------------------------------

    /// <summary>The integer values of a small constant (initializer, Constant node, or Unsqueeze of one); false when not constant.</summary>
    bool TryConstantInts(string name, out long[] values, int depth = 0)
    {
        values = [];
        if (name.Length == 0 || depth > 4) return false;
        if (initializers.TryGetValue(name, out var init)) return TryReadInts(init, out values);
        if (!producers.TryGetValue(name, out var node)) return false;
        switch (node.OpType)
        {
            case "Constant":
                if (node.Attribute("value") is { Tensor: { } t }) return TryReadInts(t, out values);
                if (node.Attribute("value_ints") is { ListTruncated: false } ints) { values = [.. ints.Ints]; return true; }
                if (node.Attribute("value_int") is { Int: long i }) { values = [i]; return true; }
                return false;
            case "Unsqueeze" or "Squeeze" or "Identity" when node.Inputs.Count >= 1:
                return TryConstantInts(node.Inputs[0], out values, depth + 1);
            default:
                return false;
        }
    }

    /// <summary>The value of a float scalar constant (initializer or Constant node); false when not constant.</summary>
    bool TryConstantFloat(string name, out double value)
    {
        value = 0;
        OnnxTensor? t = null;
        if (initializers.TryGetValue(name, out var init)) t = init;
        else if (producers.TryGetValue(name, out var node) && node.OpType == "Constant")
        {
            if (node.Attribute("value_float") is { Float: float f }) { value = Shortest(f); return true; }
            t = node.Attribute("value")?.Tensor;
        }
        if (t is null || t.IsExternal || SafeTensorDTypes.ElementCount(t.Dims) != 1) return false;
        if ((OnnxDataType)t.DataType is not (OnnxDataType.Float or OnnxDataType.Float16 or OnnxDataType.BFloat16 or OnnxDataType.Double)) return false;
        var dtype = DTypeOf(Path, t);
        ValidateData(Path, t, dtype);
        Span<float> one = stackalloc float[1];
        lock (gate) DecodeFloats(t, dtype, one);
        value = dtype == SafeTensorDType.F64 ? ReadDoubleScalar(t) : Shortest(one[0]);
        return true;
    }

    double ReadDoubleScalar(OnnxTensor t)
    {
        Span<byte> bytes = stackalloc byte[8];
        if (t.Raw is { } raw)
        {
            lock (gate) file.Read(raw.Start, bytes);
            return BinaryPrimitives.ReadDoubleLittleEndian(bytes);
        }
        lock (gate) return BitConverter.Int64BitsToDouble(unchecked((long)TypedValues(t.Typed[10]).First()));
    }

    /// <summary>A float32 constant as the double its shortest decimal form names (1e-12f becomes 1e-12, not 9.9999999600419720e-13).</summary>
    static double Shortest(float value) =>
        double.Parse(value.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);

    bool TryReadInts(OnnxTensor t, out long[] values)
    {
        values = [];
        if (t.IsExternal) return false;
        var type = (OnnxDataType)t.DataType;
        if (type is not (OnnxDataType.Int64 or OnnxDataType.Int32)) return false;
        long count = SafeTensorDTypes.ElementCount(t.Dims);
        if (count > 16) return false;
        var dtype = DTypeOf(Path, t);
        ValidateData(Path, t, dtype);
        var result = new long[count];
        try
        {
            lock (gate)
            {
                if (t.Raw is { } raw)
                {
                    Span<byte> bytes = stackalloc byte[(int)raw.Length];
                    file.Read(raw.Start, bytes);
                    for (int i = 0; i < count; i++)
                        result[i] = type == OnnxDataType.Int64 ? BinaryPrimitives.ReadInt64LittleEndian(bytes[(8 * i)..]) : BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..]);
                }
                else if (count > 0)
                {
                    int i = 0;
                    foreach (var v in TypedValues(t.Typed[TypedFieldOf(dtype)]))
                        result[i++] = type == OnnxDataType.Int64 ? unchecked((long)v) : unchecked((int)(long)v);
                }
            }
        }
        catch (ProtoFormatException ex)
        {
            throw Corrupt(Path, $"while reading constant '{t.Name}': {ex.Message}", ex);
        }
        values = result;
        return true;
    }

    // ---- Config inference -----------------------------------------------------------------

    /// <summary>
    /// The model's config: <paramref name="configJsonPath"/> when given, else a
    /// <c>config.json</c> beside the .onnx file, else inferred from the graph — sizes from the
    /// weights' shapes, heads from the attention Reshape constants, LayerNorm epsilon from the
    /// LayerNormalization nodes or the constant added before Sqrt in a decomposed LayerNorm,
    /// and the activation from the GELU's form (Erf: gelu, Tanh: gelu_new).
    /// </summary>
    public BertConfig InferConfig(string? configJsonPath = null)
    {
        if (configJsonPath is not null) return BertConfig.Load(configJsonPath);
        var beside = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(Path)!, ConfigFile);
        if (File.Exists(beside)) return BertConfig.Load(beside);

        var word = Require("embeddings.word_embeddings.weight", 2, "word embeddings");
        var position = Require("embeddings.position_embeddings.weight", 2, "position embeddings");
        var tokenType = Require("embeddings.token_type_embeddings.weight", 2, "token-type embeddings");
        long hidden = word.Shape[1];
        if (position.Shape[1] != hidden || tokenType.Shape[1] != hidden)
            throw NotBert($"its embedding widths disagree (word {hidden}, position {position.Shape[1]}, token type {tokenType.Shape[1]}).");

        var layers = new SortedSet<int>();
        foreach (var name in Tensors.Keys)
        {
            var m = LayerPattern.Match(name);
            if (m.Success && int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var index)) layers.Add(index);
        }
        if (layers.Count == 0) throw NotBert("it has no encoder layers (no tensors named encoder.layer.N.*).");
        if (layers.Min != 0 || layers.Max != layers.Count - 1)
            throw NotBert($"its encoder layers are not numbered 0..{layers.Count - 1} (found {string.Join(", ", layers)}).");

        var intermediate = Tensors.TryGetValue("encoder.layer.0.intermediate.dense.bias", out var ib) && ib.Shape.Length == 1 ? ib.Shape[0]
            : Tensors.TryGetValue("encoder.layer.0.intermediate.dense.weight", out var iw) && iw.Shape.Length == 2 ? iw.Shape[0]
            : throw NotBert("it has no intermediate (feed-forward) layer encoder.layer.0.intermediate.dense.");

        int heads = InferHeads(hidden) ?? throw new BertAdaptException(ConfigIncompleteErrorId, BertAdaptErrorKind.InvalidData,
            $"ONNX file '{Path}': the number of attention heads cannot be read from the graph (no Reshape to [.., .., heads, head_size] "
            + $"with heads × head_size = {hidden}). Put the model's {ConfigFile} (with num_attention_heads) in the same folder as the .onnx file and import again.", Path);

        var config = new BertConfig
        {
            VocabSize = checked((int)word.Shape[0]),
            HiddenSize = checked((int)hidden),
            NumHiddenLayers = layers.Count,
            NumAttentionHeads = heads,
            IntermediateSize = checked((int)intermediate),
            MaxPositionEmbeddings = checked((int)position.Shape[0]),
            TypeVocabSize = checked((int)tokenType.Shape[0]),
            LayerNormEps = InferLayerNormEps() ?? DefaultLayerNormEps,
            HiddenAct = InferActivation(),
            Architectures = ["BertModel"],
        };
        config.Validate($"inferred from '{Path}'");
        return config;
    }

    static readonly Regex LayerPattern = new(@"^encoder\.layer\.(\d+)\.", RegexOptions.CultureInvariant);

    SourceTensor Require(string name, int rank, string what)
    {
        if (!Tensors.TryGetValue(name, out var t))
            throw NotBert($"it has no {what} ('{name}').");
        if (t.Shape.Length != rank)
            throw NotBert($"its {what} '{name}' has shape [{string.Join(", ", t.Shape)}], not rank {rank}.");
        return t;
    }

    BertAdaptException NotBert(string why) => new(NotBertErrorId, BertAdaptErrorKind.InvalidData,
        $"ONNX file '{Path}' does not look like a BERT encoder: {why}", Path);

    /// <summary>
    /// The attention heads, from the Reshape nodes that split a projection into
    /// [batch, length, heads, head_size]: the shape is a constant, or a Concat of dynamic
    /// dimensions and constants. The most frequent head count wins; null when no Reshape shows one.
    /// </summary>
    int? InferHeads(long hidden)
    {
        var votes = new Dictionary<long, int>();
        foreach (var node in graph.Nodes)
        {
            if (node.OpType != "Reshape" || node.Inputs.Count < 2) continue;
            var shape = ResolveShape(node.Inputs[1]);
            if (shape is not { Count: 4 } || shape[2] is not long heads || heads <= 0) continue;
            bool fits = shape[3] switch
            {
                long size when size > 0 => heads * size == hidden,
                -1 => hidden % heads == 0,
                _ => false,
            };
            if (fits) votes[heads] = votes.GetValueOrDefault(heads) + 1;
        }
        if (votes.Count == 0) return null;
        return checked((int)votes.OrderByDescending(v => v.Value).ThenBy(v => v.Key).First().Key);
    }

    /// <summary>A shape tensor's values with null for dynamic entries, or null when its length is unknown.</summary>
    List<long?>? ResolveShape(string name)
    {
        if (TryConstantInts(name, out var values)) return [.. values.Select(v => (long?)v)];
        if (!producers.TryGetValue(name, out var node) || node.OpType != "Concat") return null;
        var shape = new List<long?>();
        foreach (var input in node.Inputs)
        {
            if (TryConstantInts(input, out var piece)) shape.AddRange(piece.Select(v => (long?)v));
            else if (producers.TryGetValue(input, out var p) && p.OpType == "Unsqueeze") shape.Add(null); // one dynamic dimension
            else return null;
            if (shape.Count > 16) return null;
        }
        return shape;
    }

    /// <summary>
    /// LayerNorm epsilon: the epsilon attribute of LayerNormalization nodes (ONNX's default 1e-5
    /// when absent), or in a decomposed LayerNorm the scalar added to the ReduceMean of the squared
    /// deviations before Sqrt. The most frequent value wins; null when the graph shows none.
    /// </summary>
    double? InferLayerNormEps()
    {
        var votes = new Dictionary<double, int>();
        foreach (var node in graph.Nodes)
        {
            if (node.OpType is "LayerNormalization" or "SkipLayerNormalization")
            {
                double eps = node.Attribute("epsilon")?.Float is float f ? Shortest(f) : 1e-5;
                votes[eps] = votes.GetValueOrDefault(eps) + 1;
            }
            else if (node.OpType == "Sqrt" && node.Inputs.Count == 1
                && producers.TryGetValue(node.Inputs[0], out var add) && add.OpType == "Add" && add.Inputs.Count == 2)
            {
                for (int side = 0; side < 2; side++)
                {
                    if (producers.TryGetValue(add.Inputs[side], out var mean) && mean.OpType == "ReduceMean"
                        && TryConstantFloat(add.Inputs[1 - side], out var eps) && eps > 0)
                        votes[eps] = votes.GetValueOrDefault(eps) + 1;
                }
            }
        }
        if (votes.Count == 0) return null;
        return votes.OrderByDescending(v => v.Value).ThenBy(v => v.Key).First().Key;
    }

    /// <summary>
    /// The hidden activation: exact GELU (an Erf, or a Gelu op without tanh approximation) is
    /// "gelu"; the tanh approximation (FastGelu, Gelu approximate=tanh, or a Tanh fed by a Mul
    /// rather than by the pooler's dense layer) is "gelu_new"; Relu alone is "relu".
    /// </summary>
    string InferActivation()
    {
        bool exact = false, tanh = false, relu = false;
        foreach (var node in graph.Nodes)
        {
            switch (node.OpType)
            {
                case "Erf" or "BiasGelu":
                    exact = true;
                    break;
                case "Gelu":
                    if (node.Attribute("approximate")?.String == "tanh") tanh = true;
                    else exact = true;
                    break;
                case "FastGelu":
                    tanh = true;
                    break;
                case "Tanh" when node.Inputs.Count == 1 && producers.TryGetValue(node.Inputs[0], out var input) && input.OpType == "Mul":
                    tanh = true;
                    break;
                case "Relu":
                    relu = true;
                    break;
            }
        }
        return exact ? "gelu" : tanh ? "gelu_new" : relu ? "relu" : "gelu";
    }
}
