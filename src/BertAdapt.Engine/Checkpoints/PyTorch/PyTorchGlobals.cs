namespace BertAdapt.Engine.Checkpoints.PyTorch;

/// <summary>
/// The allow-list of globals a torch.save state dict may name. Everything else is refused the
/// moment the pickle names it, before any REDUCE could call it.
/// </summary>
internal static class PyTorchGlobals
{
    static readonly Dictionary<(string Module, string Name), PickleGlobal> Allowed = Build();

    static Dictionary<(string, string), PickleGlobal> Build()
    {
        var map = new Dictionary<(string, string), PickleGlobal>();
        void Add(PickleGlobal g) => map.Add((g.Module, g.Name), g);

        Add(new("collections", "OrderedDict", PickleGlobalKind.OrderedDict));
        Add(new("torch._utils", "_rebuild_tensor_v2", PickleGlobalKind.RebuildTensorV2));
        Add(new("torch._utils", "_rebuild_parameter", PickleGlobalKind.RebuildParameter));

        (string Name, SafeTensorDType DType)[] storages =
        [
            ("FloatStorage", SafeTensorDType.F32),
            ("HalfStorage", SafeTensorDType.F16),
            ("BFloat16Storage", SafeTensorDType.BF16),
            ("DoubleStorage", SafeTensorDType.F64),
            ("LongStorage", SafeTensorDType.I64),
            ("IntStorage", SafeTensorDType.I32),
            ("ShortStorage", SafeTensorDType.I16),
            ("CharStorage", SafeTensorDType.I8),
            ("ByteStorage", SafeTensorDType.U8),
            ("BoolStorage", SafeTensorDType.BOOL),
        ];
        foreach (var (name, dtype) in storages)
            Add(new("torch", name, PickleGlobalKind.StorageType, dtype));
        return map;
    }

    /// <summary>The allowed global <paramref name="module"/>.<paramref name="name"/>, or null if it is refused.</summary>
    public static PickleGlobal? Resolve(string module, string name) =>
        Allowed.TryGetValue((module, name), out var global) ? global : null;
}
