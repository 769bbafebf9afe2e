using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>
/// Reads the weights of a BERT encoder exported to ONNX and presents them as a bare Hugging
/// Face <c>BertModel</c> state dict: <c>embeddings.*</c>, <c>encoder.layer.N.*</c> and
/// <c>pooler.dense.*</c>, Linear weights shaped [out, in].
/// <para>
/// Exporters keep the Hugging Face names of embeddings, biases and LayerNorm parameters but
/// often fold each Linear weight into an anonymous initializer stored [in, out] for a MatMul.
/// Such a weight is named after the bias its MatMul's output is added to (<c>….bias</c> becomes
/// <c>….weight</c>) and transposed when read. A leading <c>bert.</c> is dropped. Initializers
/// that map to nothing keep their own names; small integer constants of the graph (shapes,
/// axes) and scalars are not listed.
/// </para>
/// The file is read with positional reads: <see cref="Open"/> walks the message structure and
/// validates every initializer's header and data length without reading tensor data, which is
/// read on demand by <see cref="ReadFloat32"/>. Tensors stored outside the file (external data)
/// are refused.
/// </summary>
public sealed partial class OnnxBertReader : ITensorSource
{
    public const string CorruptErrorId = "OnnxCorrupt";
    public const string NotFoundErrorId = "CheckpointFileNotFound";
    public const string ExternalDataErrorId = "OnnxExternalDataUnsupported";
    public const string DTypeErrorId = "OnnxDTypeUnsupported";
    public const string NotBertErrorId = "OnnxNotBert";
    public const string ConfigIncompleteErrorId = "OnnxConfigIncomplete";

    /// <summary>The Hugging Face config file looked for beside the .onnx file.</summary>
    public const string ConfigFile = "config.json";

    /// <summary>LayerNorm epsilon assumed when the graph shows none (BERT's).</summary>
    public const double DefaultLayerNormEps = 1e-12;

    sealed record Entry(SourceTensor Tensor, OnnxTensor Source, bool Transposed);

    readonly ProtoFile file;
    readonly OnnxGraph graph;
    readonly Dictionary<string, Entry> entries;
    readonly Dictionary<string, OnnxTensor> initializers;
    readonly Dictionary<string, OnnxNode> producers;
    readonly object gate = new();
    bool disposed;

    OnnxBertReader(string path, ProtoFile file, OnnxGraph graph, Dictionary<string, OnnxTensor> initializers,
        Dictionary<string, OnnxNode> producers, Dictionary<string, Entry> entries)
    {
        Path = path;
        this.file = file;
        this.graph = graph;
        this.initializers = initializers;
        this.producers = producers;
        this.entries = entries;
        Tensors = entries.ToDictionary(e => e.Key, e => e.Value.Tensor, StringComparer.Ordinal);
        InitializerNames = entries.ToDictionary(e => e.Key, e => e.Value.Source.Name, StringComparer.Ordinal);
    }

    /// <summary>Full path of the .onnx file.</summary>
    public string Path { get; }

    /// <summary>Every weight the file holds, by its Hugging Face name where one could be given.</summary>
    public IReadOnlyDictionary<string, SourceTensor> Tensors { get; }

    /// <summary>For each name in <see cref="Tensors"/>, the initializer it comes from (the same name unless it was renamed).</summary>
    public IReadOnlyDictionary<string, string> InitializerNames { get; }

    /// <summary>The graph's input names (some exporters also list initializers here).</summary>
    public IReadOnlyList<string> GraphInputs => graph.Inputs;

    /// <summary>The graph's output names, e.g. <c>last_hidden_state</c>.</summary>
    public IReadOnlyList<string> GraphOutputs => graph.Outputs;

    /// <summary>The op types the graph uses, with how often (for reports and tests).</summary>
    public IReadOnlyDictionary<string, int> OperatorCounts =>
        graph.Nodes.GroupBy(n => n.OpType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>True when the tensor is a MatMul weight stored [in, out] that <see cref="ReadFloat32"/> transposes.</summary>
    public bool IsTransposed(string name) => entries.TryGetValue(name, out var e) && e.Transposed;

    public static OnnxBertReader Open(string path)
    {
        var stream = CheckpointFile.OpenRead(path, out var fullPath);
        var file = new ProtoFile(stream);
        try
        {
            if (file.Length == 0) throw Corrupt(fullPath, "the file is empty.");
            OnnxGraph graph;
            try
            {
                graph = OnnxParser.Parse(file);
            }
            catch (ProtoFormatException ex)
            {
                throw Corrupt(fullPath, $"at byte {ex.Offset}, {ex.Message}", ex);
            }
            return Build(fullPath, file, graph);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>ONNX Runtime's fused transformer operators: their weights are packed for its own kernels.</summary>
    static readonly HashSet<string> FusedOperators = new(StringComparer.Ordinal)
    {
        "Attention", "MultiHeadAttention", "EmbedLayerNormalization", "SkipLayerNormalization", "SkipSimplifiedLayerNormalization",
        "BiasGelu", "FastGelu", "FusedMatMul", "QAttention",
    };

    static OnnxBertReader Build(string path, ProtoFile file, OnnxGraph graph)
    {
        var fused = graph.Nodes.Where(n => n.Domain == "com.microsoft" && FusedOperators.Contains(n.OpType)).Select(n => n.OpType).Distinct().Order(StringComparer.Ordinal).ToList();
        if (fused.Count > 0)
            throw new BertAdaptException("OnnxGraphFused", BertAdaptErrorKind.NotImplemented,
                $"ONNX file '{path}' was optimised by ONNX Runtime, which fused BERT's layers into its own operators ({string.Join(", ", fused)}): "
                + "their weights are packed for those kernels (a layer's query, key and value in one tensor) and have no Hugging Face names. "
                + "Export the model again at the basic optimisation level or none (ORT_ENABLE_BASIC; optimum's O1 or no --optimize), "
                + "or import its Hugging Face checkpoint (model.safetensors or pytorch_model.bin) instead.", path);
        var initializers = new Dictionary<string, OnnxTensor>(StringComparer.Ordinal);
        foreach (var t in graph.Initializers)
        {
            if (t.Name.Length == 0) throw Corrupt(path, $"an initializer at byte {t.Offset} has no name.");
            if (!initializers.TryAdd(t.Name, t)) throw Corrupt(path, $"initializer '{t.Name}' appears more than once.");
        }
        // Refuse external data first: such a file is usually well formed, just not self-contained.
        foreach (var t in graph.Initializers)
        {
            if (t.IsExternal)
                throw new BertAdaptException(ExternalDataErrorId, BertAdaptErrorKind.InvalidData,
                    $"ONNX file '{path}' keeps tensor '{t.Name}' in an external file"
                    + (t.ExternalLocation is { Length: > 0 } location ? $" ('{location}')" : "")
                    + ". BertAdapt reads only self-contained ONNX files; save the model with its weights inside the .onnx file "
                    + "(e.g. onnx.save_model(model, path, save_as_external_data=False)) or import the Hugging Face checkpoint instead.", path);
        }
        foreach (var t in graph.Initializers)
        {
            var dtype = DTypeOf(path, t);
            ValidateData(path, t, dtype);
        }

        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            foreach (var output in node.Outputs)
                if (output.Length > 0) producers.TryAdd(output, node);
            foreach (var input in node.Inputs)
            {
                if (input.Length == 0) continue;
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
        }

        var traced = OnnxWeightNames.TraceLinearWeights(graph, initializers, consumers);

        // The name each listed initializer asks for; names two initializers ask for fall back to their own.
        var wanted = new List<(OnnxTensor Tensor, string Name, bool Transposed)>();
        foreach (var t in graph.Initializers)
        {
            if (OnnxWeightNames.IsGraphConstant(t, DTypeOf(path, t))) continue;
            if (traced.TryGetValue(t.Name, out var map)) wanted.Add((t, map.Name, map.Transposed));
            else wanted.Add((t, OnnxWeightNames.StripPrefix(t.Name), false));
        }
        var claims = wanted.GroupBy(w => w.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var (t, name, transposed) in wanted)
        {
            bool keepOwn = claims.Contains(name);
            var finalName = keepOwn ? t.Name : name;
            bool transpose = !keepOwn && transposed;
            var dims = t.Dims.ToArray();
            if (transpose) dims = [dims[1], dims[0]];
            if (!entries.TryAdd(finalName, new Entry(new SourceTensor(finalName, DTypeOf(path, t), dims), t, transpose)))
                throw Corrupt(path, $"two initializers would both be presented as '{finalName}'.");
        }
        return new OnnxBertReader(path, file, graph, initializers, producers, entries);
    }

    static SafeTensorDType DTypeOf(string path, OnnxTensor t) => (OnnxDataType)t.DataType switch
    {
        OnnxDataType.Float => SafeTensorDType.F32,
        OnnxDataType.Float16 => SafeTensorDType.F16,
        OnnxDataType.BFloat16 => SafeTensorDType.BF16,
        OnnxDataType.Double => SafeTensorDType.F64,
        OnnxDataType.Int64 => SafeTensorDType.I64,
        OnnxDataType.Int32 => SafeTensorDType.I32,
        OnnxDataType.Int16 => SafeTensorDType.I16,
        OnnxDataType.Int8 => SafeTensorDType.I8,
        OnnxDataType.UInt8 => SafeTensorDType.U8,
        OnnxDataType.Bool => SafeTensorDType.BOOL,
        _ => throw new BertAdaptException(DTypeErrorId, BertAdaptErrorKind.InvalidData,
            $"ONNX file '{path}': tensor '{t.Name}' has element type {DataTypeName(t.DataType)}, which BertAdapt cannot read "
            + "(supported: float32, float16, bfloat16, float64 and integer types).", path),
    };

    static string DataTypeName(int type) => Enum.IsDefined(typeof(OnnxDataType), type)
        ? $"{((OnnxDataType)type).ToString().ToUpperInvariant()} ({type})" : $"{type}";

    /// <summary>The typed field that holds a dtype's values when raw_data is absent.</summary>
    static int TypedFieldOf(SafeTensorDType dtype) => dtype switch
    {
        SafeTensorDType.F32 => 4,
        SafeTensorDType.I64 => 7,
        SafeTensorDType.F64 => 10,
        _ => 5, // int32_data also carries float16/bfloat16 bits and the narrow integer types
    };

    /// <summary>Checks the shape and that the data present holds exactly that many elements.</summary>
    static void ValidateData(string path, OnnxTensor t, SafeTensorDType dtype)
    {
        if (t.HasSegment) throw Corrupt(path, $"tensor '{t.Name}' is split into segments, which is not supported.");
        foreach (var d in t.Dims)
            if (d < 0) throw Corrupt(path, $"tensor '{t.Name}' has negative dimension {d}.");
        long count;
        try
        {
            count = SafeTensorDTypes.ElementCount(t.Dims);
            if (t.Raw is { } r)
            {
                long expected = checked(count * SafeTensorDTypes.ElementSize(dtype));
                if (r.Length != expected)
                    throw Corrupt(path, $"tensor '{t.Name}' has {r.Length} bytes of raw_data but {SafeTensorDTypes.Format(dtype)} shape [{string.Join(", ", t.Dims)}] needs {expected}.");
                return;
            }
        }
        catch (OverflowException ex)
        {
            throw Corrupt(path, $"tensor '{t.Name}' has a shape [{string.Join(", ", t.Dims)}] whose size overflows.", ex);
        }

        int field = TypedFieldOf(dtype);
        foreach (var other in t.Typed.Keys)
            if (other != field && t.Typed[other].Count > 0)
                throw Corrupt(path, $"tensor '{t.Name}' ({SafeTensorDTypes.Format(dtype)}) stores values in field {other}, which does not hold that type.");
        long present = t.Typed.TryGetValue(field, out var typed) ? typed.Count : 0;
        if (present != count)
            throw Corrupt(path, present == 0 && t.Typed.Count == 0
                ? $"tensor '{t.Name}' with shape [{string.Join(", ", t.Dims)}] has no data."
                : $"tensor '{t.Name}' holds {present} values but shape [{string.Join(", ", t.Dims)}] needs {count}.");
    }

    /// <summary>
    /// Reads one tensor as float32 in the order of its presented shape; a MatMul weight stored
    /// [in, out] is transposed to [out, in].
    /// </summary>
    public void ReadFloat32(string name, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!entries.TryGetValue(name, out var entry))
            throw new ArgumentException($"ONNX file '{Path}' has no tensor '{name}'.", nameof(name));
        var tensor = entry.Tensor;
        if (destination.Length != tensor.ElementCount)
            throw new ArgumentException($"Destination holds {destination.Length} values but tensor '{name}' has {tensor.ElementCount}.", nameof(destination));
        if (tensor.DType is not (SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.F64))
            throw new BertAdaptException(DTypeErrorId, BertAdaptErrorKind.InvalidData,
                $"ONNX file '{Path}': tensor '{name}' is {SafeTensorDTypes.Format(tensor.DType)}, not floating point.", Path);

        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (!entry.Transposed)
            {
                DecodeFloats(entry.Source, tensor.DType, destination);
                return;
            }
            // Stored [rows = in, columns = out]; presented [out, in].
            int rows = checked((int)entry.Source.Dims[0]), columns = checked((int)entry.Source.Dims[1]);
            var stored = ArrayPool<float>.Shared.Rent(destination.Length);
            try
            {
                var source = stored.AsSpan(0, destination.Length);
                DecodeFloats(entry.Source, tensor.DType, source);
                for (int r = 0; r < rows; r++)
                {
                    var row = source.Slice(r * columns, columns);
                    for (int c = 0; c < columns; c++) destination[c * rows + r] = row[c];
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(stored);
            }
        }
    }

    /// <summary>Decodes a validated floating-point tensor into <paramref name="destination"/> (its element count).</summary>
    void DecodeFloats(OnnxTensor t, SafeTensorDType dtype, Span<float> destination)
    {
        try
        {
            if (t.Raw is { } whole && dtype == SafeTensorDType.F32 && BitConverter.IsLittleEndian)
            {
                file.Read(whole.Start, MemoryMarshal.AsBytes(destination));
                return;
            }
            if (t.Raw is { } raw)
            {
                int size = SafeTensorDTypes.ElementSize(dtype);
                var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(raw.Length, 1 << 20));
                try
                {
                    long offset = raw.Start;
                    int done = 0;
                    int perChunk = buffer.Length / size;
                    while (done < destination.Length)
                    {
                        int n = Math.Min(perChunk, destination.Length - done);
                        var bytes = buffer.AsSpan(0, n * size);
                        file.Read(offset, bytes);
                        ConvertRaw(bytes, dtype, destination.Slice(done, n));
                        done += n;
                        offset += bytes.Length;
                    }
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
                return;
            }
            int index = 0;
            if (t.Typed.TryGetValue(TypedFieldOf(dtype), out var typed))
            {
                foreach (var value in TypedValues(typed))
                {
                    if (index >= destination.Length) break;
                    destination[index++] = dtype switch
                    {
                        SafeTensorDType.F32 => BitConverter.Int32BitsToSingle(unchecked((int)value)),
                        SafeTensorDType.F64 => (float)BitConverter.Int64BitsToDouble(unchecked((long)value)),
                        SafeTensorDType.F16 => (float)BitConverter.UInt16BitsToHalf(unchecked((ushort)value)),
                        _ => BitConverter.Int32BitsToSingle(unchecked((int)((uint)(ushort)value << 16))),
                    };
                }
            }
            if (index != destination.Length)
                throw new ProtoFormatException($"tensor '{t.Name}' yielded {index} values, not {destination.Length}.", t.Offset);
        }
        catch (ProtoFormatException ex)
        {
            throw Corrupt(Path, $"while reading tensor '{t.Name}': {ex.Message}", ex);
        }
    }

    static void ConvertRaw(ReadOnlySpan<byte> bytes, SafeTensorDType dtype, Span<float> destination)
    {
        switch (dtype)
        {
            case SafeTensorDType.F32:
                for (int i = 0; i < destination.Length; i++) destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                break;
            case SafeTensorDType.F16:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes[(2 * i)..]);
                break;
            case SafeTensorDType.BF16:
                // bfloat16 is the top half of a float32, so widening is exact.
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16);
                break;
            case SafeTensorDType.F64:
                for (int i = 0; i < destination.Length; i++) destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(bytes[(8 * i)..]);
                break;
            default:
                throw new InvalidOperationException($"{dtype} is not floating point.");
        }
    }

    /// <summary>The values of a typed field as raw 64-bit words (fixed32 in the low half), packed and unpacked alike.</summary>
    IEnumerable<ulong> TypedValues(TypedData data)
    {
        foreach (var region in data.Regions)
        {
            var cursor = new ProtoCursor(file, region.Start, region.Length);
            while (cursor.HasMore)
            {
                if (!region.Packed)
                {
                    var (field, wire) = cursor.ReadTag();
                    if (field != data.Field || wire != data.ElementWire)
                        throw new ProtoFormatException($"an unpacked run of field {data.Field} holds field {field}.", cursor.Position);
                }
                yield return data.ElementWire switch
                {
                    WireType.Fixed32 => cursor.ReadFixed32(),
                    WireType.Fixed64 => cursor.ReadFixed64(),
                    _ => cursor.ReadVarint(),
                };
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (disposed) return;
            disposed = true;
            file.Dispose();
        }
    }

    static BertAdaptException Corrupt(string path, string detail, Exception? inner = null) =>
        new(CorruptErrorId, BertAdaptErrorKind.InvalidData, $"ONNX file '{path}' is corrupt or not an ONNX model: {detail}", path, inner);

}
