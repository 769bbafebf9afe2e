using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// Reads a safetensors file: an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// header, then the data section. <see cref="Open"/> reads and fully validates the header
/// (never the tensor data); tensors are read on demand with positional reads.
/// </summary>
public sealed class SafeTensorsReader : IDisposable
{
    public const string CorruptErrorId = "SafeTensorsCorrupt";
    public const string NotFoundErrorId = "CheckpointFileNotFound";
    const string MetadataKey = "__metadata__";

    readonly FileStream fileStream;
    readonly long dataSectionStart;
    readonly long dataSectionLength;
    bool disposed;

    SafeTensorsReader(string path, FileStream stream, long dataStart, long dataLength,
        IReadOnlyDictionary<string, SafeTensorEntry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        fileStream = stream;
        dataSectionStart = dataStart;
        dataSectionLength = dataLength;
        Entries = entries;
        Metadata = metadata;
    }

    /// <summary>Full path of the file this reader has open.</summary>
    public string Path { get; }

    /// <summary>Tensors by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorEntry> Entries { get; }

    /// <summary>The string-valued members of <c>__metadata__</c> (empty if absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Length in bytes of the data section.</summary>
    public long DataLength => dataSectionLength;

    public static SafeTensorsReader Open(string path, long maxHeaderBytes = 100 * 1024 * 1024)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (maxHeaderBytes <= 0) throw new ArgumentOutOfRangeException(nameof(maxHeaderBytes), maxHeaderBytes, "Must be positive.");
        var stream = CheckpointFile.OpenRead(path, out var fullPath);

        try
        {
            var reader = ParseHeader(fullPath, stream, maxHeaderBytes);
            return reader;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads the bytes of <paramref name="entry"/>; <paramref name="destination"/> must be exactly
    /// <see cref="SafeTensorEntry.ByteLength"/> long.</summary>
    public void ReadInto(SafeTensorEntry entry, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (entry.Begin < 0 || entry.Begin > entry.End || entry.End > dataSectionLength)
            throw new ArgumentException($"Tensor '{entry.Name}' does not lie within the data section of '{Path}'.", nameof(entry));
        if (destination.Length != entry.ByteLength)
            throw new ArgumentException(
                $"Destination is {destination.Length} bytes but tensor '{entry.Name}' is {entry.ByteLength} bytes.", nameof(destination));

        SafeFileHandle handle = fileStream.SafeFileHandle;
        long offset = dataSectionStart + entry.Begin;
        while (!destination.IsEmpty)
        {
            int n = RandomAccess.Read(handle, destination, offset);
            if (n <= 0)
                throw Corrupt(Path, $"the file ended while reading tensor '{entry.Name}' (was it truncated after opening?).");
            destination = destination[n..];
            offset += n;
        }
    }

    /// <summary>Reads the bytes of <paramref name="entry"/> into a new array.</summary>
    public byte[] ReadBytes(SafeTensorEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.ByteLength > Array.MaxLength)
            throw new NotSupportedException($"Tensor '{entry.Name}' ({entry.ByteLength} bytes) is too large for a single array.");
        var buffer = new byte[entry.ByteLength];
        ReadInto(entry, buffer);
        return buffer;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        fileStream.Dispose();
    }

    static SafeTensorsReader ParseHeader(string path, FileStream stream, long maxHeaderBytes)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
            throw Corrupt(path, $"the file is {fileLength} bytes, shorter than the 8-byte header length.");

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0)
            throw Corrupt(path, "the header length is 0.");
        if (headerLength > (ulong)maxHeaderBytes)
            throw Corrupt(path, $"the header length {headerLength} exceeds the limit of {maxHeaderBytes} bytes.");
        if (headerLength > (ulong)(fileLength - 8))
            throw Corrupt(path, $"the header length {headerLength} exceeds the {fileLength - 8} bytes that follow it.");
        if (headerLength > (ulong)Array.MaxLength)
            throw Corrupt(path, $"the header length {headerLength} is too large to read.");

        var headerBytes = new byte[(int)headerLength];
        stream.ReadExactly(headerBytes);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        string json;
        try
        {
            json = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(headerBytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw Corrupt(path, "the header is not valid UTF-8.", ex);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw Corrupt(path, $"the header is not valid JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Corrupt(path, $"the header is a JSON {root.ValueKind}, not an object.");

            var entries = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            bool sawMetadata = false;
            foreach (var prop in root.EnumerateObject())
            {
                if (prop.Name == MetadataKey)
                {
                    if (sawMetadata) throw Corrupt(path, "the header has more than one __metadata__ member.");
                    sawMetadata = true;
                    ReadMetadata(path, prop.Value, metadata);
                    continue;
                }
                var entry = ParseEntry(path, prop.Name, prop.Value, dataLength);
                if (!entries.TryAdd(entry.Name, entry))
                    throw Corrupt(path, $"tensor '{entry.Name}' appears more than once in the header.");
            }

            CheckCoverage(path, entries.Values, dataLength);
            return new SafeTensorsReader(path, stream, dataStart, dataLength, entries, metadata);
        }
    }

    static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind == JsonValueKind.Null) return;
        if (value.ValueKind != JsonValueKind.Object)
            throw Corrupt(path, $"__metadata__ is a JSON {value.ValueKind}, not an object.");
        foreach (var item in value.EnumerateObject())
        {
            // The format allows a map of strings to strings and nothing else.
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Corrupt(path, $"__metadata__ value '{item.Name}' is a JSON {item.Value.ValueKind}; the format allows only strings there.");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Corrupt(path, $"__metadata__ key '{item.Name}' appears more than once.");
        }
    }

    static SafeTensorEntry ParseEntry(string path, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Corrupt(path, $"tensor '{name}' is described by a JSON {value.ValueKind}, not an object.");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Corrupt(path, $"tensor '{name}' has no string 'dtype'.");
        var dtypeText = dtypeElement.GetString()!;
        // A dtype newer than this engine: the tensor keeps its place (offsets and overlaps are still
        // checked) and is skipped unless a weight needs it, which is CheckpointDTypeUnsupported then.
        if (!SafeTensorDTypes.TryParse(dtypeText, out var dtype)) dtype = SafeTensorDType.Unknown;

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Corrupt(path, $"tensor '{name}' has no 'shape' array.");
        var shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out var d) || d < 0)
                throw Corrupt(path, $"tensor '{name}' has shape dimension {dim.GetRawText()}, which is not a non-negative integer.");
            shape[i++] = d;
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2
            || !TryGetNonNegative(offsets[0], out var begin) || !TryGetNonNegative(offsets[1], out var end))
            throw Corrupt(path, $"tensor '{name}' does not have 'data_offsets' of two non-negative integers.");
        if (begin > end)
            throw Corrupt(path, $"tensor '{name}' has data_offsets [{begin}, {end}] with begin after end.");
        if (end > dataLength)
            throw Corrupt(path, $"tensor '{name}' ends at offset {end}, beyond the {dataLength}-byte data section (truncated file?).");

        if (dtype != SafeTensorDType.Unknown)
        {
            long expected;
            try
            {
                expected = SafeTensorDTypes.ByteLength(dtype, shape);
            }
            catch (OverflowException ex)
            {
                throw Corrupt(path, $"tensor '{name}' has a shape whose size overflows.", ex);
            }
            catch (ArgumentException ex)
            {
                throw Corrupt(path, $"tensor '{name}': {ex.Message}", ex);
            }
            if (end - begin != expected)
                throw Corrupt(path,
                    $"tensor '{name}' occupies {end - begin} bytes but {SafeTensorDTypes.Format(dtype)} shape [{string.Join(", ", shape)}] needs {expected}.");
        }

        return new SafeTensorEntry(name, dtype, shape, begin, end, dtypeText);
    }

    static bool TryGetNonNegative(JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value) && value >= 0;
    }

    /// <summary>The entries, ordered by offset, must tile the data section exactly: no overlap, no gap, no trailing bytes.</summary>
    static void CheckCoverage(string path, IEnumerable<SafeTensorEntry> entries, long dataLength)
    {
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ThenBy(e => e.Name, StringComparer.Ordinal).ToList();
        long position = 0;
        SafeTensorEntry? previous = null;
        foreach (var e in ordered)
        {
            if (e.Begin < position)
                throw Corrupt(path, $"tensor '{e.Name}' [{e.Begin}, {e.End}) overlaps tensor '{previous!.Name}' [{previous.Begin}, {previous.End}).");
            if (e.Begin > position)
                throw Corrupt(path, $"the data section has {e.Begin - position} unreferenced bytes at offset {position}, before tensor '{e.Name}'.");
            position = e.End;
            previous = e;
        }
        if (position != dataLength)
            throw Corrupt(path, $"the data section has {dataLength - position} unreferenced trailing bytes after offset {position}.");
    }

    static BertAdaptException Corrupt(string path, string detail, Exception? inner = null) =>
        new(CorruptErrorId, BertAdaptErrorKind.InvalidData, $"Safetensors file '{path}' is corrupt: {detail}", path, inner);

}
