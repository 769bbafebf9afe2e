namespace BertAdapt.Engine.Checkpoints.PyTorch;

/// <summary>
/// The allow-list of globals a torch.save state dict may name: what PyTorch's own
/// <c>torch.load(weights_only=True)</c> accepts for a file of tensors (OrderedDict, the tensor and
/// parameter rebuild functions, storage types, torch.Size, dtypes, devices, bytes through
/// _codecs.encode and bytearray, set), each turned into an inert value, never called. Everything
/// else is refused the moment the pickle names it, before any REDUCE could call it, and the
/// refusal says whether the name is one that runs code (<see cref="RunsCode"/>).
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
        Add(new("torch._utils", "_rebuild_tensor", PickleGlobalKind.RebuildTensor));
        Add(new("torch._utils", "_rebuild_parameter_with_state", PickleGlobalKind.RebuildParameterWithState));
        Add(new("torch", "Size", PickleGlobalKind.Size));
        Add(new("torch", "device", PickleGlobalKind.Device));
        Add(new("_codecs", "encode", PickleGlobalKind.CodecsEncode));
        Add(new("builtins", "bytearray", PickleGlobalKind.ByteArray));
        Add(new("builtins", "set", PickleGlobalKind.Set));
        Add(new("__builtin__", "bytearray", PickleGlobalKind.ByteArray)); // Python 2's name, as protocol 2 writes it
        Add(new("__builtin__", "set", PickleGlobalKind.Set));
        foreach (var dtype in (string[])["float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long", "int32", "int",
                     "int16", "short", "int8", "uint8", "bool", "complex64", "complex128", "uint16", "uint32", "uint64",
                     "float8_e4m3fn", "float8_e5m2", "qint8", "quint8", "qint32"])
            Add(new("torch", dtype, PickleGlobalKind.DType));

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

    /// <summary>
    /// Whether a refused global is one that runs code or reaches the system when called (eval,
    /// os.system, subprocess, getattr, import machinery, ...): what a hostile pickle names. Other
    /// refused names (a numpy array, a model class, argparse.Namespace) make a file unusual,
    /// a whole pickled object rather than a state dict, not hostile.
    /// </summary>
    public static bool RunsCode(string module, string name)
    {
        var root = module.Split('.')[0];
        if (root is "os" or "posix" or "nt" or "subprocess" or "sys" or "runpy" or "importlib" or "pickle" or "_pickle" or "marshal"
            or "shutil" or "socket" or "ctypes" or "code" or "codeop" or "pty" or "commands" or "webbrowser" or "platform" or "pdb" or "timeit")
            return true;
        if (root is "builtins" or "__builtin__")
            return name is "eval" or "exec" or "execfile" or "compile" or "__import__" or "getattr" or "setattr" or "delattr" or "open"
                or "globals" or "locals" or "vars" or "input" or "breakpoint" or "apply" or "memoryview" or "type" or "object";
        return (root, name) is ("functools", "partial") or ("operator", "attrgetter" or "methodcaller" or "itemgetter") or ("types", _)
            or ("torch", "load") or ("torch.serialization", "load") or ("numpy", "load") or ("numpy.lib.npyio", _);
    }

    /// <summary>The allowed global <paramref name="module"/>.<paramref name="name"/>, or null if it is refused.</summary>
    public static PickleGlobal? Resolve(string module, string name) =>
        Allowed.TryGetValue((module, name), out var global) ? global : null;
}
