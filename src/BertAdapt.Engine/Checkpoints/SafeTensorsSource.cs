namespace BertAdapt.Engine.Checkpoints;

/// <summary>A <c>.safetensors</c> file as an <see cref="ITensorSource"/>.</summary>
public sealed class SafeTensorsSource : ITensorSource
{
    readonly SafeTensorsReader reader;

    SafeTensorsSource(SafeTensorsReader reader)
    {
        this.reader = reader;
        Tensors = reader.Entries.ToDictionary(e => e.Key, e => new SourceTensor(e.Key, e.Value.DType, e.Value.Shape, e.Value.DTypeName), StringComparer.Ordinal);
    }

    public static SafeTensorsSource Open(string path) => new(SafeTensorsReader.Open(path));

    public string Path => reader.Path;

    public IReadOnlyDictionary<string, SourceTensor> Tensors { get; }

    public void ReadFloat32(string name, Span<float> destination)
    {
        var entry = reader.Entries[name];
        if (!Float32Conversion.IsFloatingPoint(entry.DType))
            throw new BertAdaptException("CheckpointDTypeUnsupported", BertAdaptErrorKind.InvalidData,
                $"'{Path}': unsupported dtype {(entry.DTypeName.Length > 0 ? entry.DTypeName : SafeTensorDTypes.Format(entry.DType))} for tensor {name}: the model's weights must be F32, F16, BF16 or F64.", Path);
        Float32Conversion.Convert(entry.DType, reader.ReadBytes(entry), destination);
    }

    public void Dispose() => reader.Dispose();
}
