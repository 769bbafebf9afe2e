using System.Globalization;

namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>One dimension of a graph input or output: a fixed size, or a named dynamic axis (dim_param).</summary>
readonly record struct OnnxDim(long Size, string? Name)
{
    public static implicit operator OnnxDim(long size) => new(size, null);
    public static implicit operator OnnxDim(string name) => new(0, name);
}

/// <summary>
/// A tensor stored in the graph (an initializer): its header, and a callback that writes its
/// <see cref="ByteLength"/> bytes of little-endian data when the file is written, so that no
/// weight is copied into memory before then.
/// </summary>
sealed record OnnxInitializer(string Name, OnnxDataType Type, long[] Dims, long ByteLength, Action<Stream> WriteData)
{
    /// <summary>The TensorProto's fields before raw_data, and raw_data's key and length.</summary>
    public byte[] Header() => ProtoWriter.Message(w =>
    {
        foreach (var d in Dims) w.Int64(OnnxFields.TensorDims, d);
        w.Int64(OnnxFields.TensorDataType, (long)Type);
        w.String(OnnxFields.TensorName, Name);
        w.LengthPrefix(OnnxFields.TensorRawData, ByteLength);
    });
}

/// <summary>
/// Collects an ONNX graph as it is described, node by node: each node is encoded as it is added
/// (nodes are small), initializers are kept as headers with deferred data, and every value gets
/// a unique name. <see cref="OnnxModelWriter"/> writes the result. Nodes must be added in an
/// order where each one's inputs already exist, which ONNX requires of a graph.
/// </summary>
sealed class OnnxGraphBuilder(string name)
{
    readonly List<byte[]> nodes = [];
    readonly List<OnnxInitializer> initializers = [];
    readonly List<byte[]> inputs = [];
    readonly List<byte[]> outputs = [];
    readonly HashSet<string> names = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> constants = new(StringComparer.Ordinal);
    int nextValue;

    public string Name { get; } = name;
    public IReadOnlyList<byte[]> Nodes => nodes;
    public IReadOnlyList<OnnxInitializer> Initializers => initializers;
    public IReadOnlyList<byte[]> Inputs => inputs;
    public IReadOnlyList<byte[]> Outputs => outputs;

    /// <summary>A graph input; returns its name.</summary>
    public string Input(string valueName, OnnxDataType type, params OnnxDim[] dims)
    {
        Claim(valueName);
        inputs.Add(ValueInfo(valueName, type, dims));
        return valueName;
    }

    /// <summary>Declares an existing value (named by <see cref="Node"/> with an output name) a graph output.</summary>
    public void Output(string valueName, OnnxDataType type, params OnnxDim[] dims) => outputs.Add(ValueInfo(valueName, type, dims));

    /// <summary>
    /// Adds a node of the default (ai.onnx) domain; returns the name of its one output, which is
    /// <paramref name="output"/> when given (a graph output's name) and a fresh name otherwise.
    /// Attribute values are long, float, string or long[].
    /// </summary>
    public string Node(string op, string[] nodeInputs, string? output = null, params (string Name, object Value)[] attributes)
    {
        var result = output ?? Fresh(op);
        if (output is not null) Claim(output);
        var nodeName = $"{op}_{nodes.Count.ToString(CultureInfo.InvariantCulture)}";
        nodes.Add(ProtoWriter.Message(w =>
        {
            foreach (var input in nodeInputs) w.String(OnnxFields.NodeInput, input);
            w.String(OnnxFields.NodeOutput, result);
            w.String(OnnxFields.NodeName, nodeName);
            w.String(OnnxFields.NodeOpType, op);
            foreach (var (attributeName, value) in attributes) w.Message(OnnxFields.NodeAttribute, a => WriteAttribute(a, attributeName, value));
        }));
        return result;
    }

    /// <summary>An initializer whose data <paramref name="writeData"/> writes later; returns its name.</summary>
    public string Initializer(string tensorName, OnnxDataType type, long[] dims, Action<Stream> writeData)
    {
        Claim(tensorName);
        long elements = dims.Aggregate(1L, (a, d) => checked(a * d));
        long size = type switch
        {
            OnnxDataType.Float => 4,
            OnnxDataType.Int64 => 8,
            _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Only float32 and int64 initializers are written."),
        };
        initializers.Add(new OnnxInitializer(tensorName, type, dims, checked(elements * size), writeData));
        return tensorName;
    }

    /// <summary>A float32 scalar constant (one initializer per distinct value).</summary>
    public string Scalar(float value) =>
        Constant($"f:{BitConverter.SingleToInt32Bits(value)}", $"const_f_{constants.Count}", OnnxDataType.Float, [], BitConverter.GetBytes(value));

    /// <summary>An int64 vector constant, such as a Reshape's target shape or an Unsqueeze's axes.</summary>
    public string Int64s(params long[] values) =>
        Constant($"i:{string.Join(",", values)}", $"const_i_{constants.Count}", OnnxDataType.Int64, [values.Length], values.SelectMany(BitConverter.GetBytes).ToArray());

    /// <summary>An int64 scalar constant (a Gather index that drops its axis).</summary>
    public string Int64Scalar(long value) =>
        Constant($"is:{value}", $"const_is_{constants.Count}", OnnxDataType.Int64, [], BitConverter.GetBytes(value));

    string Constant(string key, string tensorName, OnnxDataType type, long[] dims, byte[] data)
    {
        if (constants.TryGetValue(key, out var existing)) return existing;
        Initializer(tensorName, type, dims, s => s.Write(data));
        constants[key] = tensorName;
        return tensorName;
    }

    string Fresh(string op)
    {
        string candidate;
        do candidate = $"{op}_out_{(nextValue++).ToString(CultureInfo.InvariantCulture)}";
        while (!names.Add(candidate));
        return candidate;
    }

    void Claim(string valueName)
    {
        if (!names.Add(valueName)) throw new InvalidOperationException($"The graph already has a value named '{valueName}'.");
    }

    static byte[] ValueInfo(string valueName, OnnxDataType type, OnnxDim[] dims) => ProtoWriter.Message(w =>
    {
        w.String(OnnxFields.ValueInfoName, valueName);
        w.Message(OnnxFields.ValueInfoType, t => t.Message(OnnxFields.TypeTensor, tensor =>
        {
            tensor.Int64(OnnxFields.TensorTypeElemType, (long)type);
            tensor.Message(OnnxFields.TensorTypeShape, shape =>
            {
                foreach (var dim in dims)
                    shape.Message(OnnxFields.ShapeDim, d =>
                    {
                        if (dim.Name is { } param) d.String(OnnxFields.DimParam, param);
                        else d.Int64(OnnxFields.DimValue, dim.Size);
                    });
            });
        }));
    });

    static void WriteAttribute(ProtoWriter w, string attributeName, object value)
    {
        w.String(OnnxFields.AttrName, attributeName);
        switch (value)
        {
            case long i:
                w.Int64(OnnxFields.AttrType, OnnxFields.AttributeInt);
                w.Int64(OnnxFields.AttrInt, i);
                break;
            case float f:
                w.Int64(OnnxFields.AttrType, OnnxFields.AttributeFloat);
                w.Float(OnnxFields.AttrFloat, f);
                break;
            case string s:
                w.Int64(OnnxFields.AttrType, OnnxFields.AttributeString);
                w.String(OnnxFields.AttrString, s);
                break;
            case long[] ints:
                w.Int64(OnnxFields.AttrType, OnnxFields.AttributeInts);
                foreach (var i in ints) w.Int64(OnnxFields.AttrInts, i);
                break;
            default:
                throw new ArgumentException($"Attribute '{attributeName}' has a value of type {value.GetType().Name}, which is not written.", nameof(value));
        }
    }
}
