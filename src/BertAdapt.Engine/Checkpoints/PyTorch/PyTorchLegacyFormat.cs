using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace BertAdapt.Engine.Checkpoints.PyTorch;

/// <summary>
/// The legacy torch.save format (PyTorch 0.4 to 1.5, and any later torch given
/// <c>_use_new_zipfile_serialization=False</c>): five pickles one after another (the magic
/// number, the format version 1001, a sys_info dict, the object itself, whose storages are
/// persistent ids, and the list of storage keys in the order their data follows), then for
/// each listed storage an int64 little-endian element count and its raw little-endian bytes.
/// </summary>
/// <remarks>
/// Every pickle runs through the same <see cref="PickleMachine"/> and allow-list as the zip
/// format's data.pkl, and every count is checked against the bytes left in the file before it
/// sizes anything. Bytes after the last storage are ignored, as torch.load ignores them.
/// </remarks>
internal static class PyTorchLegacyFormat
{
    /// <summary>The first pickle of every legacy file.</summary>
    public static readonly BigInteger MagicNumber = BigInteger.Parse("01950a86a20f9469cfc6c", NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    /// <summary>The second pickle: the only version of the format there is.</summary>
    public const long ProtocolVersion = 1001;

    /// <summary>Whether <paramref name="file"/> is a tar archive ("ustar" at offset 257), the format before the legacy one.</summary>
    public static bool IsTarArchive(FileStream file)
    {
        Span<byte> magic = stackalloc byte[5];
        if (file.Length < 262) return false;
        file.Position = 257;
        bool tar = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false) == 5 && magic.SequenceEqual("ustar"u8);
        file.Position = 0;
        return tar;
    }

    /// <summary>
    /// Runs the pickles of <paramref name="file"/> and checks its storages' counts and lengths.
    /// Returns the unpickled object and, for each storage a tensor may name, the file offset of its first byte.
    /// </summary>
    public static (object? Top, Dictionary<StorageRef, long> DataOffsets) Read(string path, FileStream file)
    {
        long fileLength = file.Length;
        // The pickles lie at the front; they may not together exceed the limit a zip's data.pkl has.
        var front = new byte[Math.Min(fileLength, PyTorchCheckpointReader.MaxPickleBytes)];
        file.Position = 0;
        file.ReadExactly(front);

        int position = 0;
        object? Next(string name, PickleMachine.PersistentLoad persistentLoad)
        {
            var machine = new PickleMachine(path, front, persistentLoad, position, name);
            var value = machine.Run();
            position = machine.Position;
            return value;
        }
        object NoPersistentIds(object? id, long offset) =>
            throw PyTorchErrors.Corrupt(path, $"a persistent id appears at offset {offset}, outside the pickle that holds the object.");

        var magic = Next("the magic-number pickle", NoPersistentIds);
        if (magic is not BigInteger number || number != MagicNumber)
            throw PyTorchErrors.Corrupt(path,
                $"it starts with a pickle of {PickleMachine.Describe(magic)}, not torch.save's magic number, so it is a pickle but not a torch.save file.");
        var version = Next("the format-version pickle", NoPersistentIds);
        if (version is not long v || v != ProtocolVersion)
            throw PyTorchErrors.Corrupt(path, $"its format version is {Describe(version)}; the legacy torch.save format has only {ProtocolVersion}.");
        if (Next("the sys_info pickle", NoPersistentIds) is not PickleDict)
            throw PyTorchErrors.Corrupt(path, "its third pickle is not the sys_info dict torch.save writes.");

        var roots = new Dictionary<string, StorageRef>(StringComparer.Ordinal);
        var views = new Dictionary<string, (StorageRef View, StorageRef Root, long ElementOffset)>(StringComparer.Ordinal);
        object LoadStorage(object? id, long offset)
        {
            var (dtype, key, count, viewMetadata) = PersistentStorageId.Parse(path, id, offset, withViewMetadata: true);
            if (roots.TryGetValue(key, out var root))
            {
                if (root.DType != dtype || root.ElementCount != count)
                    throw PyTorchErrors.Corrupt(path, $"storage '{key}' is described twice with different types or sizes.");
            }
            else
            {
                if (views.ContainsKey(key))
                    throw PyTorchErrors.Corrupt(path, $"storage '{key}' is both a storage and a view of another.");
                root = new StorageRef(key, dtype, count, key);
                roots.Add(key, root);
            }
            return viewMetadata is null ? root : View(root, viewMetadata, offset);
        }
        StorageRef View(StorageRef root, object metadata, long offset)
        {
            if (metadata is not PickleTuple { Count: 3 } m || m[0] is not string viewKey || viewKey.Length == 0
                || m[1] is not long start || start < 0 || m[2] is not long size || size < 0)
                throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} has view metadata that is not (key, offset, size).");
            if (start > root.ElementCount || size > root.ElementCount - start)
                throw PyTorchErrors.Corrupt(path,
                    $"the storage view '{viewKey}' (offset {start}, size {size}) reaches past the {root.ElementCount} elements of storage '{root.Key}'.");
            if (views.TryGetValue(viewKey, out var known))
            {
                if (known.Root != root || known.ElementOffset != start || known.View.ElementCount != size)
                    throw PyTorchErrors.Corrupt(path, $"the storage view '{viewKey}' is described twice differently.");
                return known.View;
            }
            if (roots.ContainsKey(viewKey))
                throw PyTorchErrors.Corrupt(path, $"storage '{viewKey}' is both a storage and a view of another.");
            var view = new StorageRef(viewKey, root.DType, size, viewKey);
            views.Add(viewKey, (view, root, start));
            return view;
        }

        var top = Next("the main pickle", LoadStorage);
        var keys = Next("the storage-key pickle", NoPersistentIds);
        if (keys is not PickleList list)
            throw PyTorchErrors.Corrupt(path, $"its storage-key pickle holds {PickleMachine.Describe(keys)}, not a list of keys.");

        var offsets = new Dictionary<StorageRef, long>();
        long at = position;
        Span<byte> header = stackalloc byte[sizeof(long)];
        foreach (var item in list.Items)
        {
            if (item is not string key || !roots.TryGetValue(key, out var storage))
                throw PyTorchErrors.Corrupt(path, $"its storage-key list names {Describe(item)}, which no tensor's persistent id declares.");
            if (offsets.ContainsKey(storage))
                throw PyTorchErrors.Corrupt(path, $"its storage-key list names storage '{key}' twice.");
            if (fileLength - at < sizeof(long))
                throw Truncated(path, key, at, fileLength);
            file.Position = at;
            file.ReadExactly(header);
            long count = BinaryPrimitives.ReadInt64LittleEndian(header);
            if (count != storage.ElementCount)
                throw PyTorchErrors.Corrupt(path,
                    $"storage '{key}' at offset {at} says it holds {count} elements but its persistent id declares {storage.ElementCount}.");
            long bytes = count * SafeTensorDTypes.ElementSize(storage.DType);
            at += sizeof(long);
            if (bytes > fileLength - at)
                throw Truncated(path, key, at, fileLength, bytes);
            offsets.Add(storage, at);
            at += bytes;
        }
        foreach (var root in roots.Values)
            if (!offsets.ContainsKey(root))
                throw PyTorchErrors.Corrupt(path, $"storage '{root.Key}' is named by a tensor but missing from the storage-key list, so its data is not in the file.");
        foreach (var (view, root, start) in views.Values)
            offsets.Add(view, offsets[root] + start * SafeTensorDTypes.ElementSize(root.DType));
        return (top, offsets);
    }

    static BertAdaptException Truncated(string path, string key, long at, long fileLength, long? bytes = null) =>
        PyTorchErrors.Corrupt(path,
            $"the file ends inside storage '{key}': " +
            (bytes is { } b ? $"its {b} bytes start at offset {at}" : $"its element count starts at offset {at}") +
            $" but the file has {fileLength} bytes (truncated?).");

    static string Describe(object? value) => value switch
    {
        string text => $"'{text}'",
        long number => number.ToString(CultureInfo.InvariantCulture),
        _ => PickleMachine.Describe(value),
    };
}
