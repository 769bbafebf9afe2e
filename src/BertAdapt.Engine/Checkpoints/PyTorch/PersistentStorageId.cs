namespace BertAdapt.Engine.Checkpoints.PyTorch;

/// <summary>
/// The persistent id torch.save gives a storage: <c>('storage', storage_type, key, location, numel)</c>
/// in the zip format, with a sixth item, the view metadata, in the legacy format (None unless
/// the storage is a view into another, which only very old torch versions wrote).
/// </summary>
internal readonly record struct PersistentStorageId(SafeTensorDType DType, string Key, long ElementCount, object? ViewMetadata)
{
    /// <summary>Checks <paramref name="id"/> (met at <paramref name="offset"/> of the pickle) and returns its parts.</summary>
    /// <param name="path">The checkpoint, for messages.</param>
    /// <param name="id">What the pickle's BINPERSID popped.</param>
    /// <param name="offset">Where the BINPERSID is.</param>
    /// <param name="withViewMetadata">True for the legacy format's six items, false for the zip format's five.</param>
    public static PersistentStorageId Parse(string path, object? id, long offset, bool withViewMetadata)
    {
        int items = withViewMetadata ? 6 : 5;
        string shape = withViewMetadata ? "('storage', type, key, location, size, view_metadata)" : "('storage', type, key, location, size)";
        if (id is not PickleTuple t || t.Count != items || t[0] is not "storage")
            throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} is not {shape}.");
        if (t[1] is not PickleGlobal { Kind: PickleGlobalKind.StorageType } type)
            throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} names no torch storage type.");
        if (t[2] is not string key || key.Length == 0 || key.Contains('/') || key.Contains('\\'))
            throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} has no valid storage key.");
        if (t[3] is not string)
            throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} has no location string.");
        if (t[4] is not long count || count < 0)
            throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} has no non-negative element count.");
        if (count > long.MaxValue / SafeTensorDTypes.ElementSize(type.StorageDType))
            throw PyTorchErrors.Corrupt(path, $"the persistent id at offset {offset} declares {count} elements, an impossible size.");
        return new PersistentStorageId(type.StorageDType, key, count, withViewMetadata ? t[5] : null);
    }

    /// <summary>The storage's size in bytes (checked not to overflow by <see cref="Parse"/>).</summary>
    public long ByteCount => ElementCount * SafeTensorDTypes.ElementSize(DType);
}
