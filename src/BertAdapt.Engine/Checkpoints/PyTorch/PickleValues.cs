namespace BertAdapt.Engine.Checkpoints.PyTorch;

// The inert values the pickle machine builds. Nothing here can run anything: a "callable" is
// only a tag naming one of the few allowed globals, and calling it builds another record.
// Containers are plain classes (no structural equality, no recursive ToString), because a
// pickle can make a container refer to itself through the memo.

/// <summary>A Python tuple.</summary>
internal sealed class PickleTuple(object?[] items)
{
    public static readonly PickleTuple Empty = new([]);
    public object?[] Items { get; } = items;
    public int Count => Items.Length;
    public object? this[int index] => Items[index];
}

/// <summary>A Python list.</summary>
internal sealed class PickleList
{
    public List<object?> Items { get; } = [];
}

/// <summary>
/// A Python dict or collections.OrderedDict, in insertion order. Keys other than strings
/// are kept (in order) but can only be enumerated, not looked up; a string key set twice
/// keeps its first position and its last value, as in Python.
/// </summary>
internal sealed class PickleDict
{
    readonly List<KeyValuePair<object?, object?>> entries = [];
    readonly Dictionary<string, int> stringKeys = new(StringComparer.Ordinal);

    public int Count => entries.Count;
    public IReadOnlyList<KeyValuePair<object?, object?>> Entries => entries;

    public void Set(object? key, object? value)
    {
        if (key is string text)
        {
            if (stringKeys.TryGetValue(text, out var index))
            {
                entries[index] = new(key, value);
                return;
            }
            stringKeys[text] = entries.Count;
        }
        entries.Add(new(key, value));
    }

    public bool TryGet(string key, out object? value)
    {
        if (stringKeys.TryGetValue(key, out var index))
        {
            value = entries[index].Value;
            return true;
        }
        value = null;
        return false;
    }
}

/// <summary>What an allowed global stands for.</summary>
internal enum PickleGlobalKind
{
    /// <summary>collections.OrderedDict: calling it with no arguments makes an empty dict.</summary>
    OrderedDict,
    /// <summary>torch._utils._rebuild_tensor_v2: makes a <see cref="TensorRef"/> from a storage and a layout.</summary>
    RebuildTensorV2,
    /// <summary>torch._utils._rebuild_parameter: wraps a tensor; the parameter is the tensor.</summary>
    RebuildParameter,
    /// <summary>torch.FloatStorage and friends: only meaningful inside a persistent id.</summary>
    StorageType,
    /// <summary>torch._utils._rebuild_tensor: the layout without requires_grad (PyTorch before 1.0).</summary>
    RebuildTensor,
    /// <summary>torch._utils._rebuild_parameter_with_state: a parameter with extra state; the parameter is the tensor.</summary>
    RebuildParameterWithState,
    /// <summary>torch.Size: calling it with a tuple of ints makes that tuple.</summary>
    Size,
    /// <summary>torch.float32 and the other dtypes: the global itself is the value; nothing is called.</summary>
    DType,
    /// <summary>torch.device: calling it with ("cpu") or ("cuda", 0) makes the device's name.</summary>
    Device,
    /// <summary>_codecs.encode: how protocol 2 pickles bytes, as (text, "latin1").</summary>
    CodecsEncode,
    /// <summary>builtins.bytearray: bytes, from bytes or (text, encoding).</summary>
    ByteArray,
    /// <summary>builtins.set: calling it with a list makes that list (order is kept; nothing reads it).</summary>
    Set,
}

/// <summary>A global the allow-list resolved. <see cref="StorageDType"/> is meaningful for storage types only.</summary>
internal sealed class PickleGlobal(string module, string name, PickleGlobalKind kind, SafeTensorDType storageDType = default)
{
    public string Module { get; } = module;
    public string Name { get; } = name;
    public PickleGlobalKind Kind { get; } = kind;
    public SafeTensorDType StorageDType { get; } = storageDType;
    public string DottedName => Module + "." + Name;
}

/// <summary>One storage of the archive: the entry <c>data/&lt;key&gt;</c>, whose length was checked against
/// <see cref="ElementCount"/> × element size when the persistent id was read.</summary>
internal sealed class StorageRef(string key, SafeTensorDType dtype, long elementCount, string entryName)
{
    public string Key { get; } = key;
    public SafeTensorDType DType { get; } = dtype;
    public long ElementCount { get; } = elementCount;
    public string EntryName { get; } = entryName;
}

/// <summary>
/// A tensor rebuilt from a storage: element <c>[i0, i1, ...]</c> lives at storage element
/// <c>Offset + Σ ik·Stride[k]</c>. <see cref="Extent"/> is the number of storage elements from
/// <see cref="Offset"/> to the last one it touches (0 for an empty tensor); it was checked to
/// fit in the storage when the tensor was built.
/// </summary>
internal sealed class TensorRef(StorageRef storage, long offset, long[] shape, long[] stride, long elementCount, long extent)
{
    public StorageRef Storage { get; } = storage;
    public long Offset { get; } = offset;
    public long[] Shape { get; } = shape;
    public long[] Stride { get; } = stride;
    public long ElementCount { get; } = elementCount;
    public long Extent { get; } = extent;

    /// <summary>True when the elements lie in row-major order one after another from <see cref="Offset"/>.</summary>
    public bool IsRowMajorContiguous
    {
        get
        {
            long expected = 1;
            for (int k = Shape.Length - 1; k >= 0; k--)
            {
                if (Shape[k] == 1) continue; // the stride of a length-1 dimension never matters
                if (Stride[k] != expected) return false;
                expected *= Shape[k];
            }
            return true;
        }
    }
}
