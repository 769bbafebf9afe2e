using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace BertAdapt.Engine.Checkpoints.TensorFlow;

/// <summary>
/// Google's original TensorFlow BERT checkpoint (<c>bert_model.ckpt.index</c> beside
/// <c>bert_model.ckpt.data-00000-of-00001</c>) as an <see cref="ITensorSource"/>, read without
/// TensorFlow. The index (see <see cref="TfTable"/>) maps each variable to its bytes in a data
/// shard; the variables are offered under Hugging Face's names (see <see cref="TfNames"/>),
/// dense kernels transposed. Every entry's bytes are checked to lie inside its shard and to
/// match its shape and dtype when the index is opened, and against their CRC-32C when read.
/// </summary>
public sealed class TfCheckpointSource : ITensorSource
{
    sealed record Variable(string TfName, TfBundleEntry Entry, SafeTensorDType DType, bool Transpose);

    readonly Dictionary<string, Variable> variables;
    readonly SafeFileHandle[] shards;

    TfCheckpointSource(string path, Dictionary<string, Variable> variables, SafeFileHandle[] shards)
    {
        Path = path;
        this.variables = variables;
        this.shards = shards;
        Tensors = variables.ToDictionary(v => v.Key, v =>
        {
            var shape = v.Value.Transpose ? [v.Value.Entry.Shape[1], v.Value.Entry.Shape[0]] : v.Value.Entry.Shape;
            return new SourceTensor(v.Key, v.Value.DType, shape, v.Value.DType == SafeTensorDType.Unknown ? DTypeName(v.Value.Entry.DType) : null);
        }, StringComparer.Ordinal);
    }

    /// <summary>The checkpoint's prefix: the index file's path without <c>.index</c>.</summary>
    public static string PrefixOf(string indexPath) => indexPath.EndsWith(".index", StringComparison.Ordinal) ? indexPath[..^".index".Length] : indexPath;

    /// <summary>The path of data shard <paramref name="shard"/> of <paramref name="count"/>.</summary>
    public static string ShardPath(string prefix, int shard, int count) =>
        string.Create(CultureInfo.InvariantCulture, $"{prefix}.data-{shard:D5}-of-{count:D5}");

    public static TfCheckpointSource Open(string indexPath)
    {
        var entries = TfTable.ReadAll(indexPath);
        int shardCount = 1;
        var variables = new Dictionary<string, Variable>(StringComparer.Ordinal);
        var shardLengths = new List<long>();
        var handles = new List<SafeFileHandle>();
        try
        {
            foreach (var (key, value) in entries)
            {
                if (key.Length == 0)
                {
                    var (count, bigEndian) = Parse(indexPath, "header", () => TfBundleEntry.ParseHeader(value));
                    if (bigEndian)
                        throw new BertAdaptException("TfCheckpointUnsupported", BertAdaptErrorKind.NotImplemented,
                            $"'{indexPath}' was written on a big-endian machine; only little-endian TensorFlow checkpoints are read.", indexPath);
                    if (count is < 1 or > 10_000) throw TfTable.Corrupt(indexPath, $"its header names {count} data shards.");
                    shardCount = count;
                    continue;
                }
                if (TfNames.IsTrainingState(key)) continue;
                var entry = Parse(indexPath, $"the entry of '{key}'", () => TfBundleEntry.Parse(value));
                if (entry.Sliced)
                    throw new BertAdaptException("TfCheckpointUnsupported", BertAdaptErrorKind.NotImplemented,
                        $"'{indexPath}': the variable '{key}' is saved in partitioned slices, which BertAdapt does not read.", indexPath);
                var (name, transpose) = TfNames.ToHuggingFace(key);
                if (transpose && entry.Shape.Length != 2) transpose = false;
                var dtype = DTypeOf(entry.DType);
                if (!variables.TryAdd(name, new Variable(key, entry, dtype, transpose)))
                    throw TfTable.Corrupt(indexPath, $"two variables map to the name '{name}'.");
            }

            var prefix = PrefixOf(indexPath);
            for (int s = 0; s < shardCount; s++)
            {
                var shardPath = ShardPath(prefix, s, shardCount);
                if (!File.Exists(shardPath))
                    throw new BertAdaptException("TfCheckpointCorrupt", BertAdaptErrorKind.ObjectNotFound,
                        $"The TensorFlow checkpoint '{indexPath}' needs its data file '{System.IO.Path.GetFileName(shardPath)}', which is missing.", shardPath);
                var handle = File.OpenHandle(shardPath, FileMode.Open, FileAccess.Read, FileShare.Read);
                handles.Add(handle);
                shardLengths.Add(RandomAccess.GetLength(handle));
            }
            foreach (var v in variables.Values)
                Check(indexPath, v, shardLengths);
            return new TfCheckpointSource(indexPath, variables, [.. handles]);
        }
        catch
        {
            foreach (var handle in handles) handle.Dispose();
            throw;
        }
    }

    static T Parse<T>(string path, string what, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (Exception ex) when (ex is FormatException or OverflowException)
        {
            throw TfTable.Corrupt(path, $"{what} is malformed: {ex.Message}");
        }
    }

    static void Check(string path, Variable v, List<long> shardLengths)
    {
        var e = v.Entry;
        if (e.ShardId < 0 || e.ShardId >= shardLengths.Count)
            throw TfTable.Corrupt(path, $"'{v.TfName}' is in data shard {e.ShardId}, but there are {shardLengths.Count}.");
        if (e.Offset < 0 || e.Size < 0 || e.Offset > shardLengths[e.ShardId] - e.Size)
            throw TfTable.Corrupt(path, $"'{v.TfName}' claims bytes {e.Offset}..{e.Offset + e.Size} of a {shardLengths[e.ShardId]}-byte data file (truncated?).");
        if (v.DType == SafeTensorDType.Unknown) return;
        long expected;
        try
        {
            expected = SafeTensorDTypes.ByteLength(v.DType, e.Shape);
        }
        catch (OverflowException)
        {
            throw TfTable.Corrupt(path, $"'{v.TfName}' has a shape whose size overflows.");
        }
        if (expected != e.Size)
            throw TfTable.Corrupt(path, $"'{v.TfName}' has shape [{string.Join(", ", e.Shape)}] of {SafeTensorDTypes.Format(v.DType)} ({expected} bytes) but {e.Size} bytes.");
    }

    /// <summary>TensorFlow's DataType numbers (types.proto) for the element types a weight can have.</summary>
    static SafeTensorDType DTypeOf(int dtype) => dtype switch
    {
        1 => SafeTensorDType.F32,
        2 => SafeTensorDType.F64,
        3 => SafeTensorDType.I32,
        9 => SafeTensorDType.I64,
        14 => SafeTensorDType.BF16,
        19 => SafeTensorDType.F16,
        _ => SafeTensorDType.Unknown,
    };

    static string DTypeName(int dtype) => dtype switch
    {
        7 => "DT_STRING",
        10 => "DT_BOOL",
        _ => string.Create(CultureInfo.InvariantCulture, $"TensorFlow DataType {dtype}"),
    };

    public string Path { get; }

    public IReadOnlyDictionary<string, SourceTensor> Tensors { get; }

    public void ReadFloat32(string name, Span<float> destination)
    {
        var v = variables[name];
        var e = v.Entry;
        if (!Float32Conversion.IsFloatingPoint(v.DType))
            throw new BertAdaptException("CheckpointDTypeUnsupported", BertAdaptErrorKind.InvalidData,
                $"'{Path}': unsupported dtype {Tensors[name].DTypeText} for tensor {v.TfName}: the model's weights must be float32, float16, bfloat16 or float64.", Path);
        var bytes = new byte[e.Size];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(shards[e.ShardId], bytes.AsSpan(read), e.Offset + read);
            if (n <= 0) throw TfTable.Corrupt(Path, $"the data of '{v.TfName}' ended early (was the file truncated while being read?).");
            read += n;
        }
        // TensorFlow stores the CRC-32C of the bytes masked; an unmasked one is accepted too.
        if (e.Crc32C is uint stored && Crc32C.Extend(0, bytes) is var crc && stored != Crc32C.Mask(crc) && stored != crc)
            throw TfTable.Corrupt(Path, $"the data of '{v.TfName}' fails its checksum.");
        if (!v.Transpose)
        {
            Float32Conversion.Convert(v.DType, bytes, destination);
            return;
        }
        int rows = checked((int)e.Shape[0]), columns = checked((int)e.Shape[1]);
        var stored2d = new float[destination.Length];
        Float32Conversion.Convert(v.DType, bytes, stored2d);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                destination[c * rows + r] = stored2d[r * columns + c];
    }

    public void Dispose()
    {
        foreach (var handle in shards) handle.Dispose();
    }
}
