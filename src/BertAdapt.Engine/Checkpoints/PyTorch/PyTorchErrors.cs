namespace BertAdapt.Engine.Checkpoints.PyTorch;

/// <summary>The exceptions the PyTorch checkpoint reader throws, with their stable error ids.</summary>
internal static class PyTorchErrors
{
    public const string CorruptId = "PyTorchCheckpointCorrupt";
    public const string FormatUnsupportedId = "PyTorchCheckpointFormatUnsupported";
    public const string GlobalRefusedId = "PyTorchPickleGlobalRefused";
    public const string TensorNotFloatId = "PyTorchTensorNotFloat";
    public const string NoStateDictId = "PyTorchCheckpointNoStateDict";
    public const string NotFoundId = SafeTensorsReader.NotFoundErrorId;

    public static BertAdaptException Corrupt(string path, string detail, Exception? inner = null) =>
        new(CorruptId, BertAdaptErrorKind.InvalidData, $"PyTorch checkpoint '{path}' is corrupt: {detail}", path, inner);

    public static BertAdaptException Unsupported(string path, string detail) =>
        new(FormatUnsupportedId, BertAdaptErrorKind.InvalidData, $"PyTorch checkpoint '{path}' cannot be read: {detail}", path);

    public static BertAdaptException GlobalRefused(string path, string module, string name, long offset) =>
        new(GlobalRefusedId, BertAdaptErrorKind.SecurityError,
            $"BertAdapt refuses the global '{module}.{name}' that the pickle of PyTorch checkpoint '{path}' asks for " +
            $"(data.pkl offset {offset}). The checkpoint reader never runs code from a file; it resolves only what " +
            "torch.load(weights_only=True) accepts for a file of tensors (OrderedDict, tensor and parameter rebuilds, storages, " +
            "torch.Size, dtypes, devices, bytes). " +
            (PyTorchGlobals.RunsCode(module, name)
                ? $"'{module}.{name}' runs code or reaches the system when a pickle calls it, so this file is likely hostile; " +
                  "do not load it with torch.load either unless you trust its source."
                : $"'{module}.{name}' does not run code, so the file is more likely unusual than hostile: a whole pickled object " +
                  "(a model class, a numpy array, training arguments) rather than a state dict. Save it again with " +
                  "torch.save(model.state_dict(), ...) or as safetensors."),
            path);

    public static BertAdaptException NotFloat(string path, string name, SafeTensorDType dtype) =>
        new(TensorNotFloatId, BertAdaptErrorKind.InvalidData,
            $"Tensor '{name}' in PyTorch checkpoint '{path}' holds {SafeTensorDTypes.Format(dtype)} values, " +
            "not floating-point ones, so it cannot be read as float32.",
            path);

    public static BertAdaptException NoStateDict(string path, string detail) =>
        new(NoStateDictId, BertAdaptErrorKind.InvalidData,
            $"PyTorch checkpoint '{path}' does not hold a state dict of tensors: {detail}", path);
}
