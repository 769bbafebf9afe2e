namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>
/// The field numbers of onnx.proto's messages that an export writes, and the AttributeProto
/// type codes. <see cref="OnnxParser"/> reads the same numbers.
/// </summary>
static class OnnxFields
{
    // ModelProto
    public const int ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelGraph = 7,
        ModelOpsetImport = 8, ModelMetadataProps = 14;
    // OperatorSetIdProto
    public const int OpsetDomain = 1, OpsetVersion = 2;
    // StringStringEntryProto
    public const int EntryKey = 1, EntryValue = 2;
    // GraphProto
    public const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;
    // NodeProto
    public const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    // AttributeProto
    public const int AttrName = 1, AttrFloat = 2, AttrInt = 3, AttrString = 4, AttrInts = 8, AttrType = 20;
    // AttributeProto.AttributeType
    public const long AttributeFloat = 1, AttributeInt = 2, AttributeString = 3, AttributeInts = 7;
    // TensorProto
    public const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;
    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto and its Dimension
    public const int ValueInfoName = 1, ValueInfoType = 2, TypeTensor = 1, TensorTypeElemType = 1, TensorTypeShape = 2,
        ShapeDim = 1, DimValue = 1, DimParam = 2;
}
