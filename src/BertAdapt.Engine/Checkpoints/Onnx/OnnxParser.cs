namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>
/// Walks an ONNX ModelProto (onnx.proto, IR version 3 and later) and keeps what a BERT import
/// needs: the main graph's nodes with their attributes, its initializers (header fields and
/// the location of their data), and the graph's input and output names. Everything else —
/// doc strings, value_info, functions, subgraphs in attributes — is stepped over unread.
/// </summary>
static class OnnxParser
{
    /// <summary>More dimensions than any real tensor has; a larger rank is taken as corruption.</summary>
    public const int MaxRank = 64;

    /// <summary>Attribute lists (ints, floats) are kept up to this many values.</summary>
    public const int MaxAttributeValues = 4096;

    // ModelProto
    const int ModelIrVersion = 1, ModelProducerName = 2, ModelGraph = 7, ModelOpsetImport = 8;
    // OperatorSetIdProto
    const int OpsetDomain = 1, OpsetVersion = 2;
    // GraphProto
    const int GraphNode = 1, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12, GraphSparseInitializer = 15;
    // ValueInfoProto
    const int ValueInfoName = 1;
    // NodeProto
    const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5, NodeDomain = 7;
    // AttributeProto
    const int AttrName = 1, AttrFloat = 2, AttrInt = 3, AttrString = 4, AttrTensor = 5, AttrFloats = 7, AttrInts = 8, AttrType = 20;
    // TensorProto
    const int TensorDims = 1, TensorDataType = 2, TensorSegment = 3, TensorFloatData = 4, TensorInt32Data = 5,
        TensorStringData = 6, TensorInt64Data = 7, TensorName = 8, TensorRawData = 9, TensorDoubleData = 10,
        TensorUInt64Data = 11, TensorExternalData = 13, TensorDataLocation = 14;
    // StringStringEntryProto
    const int EntryKey = 1, EntryValue = 2;

    public static OnnxGraph Parse(ProtoFile file)
    {
        var graph = new OnnxGraph();
        var cursor = new ProtoCursor(file, 0, file.Length);
        bool sawIrVersion = false, sawGraph = false;
        while (cursor.HasMore)
        {
            var (field, wire) = cursor.ReadTag();
            switch (field)
            {
                case ModelIrVersion:
                    cursor.Expect(field, wire, WireType.Varint, "ir_version");
                    graph.IrVersion = cursor.ReadInt64();
                    sawIrVersion = true;
                    break;
                case ModelProducerName:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "producer_name");
                    graph.ProducerName = cursor.ReadString();
                    break;
                case ModelOpsetImport:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "opset_import");
                    ReadOpset(cursor.ReadMessage(), graph);
                    break;
                case ModelGraph:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "graph");
                    if (sawGraph) throw new ProtoFormatException("the model has more than one graph field.", cursor.Position);
                    sawGraph = true;
                    ReadGraph(cursor.ReadMessage(), graph);
                    break;
                default:
                    cursor.Skip(wire);
                    break;
            }
        }
        if (!sawIrVersion || !sawGraph)
            throw new ProtoFormatException(
                $"it is not an ONNX model (no {(sawIrVersion ? "graph" : "ir_version")} field at the top level).", 0);
        return graph;
    }

    static void ReadOpset(ProtoCursor cursor, OnnxGraph graph)
    {
        string domain = "";
        long version = 0;
        while (cursor.HasMore)
        {
            var (field, wire) = cursor.ReadTag();
            if (field == OpsetDomain && wire == WireType.LengthDelimited) domain = cursor.ReadString();
            else if (field == OpsetVersion && wire == WireType.Varint) version = cursor.ReadInt64();
            else cursor.Skip(wire);
        }
        graph.Opsets[domain] = version;
    }

    static void ReadGraph(ProtoCursor cursor, OnnxGraph graph)
    {
        while (cursor.HasMore)
        {
            var (field, wire) = cursor.ReadTag();
            switch (field)
            {
                case GraphNode:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "node");
                    graph.Nodes.Add(ReadNode(cursor.ReadMessage()));
                    break;
                case GraphInitializer:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "initializer");
                    graph.Initializers.Add(ReadTensor(cursor.ReadMessage()));
                    break;
                case GraphInput:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "input");
                    graph.Inputs.Add(ReadValueInfoName(cursor.ReadMessage()));
                    break;
                case GraphOutput:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "output");
                    graph.Outputs.Add(ReadValueInfoName(cursor.ReadMessage()));
                    break;
                case GraphSparseInitializer:
                    cursor.Skip(wire);
                    graph.SparseInitializerCount++;
                    break;
                default:
                    cursor.Skip(wire);
                    break;
            }
        }
    }

    static string ReadValueInfoName(ProtoCursor cursor)
    {
        string name = "";
        while (cursor.HasMore)
        {
            var (field, wire) = cursor.ReadTag();
            if (field == ValueInfoName && wire == WireType.LengthDelimited) name = cursor.ReadString();
            else cursor.Skip(wire);
        }
        return name;
    }

    static OnnxNode ReadNode(ProtoCursor cursor)
    {
        var node = new OnnxNode();
        while (cursor.HasMore)
        {
            var (field, wire) = cursor.ReadTag();
            switch (field)
            {
                case NodeInput:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "node input");
                    node.Inputs.Add(cursor.ReadString());
                    break;
                case NodeOutput:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "node output");
                    node.Outputs.Add(cursor.ReadString());
                    break;
                case NodeName:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "node name");
                    node.Name = cursor.ReadString();
                    break;
                case NodeOpType:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "op_type");
                    node.OpType = cursor.ReadString();
                    break;
                case NodeDomain:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "node domain");
                    node.Domain = cursor.ReadString();
                    break;
                case NodeAttribute:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "attribute");
                    node.Attributes.Add(ReadAttribute(cursor.ReadMessage()));
                    break;
                default:
                    cursor.Skip(wire);
                    break;
            }
        }
        return node;
    }

    static OnnxAttribute ReadAttribute(ProtoCursor cursor)
    {
        var attribute = new OnnxAttribute();
        while (cursor.HasMore)
        {
            var (field, wire) = cursor.ReadTag();
            switch (field)
            {
                case AttrName:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "attribute name");
                    attribute.Name = cursor.ReadString();
                    break;
                case AttrType:
                    cursor.Expect(field, wire, WireType.Varint, "attribute type");
                    attribute.Type = cursor.ReadInt32();
                    break;
                case AttrFloat:
                    cursor.Expect(field, wire, WireType.Fixed32, "attribute f");
                    attribute.Float = cursor.ReadFloat();
                    break;
                case AttrInt:
                    cursor.Expect(field, wire, WireType.Varint, "attribute i");
                    attribute.Int = cursor.ReadInt64();
                    break;
                case AttrString:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "attribute s");
                    // Only short strings (modes such as Gelu's approximate) matter; longer ones are stepped over.
                    var (sStart, sLength) = cursor.ReadLengthDelimited();
                    if (sLength <= 4096) attribute.String = cursor.Sub(sStart, sLength).TryDecodeRest();
                    break;
                case AttrTensor:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "attribute t");
                    attribute.Tensor = ReadTensor(cursor.ReadMessage());
                    break;
                case AttrFloats:
                    if (wire == WireType.Fixed32) AddLimited(attribute, attribute.Floats, cursor.ReadFloat());
                    else
                    {
                        cursor.Expect(field, wire, WireType.LengthDelimited, "attribute floats");
                        var packed = cursor.ReadMessage();
                        while (packed.HasMore) AddLimited(attribute, attribute.Floats, packed.ReadFloat());
                    }
                    break;
                case AttrInts:
                    if (wire == WireType.Varint) AddLimited(attribute, attribute.Ints, cursor.ReadInt64());
                    else
                    {
                        cursor.Expect(field, wire, WireType.LengthDelimited, "attribute ints");
                        var packed = cursor.ReadMessage();
                        while (packed.HasMore) AddLimited(attribute, attribute.Ints, packed.ReadInt64());
                    }
                    break;
                default:
                    cursor.Skip(wire);
                    break;
            }
        }
        return attribute;
    }

    static void AddLimited<T>(OnnxAttribute attribute, List<T> list, T value)
    {
        if (list.Count < MaxAttributeValues) list.Add(value);
        else attribute.ListTruncated = true;
    }

    public static OnnxTensor ReadTensor(ProtoCursor cursor)
    {
        var tensor = new OnnxTensor { Offset = cursor.Position };
        while (cursor.HasMore)
        {
            long keyStart = cursor.Position;
            var (field, wire) = cursor.ReadTag();
            switch (field)
            {
                case TensorDims:
                    if (wire == WireType.Varint) AddDim(tensor, ref cursor);
                    else
                    {
                        cursor.Expect(field, wire, WireType.LengthDelimited, "dims");
                        var packed = cursor.ReadMessage();
                        while (packed.HasMore) AddDim(tensor, ref packed);
                    }
                    break;
                case TensorDataType:
                    cursor.Expect(field, wire, WireType.Varint, "data_type");
                    tensor.DataType = cursor.ReadInt32();
                    break;
                case TensorSegment:
                    tensor.HasSegment = true;
                    cursor.Skip(wire);
                    break;
                case TensorName:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "tensor name");
                    tensor.Name = cursor.ReadString();
                    break;
                case TensorRawData:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "raw_data");
                    tensor.Raw = cursor.ReadLengthDelimited(); // a later occurrence replaces an earlier one, as protobuf merges scalars
                    break;
                case TensorFloatData:
                    AddTyped(tensor, ref cursor, keyStart, field, wire, WireType.Fixed32);
                    break;
                case TensorInt32Data:
                case TensorInt64Data:
                case TensorUInt64Data:
                    AddTyped(tensor, ref cursor, keyStart, field, wire, WireType.Varint);
                    break;
                case TensorDoubleData:
                    AddTyped(tensor, ref cursor, keyStart, field, wire, WireType.Fixed64);
                    break;
                case TensorStringData:
                    tensor.HasStringData = true;
                    cursor.Skip(wire);
                    break;
                case TensorExternalData:
                    cursor.Expect(field, wire, WireType.LengthDelimited, "external_data");
                    tensor.IsExternal = true;
                    var (key, value) = ReadEntry(cursor.ReadMessage());
                    if (key == "location") tensor.ExternalLocation = value;
                    break;
                case TensorDataLocation:
                    cursor.Expect(field, wire, WireType.Varint, "data_location");
                    if (cursor.ReadInt64() == 1) tensor.IsExternal = true;
                    break;
                default:
                    cursor.Skip(wire);
                    break;
            }
        }
        return tensor;
    }

    static void AddDim(OnnxTensor tensor, ref ProtoCursor cursor)
    {
        long at = cursor.Position;
        long dim = cursor.ReadInt64();
        if (tensor.Dims.Count >= MaxRank)
            throw new ProtoFormatException($"a tensor has more than {MaxRank} dimensions.", at);
        tensor.Dims.Add(dim);
    }

    /// <summary>
    /// Records one occurrence of a repeated numeric field: a packed payload, or one unpacked value
    /// (merged with the previous one when the two are adjacent, so a long unpacked list is one region).
    /// </summary>
    static void AddTyped(OnnxTensor tensor, ref ProtoCursor cursor, long keyStart, int field, WireType wire, WireType elementWire)
    {
        if (!tensor.Typed.TryGetValue(field, out var data))
            tensor.Typed[field] = data = new TypedData(field, elementWire);

        if (wire == WireType.LengthDelimited)
        {
            long at = cursor.Position;
            var (start, length) = cursor.ReadLengthDelimited();
            long count = elementWire switch
            {
                WireType.Fixed32 => length % 4 == 0 ? length / 4 : throw new ProtoFormatException($"packed field {field} has {length} bytes, not a multiple of 4.", at),
                WireType.Fixed64 => length % 8 == 0 ? length / 8 : throw new ProtoFormatException($"packed field {field} has {length} bytes, not a multiple of 8.", at),
                _ => CountVarints(cursor.Sub(start, length)),
            };
            data.Regions.Add(new DataRegion(start, length, Packed: true));
            data.Count += count;
            data.UnpackedEnd = -1;
            return;
        }

        if (wire != elementWire)
            throw new ProtoFormatException($"field {field} of a tensor has wire type {(int)wire}, expected {(int)elementWire}.", cursor.Position);
        // The region of an unpacked run starts at the first key, so reading it back re-reads each key.
        cursor.Skip(wire);
        long end = cursor.Position;
        if (data.UnpackedEnd == keyStart && data.Regions.Count > 0 && !data.Regions[^1].Packed)
        {
            var last = data.Regions[^1];
            data.Regions[^1] = last with { Length = end - last.Start };
        }
        else
        {
            data.Regions.Add(new DataRegion(keyStart, end - keyStart, Packed: false));
        }
        data.UnpackedEnd = end;
        data.Count++;
    }

    /// <summary>Counts the varints in a packed payload.</summary>
    static long CountVarints(ProtoCursor packed)
    {
        long count = 0;
        while (packed.HasMore)
        {
            packed.ReadVarint();
            count++;
        }
        return count;
    }

    static (string Key, string Value) ReadEntry(ProtoCursor cursor)
    {
        string key = "", value = "";
        while (cursor.HasMore)
        {
            var (field, wire) = cursor.ReadTag();
            if (field == EntryKey && wire == WireType.LengthDelimited) key = cursor.ReadString();
            else if (field == EntryValue && wire == WireType.LengthDelimited) value = cursor.ReadString();
            else cursor.Skip(wire);
        }
        return (key, value);
    }
}
