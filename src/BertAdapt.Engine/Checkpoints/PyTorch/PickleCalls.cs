namespace BertAdapt.Engine.Checkpoints.PyTorch;

/// <summary>
/// What REDUCE does for each global <see cref="PyTorchGlobals"/> allows: it builds the inert
/// value the call stands for (an empty dict, a tensor layout, a size tuple, bytes...) after
/// checking its arguments, and never runs anything. Tensor layouts are checked against their
/// storage, and their number is capped at <see cref="PickleMachine.MaxTensors"/>.
/// </summary>
internal sealed class PickleCalls(string checkpointPath)
{
    int tensors;

    BertAdaptException Corrupt(string detail) => PyTorchErrors.Corrupt(checkpointPath, detail);

    static string Describe(object? value) => PickleMachine.Describe(value);

    public object Call(object? callable, object? argsValue, long opcodeOffset)
    {
        if (callable is not PickleGlobal function)
            throw Corrupt($"REDUCE at offset {opcodeOffset} calls {Describe(callable)}, which is not callable.");
        if (argsValue is not PickleTuple args)
            throw Corrupt($"REDUCE at offset {opcodeOffset} passes {Describe(argsValue)} to {function.DottedName} instead of a tuple.");
        switch (function.Kind)
        {
            case PickleGlobalKind.OrderedDict:
                if (args.Count != 0)
                    throw Corrupt($"REDUCE at offset {opcodeOffset} calls collections.OrderedDict with arguments; torch.save writes none.");
                return new PickleDict();
            case PickleGlobalKind.RebuildTensorV2:
                return RebuildTensor(args, opcodeOffset);
            case PickleGlobalKind.RebuildTensor:
                // _rebuild_tensor(storage, storage_offset, size, stride): v2's layout without requires_grad and hooks.
                if (args.Count != 4)
                    throw Corrupt($"REDUCE at offset {opcodeOffset} calls {function.DottedName} with {args.Count} arguments; it takes 4.");
                return RebuildTensor(new PickleTuple([.. args.Items, false, null]), opcodeOffset);
            case PickleGlobalKind.RebuildParameter:
                if (args.Count != 3 || args[0] is not TensorRef tensor || args[1] is not bool)
                    throw Corrupt($"REDUCE at offset {opcodeOffset} calls {function.DottedName} without (tensor, requires_grad, hooks).");
                return tensor;
            case PickleGlobalKind.RebuildParameterWithState:
                if (args.Count != 4 || args[0] is not TensorRef stateful || args[1] is not bool)
                    throw Corrupt($"REDUCE at offset {opcodeOffset} calls {function.DottedName} without (tensor, requires_grad, hooks, state).");
                return stateful;
            case PickleGlobalKind.Size:
                if (args.Count != 1 || args[0] is not (PickleTuple or PickleList))
                    throw Corrupt($"REDUCE at offset {opcodeOffset} calls torch.Size with {Describe(args.Count == 1 ? args[0] : args)}, not one tuple of sizes.");
                return args[0] is PickleList list ? new PickleTuple([.. list.Items]) : args[0]!;
            case PickleGlobalKind.Device:
                if (args.Count is < 1 or > 2 || args[0] is not string type || args.Count == 2 && args[1] is not (long or null))
                    throw Corrupt($"REDUCE at offset {opcodeOffset} calls torch.device without (type[, index]).");
                return args.Count == 2 && args[1] is long index ? $"{type}:{index}" : type;
            case PickleGlobalKind.CodecsEncode:
                if (args.Count != 2 || args[0] is not string text || args[1] is not ("latin1" or "latin-1"))
                    throw Corrupt($"REDUCE at offset {opcodeOffset} calls _codecs.encode without (text, 'latin1'), as pickles of bytes do.");
                return Latin1(text, opcodeOffset);
            case PickleGlobalKind.ByteArray:
                return args switch
                {
                    { Count: 0 } => Array.Empty<byte>(),
                    { Count: 1 } when args[0] is byte[] bytes => bytes,
                    { Count: 2 } when args[0] is string && args[1] is "latin1" or "latin-1" => Latin1((string)args[0]!, opcodeOffset),
                    _ => throw Corrupt($"REDUCE at offset {opcodeOffset} calls bytearray with {Describe(args)}, not bytes or (text, 'latin1')."),
                };
            case PickleGlobalKind.Set:
                if (args.Count > 1 || args.Count == 1 && args[0] is not PickleList)
                    throw Corrupt($"REDUCE at offset {opcodeOffset} calls set with {Describe(args)}, not a list.");
                return args.Count == 0 ? new PickleList() : args[0]!;
            case PickleGlobalKind.DType:
                throw Corrupt($"REDUCE at offset {opcodeOffset} calls the dtype {function.DottedName}; a pickle only names dtypes.");
            default:
                throw Corrupt($"REDUCE at offset {opcodeOffset} calls the storage type {function.DottedName}; storages only appear in persistent ids.");
        }
    }

    /// <summary>Text whose characters are the bytes 0 to 255 (how a pickle writes bytes as latin-1) as those bytes.</summary>
    byte[] Latin1(string text, long opcodeOffset)
    {
        var bytes = new byte[text.Length];
        for (int i = 0; i < text.Length; i++)
            bytes[i] = text[i] <= 0xFF ? (byte)text[i] : throw Corrupt($"the bytes encoded at offset {opcodeOffset} hold a character above U+00FF, which latin-1 cannot hold.");
        return bytes;
    }

    /// <summary>
    /// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]):
    /// records the layout after checking that every element it addresses lies in the storage.
    /// </summary>
    TensorRef RebuildTensor(PickleTuple args, long opcodeOffset)
    {
        string where = $"the tensor rebuilt at offset {opcodeOffset}";
        if (++tensors > PickleMachine.MaxTensors)
            throw Corrupt($"{where} is one more than the {PickleMachine.MaxTensors} tensors one checkpoint may hold.");
        if (args.Count is not (6 or 7))
            throw Corrupt($"{where} has {args.Count} arguments; _rebuild_tensor_v2 takes 6 or 7.");
        if (args[0] is not StorageRef storage)
            throw Corrupt($"{where} is built on {Describe(args[0])}, not a storage.");
        if (args[1] is not long offset || offset < 0)
            throw Corrupt($"{where} has storage offset {Describe(args[1])}, not a non-negative integer.");
        var shape = ReadDims(args[2], where, "size");
        var stride = ReadDims(args[3], where, "stride");
        if (shape.Length != stride.Length)
            throw Corrupt($"{where} has {shape.Length} sizes but {stride.Length} strides.");
        if (args[4] is not bool)
            throw Corrupt($"{where} has requires_grad {Describe(args[4])}, not a bool.");

        long count, extent;
        try
        {
            count = SafeTensorDTypes.ElementCount(shape);
            // The farthest element is at Σ (size−1)·stride; an empty tensor touches nothing.
            long last = 0;
            for (int k = 0; k < shape.Length; k++)
                if (shape[k] > 0) last = checked(last + checked((shape[k] - 1) * stride[k]));
            extent = count == 0 ? 0 : checked(last + 1);
            _ = checked(offset + extent);
        }
        catch (OverflowException ex)
        {
            throw PyTorchErrors.Corrupt(checkpointPath, $"{where} has a size or stride whose extent overflows.", ex);
        }
        if (offset + extent > storage.ElementCount || offset > storage.ElementCount)
            throw Corrupt(
                $"{where} (offset {offset}, size [{string.Join(", ", shape)}], stride [{string.Join(", ", stride)}]) " +
                $"reaches element {offset + extent} of storage '{storage.Key}', which holds only {storage.ElementCount}.");
        return new TensorRef(storage, offset, shape, stride, count, extent);
    }

    long[] ReadDims(object? value, string where, string what)
    {
        if (value is not PickleTuple tuple)
            throw Corrupt($"{where} has {what} {Describe(value)}, not a tuple.");
        if (tuple.Count > PickleMachine.MaxTensorDims)
            throw Corrupt($"{where} has {tuple.Count} dimensions; at most {PickleMachine.MaxTensorDims} are accepted.");
        var dims = new long[tuple.Count];
        for (int k = 0; k < dims.Length; k++)
        {
            if (tuple[k] is not long d || d < 0)
                throw Corrupt($"{where} has {what} element {k} = {Describe(tuple[k])}, not a non-negative integer.");
            dims[k] = d;
        }
        return dims;
    }
}
