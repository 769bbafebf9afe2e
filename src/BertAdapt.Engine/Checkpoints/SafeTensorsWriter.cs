using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>One tensor to write: its raw little-endian bytes, which must be exactly shape × element size long.</summary>
public sealed record SafeTensorWriteItem(string Name, SafeTensorDType DType, long[] Shape, ReadOnlyMemory<byte> Data);

/// <summary>
/// Writes safetensors files deterministically: tensors sorted by name (ordinal) and laid out
/// contiguously, compact header JSON with <c>__metadata__</c> (keys sorted) first, header padded
/// with spaces to a multiple of 8 bytes. Identical input gives byte-identical output.
/// </summary>
public static class SafeTensorsWriter
{
    private const string MetadataKey = "__metadata__";

    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    /// <summary>Writes the file at <paramref name="path"/> (created or overwritten). Input is validated
    /// before the file is touched; the caller handles atomicity (write to a temp name, then move).</summary>
    public static void Write(string path, IReadOnlyList<SafeTensorWriteItem> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var (header, ordered) = Prepare(tensors, metadata);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        Emit(stream, header, ordered);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes a complete safetensors image to <paramref name="destination"/> at its current position.</summary>
    public static void Write(Stream destination, IReadOnlyList<SafeTensorWriteItem> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var (header, ordered) = Prepare(tensors, metadata);
        Emit(destination, header, ordered);
    }

    private static void Emit(Stream destination, byte[] header, List<SafeTensorWriteItem> ordered)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        destination.Write(prefix);
        destination.Write(header);
        foreach (var item in ordered)
            destination.Write(item.Data.Span);
    }

    /// <summary>Validates the input and builds the padded header bytes.</summary>
    private static (byte[] Header, List<SafeTensorWriteItem> Ordered) Prepare(
        IReadOnlyList<SafeTensorWriteItem> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in tensors)
        {
            if (item is null) throw new ArgumentException("Tensor list contains null.", nameof(tensors));
            if (string.IsNullOrEmpty(item.Name)) throw new ArgumentException("Tensor name must not be empty.", nameof(tensors));
            if (item.Name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor.", nameof(tensors));
            if (!names.Add(item.Name)) throw new ArgumentException($"Tensor '{item.Name}' appears more than once.", nameof(tensors));
            if (!Enum.IsDefined(item.DType)) throw new ArgumentException($"Tensor '{item.Name}' has unknown dtype {item.DType}.", nameof(tensors));
            if (item.Shape is null) throw new ArgumentException($"Tensor '{item.Name}' has no shape.", nameof(tensors));

            long expected;
            try
            {
                expected = SafeTensorDTypes.ByteLength(item.DType, item.Shape);
            }
            catch (Exception ex) when (ex is OverflowException or ArgumentException)
            {
                throw new ArgumentException($"Tensor '{item.Name}' has invalid shape [{string.Join(", ", item.Shape)}]: {ex.Message}", nameof(tensors), ex);
            }
            if (item.Data.Length != expected)
                throw new ArgumentException(
                    $"Tensor '{item.Name}' has {item.Data.Length} bytes but {SafeTensorDTypes.Format(item.DType)} shape [{string.Join(", ", item.Shape)}] needs {expected}.",
                    nameof(tensors));
        }

        var ordered = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();

        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var pair in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (pair.Key is null || pair.Value is null)
                        throw new ArgumentException("Metadata keys and values must not be null.", nameof(metadata));
                    json.WriteString(pair.Key, pair.Value);
                }
                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var item in ordered)
            {
                json.WriteStartObject(item.Name);
                json.WriteString("dtype", SafeTensorDTypes.Format(item.DType));
                json.WriteStartArray("shape");
                foreach (var dim in item.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset = checked(offset + item.Data.Length);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }

        int unpadded = buffer.WrittenCount;
        int padded = checked((unpadded + 7) & ~7);
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(unpadded).Fill((byte)' ');
        return (header, ordered);
    }
}
