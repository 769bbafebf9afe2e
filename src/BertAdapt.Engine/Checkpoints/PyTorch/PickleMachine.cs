using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace BertAdapt.Engine.Checkpoints.PyTorch;

/// <summary>
/// A small pickle interpreter for the subset of opcodes torch.save writes for a state dict
/// (protocol 2, plus the protocol 3 and 4 opcodes a later torch or pickle could use for the same
/// objects). It builds inert values only (see PickleValues.cs): globals are checked
/// against <see cref="PyTorchGlobals"/> as soon as they are named, REDUCE, NEWOBJ and BUILD are
/// interpreted for those few globals alone, and persistent ids are handed to the caller.
/// Every length read from the pickle is bounded by the bytes that remain before anything is
/// allocated, and the stack, mark stack and memo are capped.
/// </summary>
internal sealed class PickleMachine
{
    /// <summary>Deepest nesting of MARKs (Python itself stops near 1000 levels of nesting).</summary>
    public const int MaxMarkDepth = 10_000;
    public const int MaxStackDepth = 1 << 20;
    public const int MaxMemoEntries = 1 << 20;
    /// <summary>Longest module or name line of a GLOBAL opcode.</summary>
    public const int MaxGlobalLineBytes = 1024;
    /// <summary>Widest integer (in bytes) LONG1 / LONG4 may carry.</summary>
    public const int MaxLongBytes = 1024;
    /// <summary>Most dimensions a rebuilt tensor may have.</summary>
    public const int MaxTensorDims = 64;
    /// <summary>
    /// Most tensors one pickle may rebuild. A rebuild costs a few pickle bytes (memo references)
    /// but a hundred-odd bytes of records, so this bounds what a small hostile pickle can make
    /// us allocate; real state dicts hold thousands.
    /// </summary>
    public const int MaxTensors = 1 << 20;
    const int HighestProtocol = 5;

    /// <summary>Turns a BINPERSID id into a value (a storage); throws for anything it does not accept.</summary>
    public delegate object PersistentLoad(object? persistentId, long offset);

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    readonly string checkpointPath;
    readonly byte[] pickle;
    readonly PersistentLoad loadPersistent;
    readonly List<object?> stack = [];
    readonly List<int> marks = [];
    readonly Dictionary<uint, object?> memo = [];
    readonly int stackLimit;
    readonly int memoLimit;
    int position;
    int tensors;
    long opcodeOffset;
    byte opcode;

    public PickleMachine(string path, byte[] data, PersistentLoad persistentLoad)
    {
        checkpointPath = path;
        pickle = data;
        loadPersistent = persistentLoad;
        // Every push and every memo store costs at least one opcode byte, so these caps can
        // never reject a well-formed pickle of this size; they make the bound explicit.
        stackLimit = Math.Min(MaxStackDepth, Math.Max(1, data.Length));
        memoLimit = Math.Min(MaxMemoEntries, Math.Max(1, data.Length));
    }

    /// <summary>Runs the pickle to its STOP and returns the value it leaves.</summary>
    public object? Run()
    {
        while (true)
        {
            if (position >= pickle.Length)
                throw Corrupt($"the pickle ends at offset {pickle.Length} without a STOP opcode (truncated data.pkl?).");
            opcodeOffset = position;
            opcode = pickle[position++];
            switch (opcode)
            {
                case 0x80: // PROTO
                {
                    byte protocol = ReadByte();
                    if (protocol > HighestProtocol)
                        throw Corrupt($"the pickle asks for protocol {protocol} at offset {opcodeOffset}; the highest known is {HighestProtocol}.");
                    break;
                }
                case 0x95: // FRAME: only a hint for buffered readers; the bytes follow inline.
                {
                    ulong frame = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
                    if (frame > (ulong)Remaining)
                        throw Corrupt($"the FRAME at offset {opcodeOffset} claims {frame} bytes but only {Remaining} remain.");
                    break;
                }
                case (byte)'.': // STOP
                    return Pop();

                case (byte)'(': // MARK
                    if (marks.Count >= MaxMarkDepth)
                        throw Corrupt($"MARKs nest deeper than {MaxMarkDepth} at offset {opcodeOffset}.");
                    marks.Add(stack.Count);
                    break;
                case (byte)'0': // POP
                    Pop();
                    break;
                case (byte)'1': // POP_MARK
                    PopToMark();
                    break;
                case (byte)'2': // DUP
                    Push(Peek());
                    break;

                case (byte)'N': Push(null); break; // NONE
                case 0x88: Push(true); break; // NEWTRUE
                case 0x89: Push(false); break; // NEWFALSE
                case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case (byte)'K': Push((long)ReadByte()); break; // BININT1
                case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case 0x8a: Push(ReadLong(ReadByte())); break; // LONG1
                case 0x8b: // LONG4
                {
                    int n = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
                    if (n < 0) throw Corrupt($"LONG4 at offset {opcodeOffset} has negative length {n}.");
                    Push(ReadLong(n));
                    break;
                }
                case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT

                case (byte)'X': Push(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // BINUNICODE
                case 0x8c: Push(ReadString(ReadByte())); break; // SHORT_BINUNICODE
                case 0x8d: Push(ReadString(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))); break; // BINUNICODE8
                case (byte)'B': Push(ReadBytes(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // BINBYTES
                case (byte)'C': Push(ReadBytes(ReadByte())); break; // SHORT_BINBYTES
                case 0x8e: Push(ReadBytes(BinaryPrimitives.ReadUInt64LittleEndian(Take(8)))); break; // BINBYTES8

                case (byte)')': Push(PickleTuple.Empty); break; // EMPTY_TUPLE
                case (byte)'t': Push(new PickleTuple(PopToMark())); break; // TUPLE
                case 0x85: Push(new PickleTuple([Pop()])); break; // TUPLE1
                case 0x86: // TUPLE2
                {
                    var b = Pop();
                    var a = Pop();
                    Push(new PickleTuple([a, b]));
                    break;
                }
                case 0x87: // TUPLE3
                {
                    var c = Pop();
                    var b = Pop();
                    var a = Pop();
                    Push(new PickleTuple([a, b, c]));
                    break;
                }
                case (byte)']': Push(new PickleList()); break; // EMPTY_LIST
                case (byte)'l': // LIST
                {
                    var list = new PickleList();
                    list.Items.AddRange(PopToMark());
                    Push(list);
                    break;
                }
                case (byte)'a': // APPEND
                {
                    var item = Pop();
                    ListOnTop().Items.Add(item);
                    break;
                }
                case (byte)'e': // APPENDS
                {
                    var items = PopToMark();
                    ListOnTop().Items.AddRange(items);
                    break;
                }
                case (byte)'}': Push(new PickleDict()); break; // EMPTY_DICT
                case (byte)'d': // DICT
                {
                    var dict = new PickleDict();
                    SetPairs(dict, PopToMark());
                    Push(dict);
                    break;
                }
                case (byte)'s': // SETITEM
                {
                    var value = Pop();
                    var key = Pop();
                    DictOnTop().Set(key, value);
                    break;
                }
                case (byte)'u': // SETITEMS
                {
                    var items = PopToMark();
                    SetPairs(DictOnTop(), items);
                    break;
                }

                case (byte)'q': Memoize(ReadByte()); break; // BINPUT
                case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break; // LONG_BINPUT
                case 0x94: Memoize((uint)memo.Count); break; // MEMOIZE
                case (byte)'h': Push(Recall(ReadByte())); break; // BINGET
                case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET

                case (byte)'c': // GLOBAL: "module\nname\n"
                {
                    var module = ReadLine();
                    var name = ReadLine();
                    Push(ResolveGlobal(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop();
                    var module = Pop();
                    if (module is not string m || name is not string n)
                        throw Corrupt($"STACK_GLOBAL at offset {opcodeOffset} needs two strings on the stack.");
                    Push(ResolveGlobal(m, n));
                    break;
                }
                case (byte)'R': // REDUCE
                {
                    var args = Pop();
                    var callable = Pop();
                    Push(Call(callable, args));
                    break;
                }
                case 0x81: // NEWOBJ
                {
                    var args = Pop();
                    var cls = Pop();
                    if (cls is not PickleGlobal { Kind: PickleGlobalKind.OrderedDict } || args is not PickleTuple { Count: 0 })
                        throw Corrupt($"NEWOBJ at offset {opcodeOffset} builds {Describe(cls)}; only collections.OrderedDict() is expected.");
                    Push(new PickleDict());
                    break;
                }
                case (byte)'b': // BUILD
                {
                    var state = Pop();
                    var target = Peek();
                    // torch's state dicts are OrderedDicts carrying a _metadata attribute (layer
                    // versions); that state says nothing about the tensors and is dropped.
                    if (target is not PickleDict)
                        throw Corrupt($"BUILD at offset {opcodeOffset} sets the state of {Describe(target)}; only an OrderedDict's state is expected.");
                    if (state is not (null or PickleDict or PickleTuple))
                        throw Corrupt($"BUILD at offset {opcodeOffset} gives an OrderedDict the state {Describe(state)}.");
                    break;
                }
                case (byte)'Q': // BINPERSID
                {
                    var id = Pop();
                    Push(loadPersistent(id, opcodeOffset));
                    break;
                }

                default:
                    throw Corrupt(
                        $"unknown or unsupported pickle opcode 0x{opcode:X2}{Printable(opcode)} at offset {opcodeOffset} of data.pkl.");
            }
        }
    }

    int Remaining => pickle.Length - position;

    BertAdaptException Corrupt(string detail) => PyTorchErrors.Corrupt(checkpointPath, detail);

    static string Printable(byte b) => b is >= 0x21 and < 0x7f ? $" ('{(char)b}')" : "";

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        PickleGlobal g => g.DottedName,
        PickleTuple t => $"a tuple of {t.Count}",
        PickleList => "a list",
        PickleDict => "a dict",
        StorageRef => "a storage",
        TensorRef => "a tensor",
        string => "a string",
        long or BigInteger => "an int",
        bool => "a bool",
        double => "a float",
        byte[] => "bytes",
        _ => value.GetType().Name,
    };

    ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining)
            throw Corrupt($"the pickle ends inside opcode 0x{opcode:X2} at offset {opcodeOffset} (truncated data.pkl?).");
        var span = new ReadOnlySpan<byte>(pickle, position, count);
        position += count;
        return span;
    }

    byte ReadByte() => Take(1)[0];

    /// <summary>Checks a length read from the pickle against the bytes that really remain, before any allocation.</summary>
    int CheckLength(ulong length, string what)
    {
        if (length > (ulong)Remaining)
            throw Corrupt($"{what} at offset {opcodeOffset} claims {length} bytes but only {Remaining} remain in data.pkl.");
        return (int)length;
    }

    string ReadString(ulong length)
    {
        int n = CheckLength(length, "a string");
        try
        {
            return StrictUtf8.GetString(Take(n));
        }
        catch (DecoderFallbackException ex)
        {
            throw PyTorchErrors.Corrupt(checkpointPath, $"the string at offset {opcodeOffset} is not valid UTF-8.", ex);
        }
    }

    byte[] ReadBytes(ulong length) => Take(CheckLength(length, "a bytes object")).ToArray();

    object ReadLong(int length)
    {
        CheckLength((ulong)length, "an integer");
        if (length > MaxLongBytes)
            throw Corrupt($"the integer at offset {opcodeOffset} is {length} bytes wide; at most {MaxLongBytes} are accepted.");
        var bytes = Take(length);
        if (length == 0) return 0L;
        if (length <= 8)
        {
            // Little-endian two's complement, sign-extended from the top byte.
            long value = (sbyte)bytes[length - 1];
            for (int i = length - 2; i >= 0; i--) value = (value << 8) | bytes[i];
            return value;
        }
        return new BigInteger(bytes, isUnsigned: false, isBigEndian: false);
    }

    string ReadLine()
    {
        int limit = Math.Min(Remaining, MaxGlobalLineBytes + 1);
        int end = Array.IndexOf(pickle, (byte)'\n', position, limit);
        if (end < 0)
            throw Corrupt(limit > MaxGlobalLineBytes
                ? $"a GLOBAL name at offset {opcodeOffset} is longer than {MaxGlobalLineBytes} bytes."
                : $"the pickle ends inside the GLOBAL at offset {opcodeOffset} (truncated data.pkl?).");
        string text;
        try
        {
            text = StrictUtf8.GetString(pickle, position, end - position);
        }
        catch (DecoderFallbackException ex)
        {
            throw PyTorchErrors.Corrupt(checkpointPath, $"the GLOBAL at offset {opcodeOffset} is not valid UTF-8.", ex);
        }
        position = end + 1;
        return text;
    }

    void Push(object? value)
    {
        if (stack.Count >= stackLimit)
            throw Corrupt($"the pickle stack grows beyond {stackLimit} entries at offset {opcodeOffset}.");
        stack.Add(value);
    }

    int Floor => marks.Count == 0 ? 0 : marks[^1];

    object? Pop()
    {
        if (stack.Count <= Floor)
            throw Corrupt($"opcode 0x{opcode:X2}{Printable(opcode)} at offset {opcodeOffset} pops an empty stack.");
        var value = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    object? Peek()
    {
        if (stack.Count <= Floor)
            throw Corrupt($"opcode 0x{opcode:X2}{Printable(opcode)} at offset {opcodeOffset} needs a value but the stack is empty.");
        return stack[^1];
    }

    object?[] PopToMark()
    {
        if (marks.Count == 0)
            throw Corrupt($"opcode 0x{opcode:X2}{Printable(opcode)} at offset {opcodeOffset} has no MARK to pop to.");
        int mark = marks[^1];
        marks.RemoveAt(marks.Count - 1);
        var items = stack.GetRange(mark, stack.Count - mark).ToArray();
        stack.RemoveRange(mark, stack.Count - mark);
        return items;
    }

    PickleList ListOnTop() =>
        Peek() as PickleList ?? throw Corrupt($"APPEND at offset {opcodeOffset} targets {Describe(Peek())}, not a list.");

    PickleDict DictOnTop() =>
        Peek() as PickleDict ?? throw Corrupt($"SETITEM at offset {opcodeOffset} targets {Describe(Peek())}, not a dict.");

    void SetPairs(PickleDict dict, object?[] items)
    {
        if (items.Length % 2 != 0)
            throw Corrupt($"opcode 0x{opcode:X2}{Printable(opcode)} at offset {opcodeOffset} has an odd number ({items.Length}) of keys and values.");
        for (int i = 0; i < items.Length; i += 2) dict.Set(items[i], items[i + 1]);
    }

    void Memoize(uint key)
    {
        var value = Peek();
        if (!memo.ContainsKey(key) && memo.Count >= memoLimit)
            throw Corrupt($"the pickle memo grows beyond {memoLimit} entries at offset {opcodeOffset}.");
        memo[key] = value;
    }

    object? Recall(uint key) =>
        memo.TryGetValue(key, out var value)
            ? value
            : throw Corrupt($"the pickle reads memo entry {key} at offset {opcodeOffset} before storing it.");

    PickleGlobal ResolveGlobal(string module, string name) =>
        PyTorchGlobals.Resolve(module, name) ?? throw PyTorchErrors.GlobalRefused(checkpointPath, module, name, opcodeOffset);

    object Call(object? callable, object? argsValue)
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
                return RebuildTensor(args);
            case PickleGlobalKind.RebuildTensor:
                // _rebuild_tensor(storage, storage_offset, size, stride): v2's layout without requires_grad and hooks.
                if (args.Count != 4)
                    throw Corrupt($"REDUCE at offset {opcodeOffset} calls {function.DottedName} with {args.Count} arguments; it takes 4.");
                return RebuildTensor(new PickleTuple([.. args.Items, false, null]));
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
                return Latin1(text);
            case PickleGlobalKind.ByteArray:
                return args switch
                {
                    { Count: 0 } => Array.Empty<byte>(),
                    { Count: 1 } when args[0] is byte[] bytes => bytes,
                    { Count: 2 } when args[0] is string && args[1] is "latin1" or "latin-1" => Latin1((string)args[0]!),
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
    byte[] Latin1(string text)
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
    TensorRef RebuildTensor(PickleTuple args)
    {
        string where = $"the tensor rebuilt at offset {opcodeOffset}";
        if (++tensors > MaxTensors)
            throw Corrupt($"{where} is one more than the {MaxTensors} tensors one checkpoint may hold.");
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
        if (tuple.Count > MaxTensorDims)
            throw Corrupt($"{where} has {tuple.Count} dimensions; at most {MaxTensorDims} are accepted.");
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
