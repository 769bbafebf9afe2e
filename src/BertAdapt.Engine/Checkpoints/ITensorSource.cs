namespace BertAdapt.Engine.Checkpoints;

/// <summary>One tensor a checkpoint file offers: its stored element type and logical shape.</summary>
/// <param name="DTypeName">The element type as the file names it, when it is not one <see cref="SafeTensorDType"/> knows.</param>
public sealed record SourceTensor(string Name, SafeTensorDType DType, long[] Shape, string? DTypeName = null)
{
    public long ElementCount => SafeTensorDTypes.ElementCount(Shape);

    /// <summary>The element type for messages: the file's own name for it.</summary>
    public string DTypeText => DType == SafeTensorDType.Unknown && DTypeName is { Length: > 0 } ? DTypeName : SafeTensorDTypes.Format(DType);
}

/// <summary>
/// The tensors of one checkpoint file (safetensors, PyTorch zip, ONNX), read on demand.
/// An implementation validates its container when it is opened, so that
/// <see cref="Tensors"/> only lists entries whose bytes exist and agree with their shape; a
/// hostile file is refused before any tensor-sized allocation.
/// </summary>
public interface ITensorSource : IDisposable
{
    /// <summary>The file the tensors come from (for messages).</summary>
    string Path { get; }

    /// <summary>Every tensor the file holds, by the name the file gives it.</summary>
    IReadOnlyDictionary<string, SourceTensor> Tensors { get; }

    /// <summary>
    /// Reads one tensor converted to float32, row-major in the order of its
    /// <see cref="SourceTensor.Shape"/>. <paramref name="destination"/> must hold exactly
    /// <see cref="SourceTensor.ElementCount"/> values. Fails for a non-floating-point tensor.
    /// </summary>
    void ReadFloat32(string name, Span<float> destination);
}
