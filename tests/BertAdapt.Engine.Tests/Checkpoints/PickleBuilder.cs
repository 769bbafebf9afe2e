using System.Buffers.Binary;
using System.Text;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>Writes pickle opcodes; just enough to build what torch.save writes, and to break it.</summary>
internal sealed class PickleBuilder
{
    private readonly MemoryStream _bytes = new();

    public PickleBuilder Op(char opcode) => Raw((byte)opcode);
    public PickleBuilder Raw(params byte[] bytes) { _bytes.Write(bytes); return this; }
    public PickleBuilder Proto(byte protocol = 2) => Raw(0x80, protocol);
    public PickleBuilder Global(string module, string name) => Op('c').Raw(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));
    public PickleBuilder Mark() => Op('(');
    public PickleBuilder Tuple() => Op('t');
    public PickleBuilder EmptyTuple() => Op(')');
    public PickleBuilder Reduce() => Op('R');
    public PickleBuilder Stop() => Op('.');

    public PickleBuilder Str(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        return Op('X').Raw(length).Raw(utf8);
    }

    public PickleBuilder Int(long value)
    {
        if (value is >= 0 and <= 255) return Op('K').Raw((byte)value);
        if (value is < int.MinValue or > int.MaxValue)
        {
            var wide = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(wide, value);
            return Raw(0x8a, 8).Raw(wide); // LONG1
        }
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, checked((int)value));
        return Op('J').Raw(bytes);
    }

    public PickleBuilder Ints(long[] values)
    {
        Mark();
        foreach (var v in values) Int(v);
        return Tuple();
    }

    public PickleBuilder NewOrderedDict() => Global("collections", "OrderedDict").EmptyTuple().Reduce();

    /// <summary>_rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()).</summary>
    public PickleBuilder Tensor(string storageType, string key, long numel, long offset, long[] size, long[] stride) =>
        Global("torch._utils", "_rebuild_tensor_v2").Mark()
            .Mark().Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel).Tuple().Op('Q')
            .Int(offset).Ints(size).Ints(stride).Raw(0x89).NewOrderedDict()
            .Tuple().Reduce();

    /// <summary>The same with the legacy format's six-item persistent id: view metadata None, or (key, offset, size) of a storage view.</summary>
    public PickleBuilder LegacyTensor(string storageType, string key, long numel, long offset, long[] size, long[] stride,
        (string Key, long Offset, long Size)? view = null)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark()
            .Mark().Str("storage").Global("torch", storageType).Str(key).Str("cpu").Int(numel);
        if (view is { } v) Mark().Str(v.Key).Int(v.Offset).Int(v.Size).Tuple();
        else Op('N');
        return Tuple().Op('Q').Int(offset).Ints(size).Ints(stride).Raw(0x89).NewOrderedDict().Tuple().Reduce();
    }

    /// <summary>OrderedDict of the given entries, then STOP.</summary>
    public PickleBuilder StateDict(params (string Name, Action<PickleBuilder> Value)[] items)
    {
        Proto().NewOrderedDict().Mark();
        foreach (var (name, value) in items)
        {
            Str(name);
            value(this);
        }
        return Op('u').Stop();
    }

    public byte[] ToArray() => _bytes.ToArray();
}
