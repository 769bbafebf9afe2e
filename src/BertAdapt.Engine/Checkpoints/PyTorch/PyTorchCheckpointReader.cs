using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Text;

namespace BertAdapt.Engine.Checkpoints.PyTorch;

/// <summary>
/// Reads the tensors of a PyTorch checkpoint in the zip format torch.save has written since
/// PyTorch 1.6 (<c>pytorch_model.bin</c>): one top folder holding <c>data.pkl</c> (the pickled
/// state dict) and one <c>data/&lt;key&gt;</c> entry per storage.
/// </summary>
/// <remarks>
/// <para>The pickle is interpreted by <see cref="PickleMachine"/>, which never runs code: only
/// collections.OrderedDict, torch's two tensor-rebuild functions and the torch storage types
/// are resolved, and any other global is refused (<see cref="GlobalRefusedErrorId"/>) as soon
/// as the pickle names it.</para>
/// <para><see cref="Open"/> runs the pickle and checks every storage entry's length and every
/// tensor's extent, without reading tensor data; <see cref="ReadFloat32"/> reads on demand and
/// honours storage offsets and strides, so tied weights (two tensors on one storage),
/// slices and transposed views read as PyTorch would show them.</para>
/// </remarks>
public sealed class PyTorchCheckpointReader : ITensorSource
{
    /// <summary>The file is damaged, truncated, or not what torch.save writes.</summary>
    public const string CorruptErrorId = PyTorchErrors.CorruptId;
    /// <summary>A real PyTorch file in a form this reader does not read (legacy pre-1.6 format, TorchScript).</summary>
    public const string FormatUnsupportedErrorId = PyTorchErrors.FormatUnsupportedId;
    /// <summary>The pickle names a global outside the allow-list (SecurityError).</summary>
    public const string GlobalRefusedErrorId = PyTorchErrors.GlobalRefusedId;
    /// <summary><see cref="ReadFloat32"/> was asked for an integer or bool tensor.</summary>
    public const string TensorNotFloatErrorId = PyTorchErrors.TensorNotFloatId;
    /// <summary>The pickle holds something other than a (possibly nested) dict of tensors.</summary>
    public const string NoStateDictErrorId = PyTorchErrors.NoStateDictId;
    /// <summary>The file does not exist (the same id <see cref="SafeTensorsReader"/> uses).</summary>
    public const string NotFoundErrorId = PyTorchErrors.NotFoundId;

    /// <summary>Largest data.pkl accepted. A state dict's pickle takes about 100 bytes per tensor
    /// (BERT-base, about 200 tensors: about 20 KB), so this leaves room for hundreds of thousands.</summary>
    public const int MaxPickleBytes = 32 << 20;

    // Deflate cannot expand data by more than about 1032:1, so a larger claim is a lie.
    const long MaxDeflateRatio = 1032;
    const int ChunkBytes = 1 << 20;
    const int MaxSmallEntryBytes = 64;
    const string PickleName = "data.pkl";

    readonly FileStream fileStream;
    readonly ZipArchive zipArchive;
    readonly IReadOnlyDictionary<string, ZipArchiveEntry> storageZipEntries;
    readonly Dictionary<string, TensorRef> tensorLayouts;
    readonly object gate = new();
    /// <summary>Whether the storages hold big-endian values (a "byteorder" entry of "big"): each element is swapped when read.</summary>
    readonly bool storagesBigEndian;
    bool disposed;

    PyTorchCheckpointReader(string path, FileStream file, ZipArchive archive,
        IReadOnlyDictionary<string, ZipArchiveEntry> entries, Dictionary<string, TensorRef> layouts, string? nestedUnder, bool bigEndian)
    {
        Path = path;
        storagesBigEndian = bigEndian;
        fileStream = file;
        zipArchive = archive;
        storageZipEntries = entries;
        tensorLayouts = layouts;
        NestedUnder = nestedUnder;
        var tensors = new Dictionary<string, SourceTensor>(StringComparer.Ordinal);
        foreach (var (name, layout) in layouts)
            tensors.Add(name, new SourceTensor(name, layout.Storage.DType, (long[])layout.Shape.Clone()));
        Tensors = tensors;
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, SourceTensor> Tensors { get; }

    /// <summary>
    /// The key of the top-level dict the tensors were found under ("state_dict" or "model"),
    /// or null when the top-level dict itself is the state dict.
    /// </summary>
    public string? NestedUnder { get; }

    /// <summary>Opens <paramref name="path"/>, runs its pickle through the allow-list and validates every tensor.</summary>
    public static PyTorchCheckpointReader Open(string path)
    {
        var file = CheckpointFile.OpenRead(path, out var fullPath, bufferSize: 4096);

        try
        {
            return Load(fullPath, file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void ReadFloat32(string name, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!tensorLayouts.TryGetValue(name, out var tensor))
            throw new KeyNotFoundException($"PyTorch checkpoint '{Path}' has no tensor '{name}'.");
        var dtype = tensor.Storage.DType;
        if (dtype is not (SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.F64))
            throw PyTorchErrors.NotFloat(Path, name, dtype);
        if (destination.Length != tensor.ElementCount)
            throw new ArgumentException(
                $"Destination holds {destination.Length} values but tensor '{name}' has {tensor.ElementCount}.", nameof(destination));
        if (tensor.ElementCount == 0) return;

        int size = SafeTensorDTypes.ElementSize(dtype);
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            try
            {
                using var stream = storageZipEntries[tensor.Storage.EntryName].Open();
                Skip(stream, tensor.Offset * size, name);
                if (tensor.IsRowMajorContiguous)
                    ReadContiguous(stream, dtype, destination, name);
                else
                    ReadStrided(stream, tensor, destination, name);
            }
            catch (InvalidDataException ex)
            {
                throw PyTorchErrors.Corrupt(Path, $"the storage of tensor '{name}' cannot be read ({ex.Message}).", ex);
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            zipArchive.Dispose();
            fileStream.Dispose();
        }
    }

    /// <summary>Where tensor <paramref name="name"/> lies: its storage key, storage offset and strides (for tests).</summary>
    internal (string StorageKey, long Offset, long[] Stride) Layout(string name)
    {
        var tensor = tensorLayouts[name];
        return (tensor.Storage.Key, tensor.Offset, (long[])tensor.Stride.Clone());
    }

    static PyTorchCheckpointReader Load(string path, FileStream file)
    {
        Span<byte> head = stackalloc byte[2];
        int headLength = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        bool isZip = headLength == 2 && head[0] == (byte)'P' && head[1] == (byte)'K';
        if (!isZip)
        {
            if (headLength == 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5)
                throw PyTorchErrors.Unsupported(path,
                    "it is a bare pickle, as the legacy torch.save format (PyTorch before 1.6) writes, not a zip archive. " +
                    "BertAdapt reads only the zip format. Re-save it with a recent torch " +
                    "(torch.save(torch.load(path), path)) or convert it to safetensors.");
            throw PyTorchErrors.Corrupt(path, "it is neither a zip archive (torch.save since PyTorch 1.6) nor a pickle.");
        }
        file.Position = 0;

        ZipArchive archive;
        try
        {
            archive = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException ex)
        {
            throw PyTorchErrors.Corrupt(path, $"it is not a readable zip archive ({ex.Message}).", ex);
        }

        try
        {
            return LoadArchive(path, file, archive);
        }
        catch (InvalidDataException ex)
        {
            archive.Dispose();
            throw PyTorchErrors.Corrupt(path, $"the zip archive is damaged ({ex.Message}).", ex);
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    static PyTorchCheckpointReader LoadArchive(string path, FileStream file, ZipArchive archive)
    {
        long fileLength = file.Length;
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        var duplicated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in archive.Entries)
            if (!entries.TryAdd(entry.FullName, entry)) duplicated.Add(entry.FullName);

        ZipArchiveEntry Entry(string name)
        {
            if (duplicated.Contains(name)) throw PyTorchErrors.Corrupt(path, $"the zip archive holds '{name}' more than once.");
            var entry = entries[name];
            // A stored entry's length equals its compressed length; a deflated one cannot
            // exceed the format's ratio. Refuse a larger claim before anything is sized by it.
            if (entry.CompressedLength < 0 || entry.CompressedLength > fileLength || entry.Length < 0
                || entry.Length > entry.CompressedLength * MaxDeflateRatio + MaxSmallEntryBytes)
                throw PyTorchErrors.Corrupt(path,
                    $"zip entry '{name}' declares {entry.Length} bytes from {entry.CompressedLength} compressed bytes in a {fileLength}-byte file.");
            return entry;
        }

        // torch.save writes "<archive name>/data.pkl"; the folder name is free.
        var pickles = entries.Keys
            .Where(n => n.EndsWith("/" + PickleName, StringComparison.Ordinal) && n.IndexOf('/') == n.Length - PickleName.Length - 1)
            .ToList();
        if (pickles.Count == 0)
            throw PyTorchErrors.Corrupt(path, $"the zip archive has no <folder>/{PickleName}, so it is not a torch.save checkpoint.");
        if (pickles.Count > 1)
            throw PyTorchErrors.Corrupt(path, $"the zip archive has {pickles.Count} top folders with a {PickleName} ({string.Join(", ", pickles)}).");
        string prefix = pickles[0][..^PickleName.Length];

        if (entries.ContainsKey(prefix + "constants.pkl") || entries.Keys.Any(n => n.StartsWith(prefix + "code/", StringComparison.Ordinal)))
            throw PyTorchErrors.Unsupported(path,
                "it is a TorchScript archive (torch.jit.save), not a state dict. Load it in Python and save its " +
                "state_dict() with torch.save, or convert it to safetensors.");

        bool bigEndian = false;
        if (entries.ContainsKey(prefix + "byteorder"))
        {
            var order = ReadSmallText(path, Entry(prefix + "byteorder"));
            // torch.save on a big-endian machine (s390x, POWER) writes its storages as they are in memory.
            bigEndian = order == "big";
            if (order is not ("little" or "big"))
                throw PyTorchErrors.Corrupt(path, $"its byteorder entry says '{order}', neither 'little' nor 'big'.");
        }

        var pickleEntry = Entry(pickles[0]);
        if (pickleEntry.Length > MaxPickleBytes)
            throw PyTorchErrors.Corrupt(path, $"its {PickleName} declares {pickleEntry.Length} bytes, more than the {MaxPickleBytes}-byte limit.");
        var pickle = ReadWholeEntry(path, pickleEntry);

        var storages = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        object LoadStorage(object? id, long offset)
        {
            if (id is not PickleTuple { Count: 5 } t || t[0] is not "storage")
                throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} is not ('storage', type, key, location, size).");
            if (t[1] is not PickleGlobal { Kind: PickleGlobalKind.StorageType } type)
                throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} names no torch storage type.");
            if (t[2] is not string key || key.Length == 0 || key.Contains('/') || key.Contains('\\'))
                throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} has no valid storage key.");
            if (t[3] is not string)
                throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} has no location string.");
            if (t[4] is not long count || count < 0)
                throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} has no non-negative element count.");

            if (storages.TryGetValue(key, out var known))
            {
                if (known.DType != type.StorageDType || known.ElementCount != count)
                    throw PyTorchErrors.Corrupt(path, $"storage '{key}' is described twice with different types or sizes.");
                return known;
            }

            string entryName = prefix + "data/" + key;
            if (!entries.ContainsKey(entryName))
                throw PyTorchErrors.Corrupt(path, $"storage '{key}' (persistent id at offset {offset}) has no zip entry '{entryName}'.");
            var entry = Entry(entryName);
            int size = SafeTensorDTypes.ElementSize(type.StorageDType);
            if (count > long.MaxValue / size || entry.Length != count * size)
                throw PyTorchErrors.Corrupt(path,
                    $"storage '{key}' should hold {count} {SafeTensorDTypes.Format(type.StorageDType)} elements " +
                    $"({(count > long.MaxValue / size ? "an impossible size" : $"{count * size} bytes")}) but its entry has {entry.Length} bytes.");
            var storage = new StorageRef(key, type.StorageDType, count, entryName);
            storages.Add(key, storage);
            return storage;
        }

        var top = new PickleMachine(path, pickle, LoadStorage).Run();
        var (stateDict, nestedUnder) = FindStateDict(path, top);
        var layouts = new Dictionary<string, TensorRef>(StringComparer.Ordinal);
        foreach (var (key, value) in stateDict.Entries)
            if (key is string name && value is TensorRef tensor)
                layouts[name] = tensor;

        var storageEntries = storages.Values.ToDictionary(s => s.EntryName, s => entries[s.EntryName], StringComparer.Ordinal);
        return new PyTorchCheckpointReader(path, file, archive, storageEntries, layouts, nestedUnder, bigEndian);
    }

    static bool HasTensors(PickleDict dict) =>
        dict.Entries.Any(e => e.Key is string && e.Value is TensorRef);

    /// <summary>The dict of tensors: the top-level dict itself, or its single "state_dict" / "model" entry.</summary>
    static (PickleDict Dict, string? NestedUnder) FindStateDict(string path, object? top)
    {
        if (top is TensorRef)
            throw PyTorchErrors.NoStateDict(path, "it holds a single tensor, not a dict of named tensors.");
        if (top is not PickleDict dict)
            throw PyTorchErrors.NoStateDict(path, $"it holds {PickleMachine.Describe(top)}, not a dict.");
        if (HasTensors(dict)) return (dict, null);

        var nested = new List<(PickleDict, string)>();
        foreach (var key in (string[])["state_dict", "model"])
            if (dict.TryGet(key, out var value) && value is PickleDict inner && HasTensors(inner))
                nested.Add((inner, key));
        return nested.Count switch
        {
            1 => nested[0],
            0 => throw PyTorchErrors.NoStateDict(path,
                "its top-level dict holds no tensors, and it has no 'state_dict' or 'model' entry that is a dict of tensors."),
            _ => throw PyTorchErrors.NoStateDict(path,
                "its top-level dict holds no tensors itself, and both its 'state_dict' and 'model' entries hold tensors; it is unclear which to use."),
        };
    }

    /// <summary>Reads an entry whose length was checked, growing the buffer only as bytes really arrive.</summary>
    static byte[] ReadWholeEntry(string path, ZipArchiveEntry entry)
    {
        int declared = checked((int)entry.Length);
        using var stream = entry.Open();
        var buffer = new byte[Math.Min(declared, 1 << 16)];
        int filled = 0;
        while (true)
        {
            if (filled == buffer.Length)
            {
                if (filled == declared)
                {
                    if (stream.ReadByte() >= 0)
                        throw PyTorchErrors.Corrupt(path, $"zip entry '{entry.FullName}' holds more than the {declared} bytes it declares.");
                    return buffer;
                }
                Array.Resize(ref buffer, (int)Math.Min(2L * buffer.Length, declared));
            }
            int n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n <= 0)
                throw PyTorchErrors.Corrupt(path, $"zip entry '{entry.FullName}' ends after {filled} of the {declared} bytes it declares.");
            filled += n;
        }
    }

    static string ReadSmallText(string path, ZipArchiveEntry entry)
    {
        if (entry.Length > MaxSmallEntryBytes)
            throw PyTorchErrors.Corrupt(path, $"zip entry '{entry.FullName}' is {entry.Length} bytes; at most {MaxSmallEntryBytes} are expected.");
        var bytes = ReadWholeEntry(path, entry);
        return Encoding.ASCII.GetString(bytes).Trim();
    }

    void Skip(Stream stream, long bytes, string name)
    {
        if (bytes == 0) return;
        if (stream.CanSeek)
        {
            if (stream.Length - stream.Position < bytes) throw EndedEarly(name);
            stream.Seek(bytes, SeekOrigin.Current);
            return;
        }
        var scratch = ArrayPool<byte>.Shared.Rent((int)Math.Min(bytes, ChunkBytes));
        try
        {
            while (bytes > 0)
            {
                int n = stream.Read(scratch, 0, (int)Math.Min(bytes, scratch.Length));
                if (n <= 0) throw EndedEarly(name);
                bytes -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    void ReadContiguous(Stream stream, SafeTensorDType dtype, Span<float> destination, string name)
    {
        int size = SafeTensorDTypes.ElementSize(dtype);
        long total = (long)destination.Length * size;
        var chunk = ArrayPool<byte>.Shared.Rent((int)Math.Min(total, ChunkBytes));
        try
        {
            int written = 0;
            while (written < destination.Length)
            {
                // ChunkBytes is a multiple of every element size, so chunks never split an element.
                int want = (int)Math.Min((long)(destination.Length - written) * size, ChunkBytes);
                if (stream.ReadAtLeast(chunk.AsSpan(0, want), want, throwOnEndOfStream: false) < want) throw EndedEarly(name);
                int count = want / size;
                if (storagesBigEndian) SwapEachElement(chunk.AsSpan(0, want), size);
                Float32Conversion.Convert(dtype, chunk.AsSpan(0, want), destination.Slice(written, count));
                written += count;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    void ReadStrided(Stream stream, TensorRef tensor, Span<float> destination, string name)
    {
        var dtype = tensor.Storage.DType;
        int size = SafeTensorDTypes.ElementSize(dtype);
        long byteCount = tensor.Extent * size;
        if (byteCount > Array.MaxLength)
            throw new NotSupportedException($"Tensor '{name}' spans {byteCount} bytes of its storage, too many for a single array.");
        var bytes = new byte[byteCount];
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) < bytes.Length) throw EndedEarly(name);
        if (storagesBigEndian) SwapEachElement(bytes, size);

        // Walk the indices in row-major order: the innermost dimension in a tight loop, the
        // outer ones as an odometer that keeps the storage position of the current row.
        var shape = tensor.Shape;
        var stride = tensor.Stride;
        int rank = shape.Length;
        long inner = shape[rank - 1], innerStride = stride[rank - 1];
        var index = new long[rank];
        long row = 0;
        int written = 0;
        while (true)
        {
            for (long j = 0; j < inner; j++)
                destination[written++] = Element(bytes, row + j * innerStride, dtype);
            int k = rank - 2;
            for (; k >= 0; k--)
            {
                index[k]++;
                row += stride[k];
                if (index[k] < shape[k]) break;
                row -= stride[k] * shape[k];
                index[k] = 0;
            }
            if (k < 0) break;
        }
    }

    /// <summary>Reverses the bytes of each <paramref name="size"/>-byte element: big-endian values become little-endian.</summary>
    static void SwapEachElement(Span<byte> bytes, int size)
    {
        if (size == 1) return;
        for (int i = 0; i + size <= bytes.Length; i += size) bytes.Slice(i, size).Reverse();
    }

    static float Element(byte[] bytes, long element, SafeTensorDType dtype)
    {
        switch (dtype)
        {
            case SafeTensorDType.F32:
                return BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(element * 4), 4));
            case SafeTensorDType.F16:
                return (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan((int)(element * 2), 2));
            case SafeTensorDType.BF16:
                return BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)(element * 2), 2)) << 16);
            case SafeTensorDType.F64:
                return (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan((int)(element * 8), 8));
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "Not a floating-point dtype.");
        }
    }

    BertAdaptException EndedEarly(string name) =>
        PyTorchErrors.Corrupt(Path, $"the storage of tensor '{name}' ends before the bytes its layout needs (was the file changed after opening?).");
}
