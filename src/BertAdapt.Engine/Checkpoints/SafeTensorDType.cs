namespace BertAdapt.Engine.Checkpoints;

/// <summary>The element types this engine reads and writes in safetensors files.</summary>
public enum SafeTensorDType
{
    F64,
    F32,
    F16,
    BF16,
    I64,
    I32,
    I16,
    I8,
    U8,
    BOOL,
}

/// <summary>Element sizes and the spec spellings ("F32", "BF16", ...) of <see cref="SafeTensorDType"/>.</summary>
public static class SafeTensorDTypes
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F64 or SafeTensorDType.I64 => 8,
        SafeTensorDType.F32 or SafeTensorDType.I32 => 4,
        SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.I16 => 2,
        SafeTensorDType.I8 or SafeTensorDType.U8 or SafeTensorDType.BOOL => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>The spec string for <paramref name="dtype"/>, e.g. "BF16".</summary>
    public static string Format(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F64 => "F64",
        SafeTensorDType.F32 => "F32",
        SafeTensorDType.F16 => "F16",
        SafeTensorDType.BF16 => "BF16",
        SafeTensorDType.I64 => "I64",
        SafeTensorDType.I32 => "I32",
        SafeTensorDType.I16 => "I16",
        SafeTensorDType.I8 => "I8",
        SafeTensorDType.U8 => "U8",
        SafeTensorDType.BOOL => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Unknown safetensors dtype."),
    };

    /// <summary>Parses a spec string exactly (case-sensitive, no numeric forms).</summary>
    public static bool TryParse(string? text, out SafeTensorDType dtype)
    {
        switch (text)
        {
            case "F64": dtype = SafeTensorDType.F64; return true;
            case "F32": dtype = SafeTensorDType.F32; return true;
            case "F16": dtype = SafeTensorDType.F16; return true;
            case "BF16": dtype = SafeTensorDType.BF16; return true;
            case "I64": dtype = SafeTensorDType.I64; return true;
            case "I32": dtype = SafeTensorDType.I32; return true;
            case "I16": dtype = SafeTensorDType.I16; return true;
            case "I8": dtype = SafeTensorDType.I8; return true;
            case "U8": dtype = SafeTensorDType.U8; return true;
            case "BOOL": dtype = SafeTensorDType.BOOL; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>Parses a spec string; throws <see cref="FormatException"/> for anything unknown.</summary>
    public static SafeTensorDType Parse(string text) =>
        TryParse(text, out var dtype) ? dtype : throw new FormatException($"Unknown safetensors dtype '{text}'.");

    /// <summary>Product of <paramref name="shape"/> (1 for a scalar); throws <see cref="OverflowException"/> on overflow
    /// and <see cref="ArgumentException"/> on a negative dimension.</summary>
    public static long ElementCount(IReadOnlyList<long> shape)
    {
        long count = 1;
        foreach (var dim in shape)
        {
            if (dim < 0) throw new ArgumentException($"Shape dimension {dim} is negative.", nameof(shape));
            count = checked(count * dim);
        }
        return count;
    }

    /// <summary>ElementCount(shape) × ElementSize(dtype), checked.</summary>
    public static long ByteLength(SafeTensorDType dtype, IReadOnlyList<long> shape) =>
        checked(ElementCount(shape) * ElementSize(dtype));
}

/// <summary>One tensor in a safetensors header. Offsets are relative to the start of the data section.</summary>
public sealed record SafeTensorEntry(string Name, SafeTensorDType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a scalar, 0 if any dimension is 0).</summary>
    public long ElementCount => SafeTensorDTypes.ElementCount(Shape);

    /// <summary>Bytes this tensor occupies in the data section (End − Begin).</summary>
    public long ByteLength => End - Begin;
}
