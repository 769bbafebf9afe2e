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
    readonly PickleCalls calls;
    readonly List<object?> stack = [];
    readonly List<int> marks = [];
    readonly Dictionary<uint, object?> memo = [];
    readonly int stackLimit;
    readonly int memoLimit;
    int position;
    long opcodeOffset;
    byte opcode;

    public PickleMachine(string path, byte[] data, PersistentLoad persistentLoad)
    {
        checkpointPath = path;
        pickle = data;
        loadPersistent = persistentLoad;
        calls = new PickleCalls(path);
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
                    Push(calls.Call(callable, args, opcodeOffset));
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

}
