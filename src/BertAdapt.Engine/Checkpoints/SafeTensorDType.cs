namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// The element types of the safetensors format. The engine computes with the floating-point
/// ones it can widen to float32 (F64, F32, F16, BF16) and reads the integer ones of PyTorch
/// storages; the rest (unsigned, 8-, 6- and 4-bit floats, complex) are known so that a file
/// holding them is read as the valid file it is, their tensors skipped unless a weight needs one.
/// <see cref="Unknown"/> stands for a dtype newer than this engine: its tensors can be skipped too.
/// </summary>
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
    U64,
    U32,
    U16,
    F8_E5M2,
    F8_E4M3,
    F8_E8M0,
    F6_E2M3,
    F6_E3M2,
    F4,
    C64,
    Unknown,
}

/// <summary>Element sizes and the spec spellings ("F32", "BF16", ...) of <see cref="SafeTensorDType"/>.</summary>
public static class SafeTensorDTypes
{
    static readonly Dictionary<string, (SafeTensorDType DType, int Bits)> Spec = new(StringComparer.Ordinal)
    {
        ["F64"] = (SafeTensorDType.F64, 64), ["F32"] = (SafeTensorDType.F32, 32), ["F16"] = (SafeTensorDType.F16, 16),
        ["BF16"] = (SafeTensorDType.BF16, 16), ["I64"] = (SafeTensorDType.I64, 64), ["I32"] = (SafeTensorDType.I32, 32),
        ["I16"] = (SafeTensorDType.I16, 16), ["I8"] = (SafeTensorDType.I8, 8), ["U8"] = (SafeTensorDType.U8, 8),
        ["BOOL"] = (SafeTensorDType.BOOL, 8), ["U64"] = (SafeTensorDType.U64, 64), ["U32"] = (SafeTensorDType.U32, 32),
        ["U16"] = (SafeTensorDType.U16, 16), ["F8_E5M2"] = (SafeTensorDType.F8_E5M2, 8), ["F8_E4M3"] = (SafeTensorDType.F8_E4M3, 8),
        ["F8_E8M0"] = (SafeTensorDType.F8_E8M0, 8), ["F6_E2M3"] = (SafeTensorDType.F6_E2M3, 6), ["F6_E3M2"] = (SafeTensorDType.F6_E3M2, 6),
        ["F4"] = (SafeTensorDType.F4, 4), ["C64"] = (SafeTensorDType.C64, 64),
    };

    /// <summary>Bits per element; 0 for <see cref="SafeTensorDType.Unknown"/>.</summary>
    public static int Bits(SafeTensorDType dtype) => dtype == SafeTensorDType.Unknown ? 0
        : Spec.Values.First(v => v.DType == dtype).Bits;

    /// <summary>Bytes per element, for the types of whole bytes.</summary>
    public static int ElementSize(SafeTensorDType dtype) => Bits(dtype) is var bits && bits > 0 && bits % 8 == 0 ? bits / 8
        : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, $"{Format(dtype)} elements are not a whole number of bytes.");

    /// <summary>The spec string for <paramref name="dtype"/>, e.g. "BF16".</summary>
    public static string Format(SafeTensorDType dtype) => dtype == SafeTensorDType.Unknown ? "an unknown dtype"
        : Spec.First(v => v.Value.DType == dtype).Key;

    /// <summary>Parses a spec string exactly (case-sensitive, no numeric forms); false for a dtype the format does not list.</summary>
    public static bool TryParse(string? text, out SafeTensorDType dtype)
    {
        var known = text is not null && Spec.TryGetValue(text, out var entry);
        dtype = known ? Spec[text!].DType : default;
        return known;
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

    /// <summary>
    /// The bytes that <paramref name="shape"/> elements of <paramref name="dtype"/> take, checked;
    /// for the sub-byte types the bits must fill whole bytes (<see cref="ArgumentException"/> otherwise).
    /// </summary>
    public static long ByteLength(SafeTensorDType dtype, IReadOnlyList<long> shape)
    {
        long bits = checked(ElementCount(shape) * Bits(dtype));
        if (bits % 8 != 0)
            throw new ArgumentException($"{ElementCount(shape)} {Format(dtype)} elements take {bits} bits, not a whole number of bytes.", nameof(shape));
        return bits / 8;
    }
}

/// <summary>One tensor in a safetensors header. Offsets are relative to the start of the data section.</summary>
/// <param name="DTypeName">The dtype as the header spells it (what <see cref="SafeTensorDType.Unknown"/> stands for).</param>
public sealed record SafeTensorEntry(string Name, SafeTensorDType DType, long[] Shape, long Begin, long End, string DTypeName = "")
{
    /// <summary>Number of elements (1 for a scalar, 0 if any dimension is 0).</summary>
    public long ElementCount => SafeTensorDTypes.ElementCount(Shape);

    /// <summary>Bytes this tensor occupies in the data section (End − Begin).</summary>
    public long ByteLength => End - Begin;
}
