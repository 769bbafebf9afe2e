namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>The element types of ONNX's TensorProto.DataType that matter here, by their wire values.</summary>
enum OnnxDataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>
/// A run of one repeated numeric field of a TensorProto: either one packed field (the payload
/// bytes) or consecutive unpacked occurrences of the field (each a key then a value).
/// </summary>
readonly record struct DataRegion(long Start, long Length, bool Packed);

/// <summary>The values of one repeated numeric field of a TensorProto, by reference into the file.</summary>
sealed class TypedData(int field, WireType elementWire)
{
    public int Field { get; } = field;

    /// <summary>How one element is encoded: Fixed32 (float), Fixed64 (double) or Varint (integers).</summary>
    public WireType ElementWire { get; } = elementWire;

    public List<DataRegion> Regions { get; } = [];
    public long Count { get; set; }

    /// <summary>Where the last unpacked occurrence ended, so an adjacent one extends the same region.</summary>
    public long UnpackedEnd { get; set; } = -1;
}

/// <summary>
/// One TensorProto as parsed: its header fields, and where its data lies in the file (never
/// the data itself).
/// </summary>
sealed class OnnxTensor
{
    public string Name { get; set; } = "";
    public int DataType { get; set; }
    public List<long> Dims { get; } = [];

    /// <summary>The raw_data payload, when the tensor has one.</summary>
    public (long Start, long Length)? Raw { get; set; }

    /// <summary>The typed repeated fields present (float_data, int32_data, int64_data, double_data, uint64_data), by field number.</summary>
    public Dictionary<int, TypedData> Typed { get; } = [];

    public bool HasStringData { get; set; }
    public bool HasSegment { get; set; }

    /// <summary>data_location = EXTERNAL, or external_data entries present.</summary>
    public bool IsExternal { get; set; }
    public string? ExternalLocation { get; set; }

    /// <summary>Where the message starts in the file (for messages).</summary>
    public long Offset { get; set; }
}

/// <summary>One AttributeProto. Lists are kept only up to <see cref="OnnxParser.MaxAttributeValues"/> values.</summary>
sealed class OnnxAttribute
{
    public string Name { get; set; } = "";
    public int Type { get; set; }
    public float? Float { get; set; }
    public long? Int { get; set; }
    public string? String { get; set; }
    public OnnxTensor? Tensor { get; set; }
    public List<float> Floats { get; } = [];
    public List<long> Ints { get; } = [];

    /// <summary>The list held more values than were kept.</summary>
    public bool ListTruncated { get; set; }
}

/// <summary>One NodeProto.</summary>
sealed class OnnxNode
{
    public string Name { get; set; } = "";
    public string OpType { get; set; } = "";
    public string Domain { get; set; } = "";
    public List<string> Inputs { get; } = [];
    public List<string> Outputs { get; } = [];
    public List<OnnxAttribute> Attributes { get; } = [];

    public OnnxAttribute? Attribute(string name)
    {
        foreach (var a in Attributes) if (a.Name == name) return a;
        return null;
    }

    public override string ToString() => $"{OpType}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)}";
}

/// <summary>The parts of a ModelProto and its main GraphProto that reading weights and inferring a config need.</summary>
sealed class OnnxGraph
{
    public long IrVersion { get; set; }
    public string ProducerName { get; set; } = "";
    public Dictionary<string, long> Opsets { get; } = new(StringComparer.Ordinal);
    public List<OnnxNode> Nodes { get; } = [];
    public List<OnnxTensor> Initializers { get; } = [];
    public List<string> Inputs { get; } = [];
    public List<string> Outputs { get; } = [];
    public int SparseInitializerCount { get; set; }
}
