using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>Widens stored little-endian floating-point tensor bytes to float32.</summary>
public static class Float32Conversion
{
    public static bool IsFloatingPoint(SafeTensorDType dtype) =>
        dtype is SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.F64;

    /// <summary>
    /// Converts <paramref name="source"/> (exactly <paramref name="destination"/>.Length elements of
    /// <paramref name="dtype"/>) into <paramref name="destination"/>. bfloat16 is the top half of a
    /// float32, so widening it (and float16) is exact; float64 is rounded to nearest.
    /// </summary>
    public static void Convert(SafeTensorDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        if (!IsFloatingPoint(dtype))
            throw new ArgumentException($"{SafeTensorDTypes.Format(dtype)} is not a floating-point type.", nameof(dtype));
        if (source.Length != (long)destination.Length * SafeTensorDTypes.ElementSize(dtype))
            throw new ArgumentException($"{source.Length} bytes do not hold {destination.Length} {SafeTensorDTypes.Format(dtype)} values.", nameof(source));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Checkpoints are read on little-endian machines only.");
        switch (dtype)
        {
            case SafeTensorDType.F32:
                MemoryMarshal.Cast<byte, float>(source).CopyTo(destination);
                break;
            case SafeTensorDType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)halves[i];
                break;
            case SafeTensorDType.BF16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source[(2 * i)..]) << 16);
                break;
            default:
                var doubles = MemoryMarshal.Cast<byte, double>(source);
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)doubles[i];
                break;
        }
    }
}
