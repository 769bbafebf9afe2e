namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>
/// Writes a ModelProto (onnx.proto) from an <see cref="OnnxGraphBuilder"/>: IR version 8 with
/// the default operator set at opset 17, the graph's nodes, its inputs and outputs, and every
/// initializer with its data inline as raw_data. The graph's length must precede it, so it is
/// added up from the parts first; then each initializer's data is streamed straight from its
/// source, and the file is never held in memory whole.
/// </summary>
static class OnnxModelWriter
{
    /// <summary>IR version 8 is the one that goes with opset 17 (ONNX 1.12).</summary>
    public const long IrVersion = 8, Opset = 17;

    /// <summary>
    /// Protobuf's parsers (ONNX Runtime's among them) refuse a message of 2 GiB or more; larger
    /// models need ONNX's external-data files, which this writer does not make.
    /// </summary>
    public const long MaxModelBytes = int.MaxValue;

    public const string TooLargeErrorId = "OnnxExportTooLarge";

    /// <summary>The encoded parts of a model around its initializers' data, and the lengths that follow from them.</summary>
    sealed record Layout(byte[] Head, byte[] Leading, byte[] Trailing, List<byte[]> InitializerHeaders, long GraphLength)
    {
        public long Total => Head.Length + ProtoWriter.LengthPrefixSize(OnnxFields.ModelGraph, GraphLength) + GraphLength;
    }

    /// <summary>How many bytes <see cref="Write"/> would write for <paramref name="graph"/>.</summary>
    public static long Size(OnnxGraphBuilder graph) => Plan(graph, "", new Dictionary<string, string>()).Total;

    /// <summary>OnnxExportTooLarge when the model would not fit in one protobuf message (see <see cref="MaxModelBytes"/>).</summary>
    /// <param name="instead">What to do instead; by default, export a Hugging Face checkpoint.</param>
    public static void CheckSize(long total, string target, string instead = "Export the model as a Hugging Face checkpoint (the default -Format) instead.")
    {
        if (total > MaxModelBytes)
            throw new BertAdaptException(TooLargeErrorId, BertAdaptErrorKind.NotImplemented,
                $"The ONNX model for '{target}' would be {total / (1024.0 * 1024 * 1024):F2} GiB; an ONNX file with its weights inside is limited to 2 GiB, "
                + $"and BertAdapt does not write ONNX's external-data files. {instead}", target);
    }

    /// <summary>Writes the model to <paramref name="stream"/>; <paramref name="metadata"/> becomes its metadata_props.</summary>
    public static void Write(Stream stream, OnnxGraphBuilder graph, string producerVersion, IReadOnlyDictionary<string, string> metadata, string target)
    {
        var layout = Plan(graph, producerVersion, metadata);
        CheckSize(layout.Total, target);
        var writer = new ProtoWriter(stream);
        writer.Raw(layout.Head);
        writer.LengthPrefix(OnnxFields.ModelGraph, layout.GraphLength);
        writer.Raw(layout.Leading);
        for (int i = 0; i < graph.Initializers.Count; i++)
        {
            var initializer = graph.Initializers[i];
            var header = layout.InitializerHeaders[i];
            writer.LengthPrefix(OnnxFields.GraphInitializer, header.Length + initializer.ByteLength);
            writer.Raw(header);
            long before = stream.Position;
            initializer.WriteData(stream);
            if (stream.Position - before != initializer.ByteLength)
                throw new InvalidOperationException($"Initializer '{initializer.Name}' wrote {stream.Position - before} bytes, not {initializer.ByteLength}.");
        }
        writer.Raw(layout.Trailing);
    }

    static Layout Plan(OnnxGraphBuilder graph, string producerVersion, IReadOnlyDictionary<string, string> metadata)
    {
        var headers = graph.Initializers.Select(i => i.Header()).ToList();
        byte[] leading = ProtoWriter.Message(w =>
        {
            w.String(OnnxFields.GraphName, graph.Name);
            foreach (var node in graph.Nodes) w.Bytes(OnnxFields.GraphNode, node);
        });
        byte[] trailing = ProtoWriter.Message(w =>
        {
            foreach (var input in graph.Inputs) w.Bytes(OnnxFields.GraphInput, input);
            foreach (var output in graph.Outputs) w.Bytes(OnnxFields.GraphOutput, output);
        });
        long graphLength = leading.Length + trailing.Length;
        for (int i = 0; i < graph.Initializers.Count; i++)
        {
            long tensorLength = headers[i].Length + graph.Initializers[i].ByteLength;
            graphLength += ProtoWriter.LengthPrefixSize(OnnxFields.GraphInitializer, tensorLength) + tensorLength;
        }
        byte[] head = ProtoWriter.Message(w =>
        {
            w.Int64(OnnxFields.ModelIrVersion, IrVersion);
            w.String(OnnxFields.ModelProducerName, "BertAdapt");
            w.String(OnnxFields.ModelProducerVersion, producerVersion);
            w.Message(OnnxFields.ModelOpsetImport, o =>
            {
                o.String(OnnxFields.OpsetDomain, "");
                o.Int64(OnnxFields.OpsetVersion, Opset);
            });
            foreach (var (key, value) in metadata)
                w.Message(OnnxFields.ModelMetadataProps, e =>
                {
                    e.String(OnnxFields.EntryKey, key);
                    e.String(OnnxFields.EntryValue, value);
                });
        });
        return new Layout(head, leading, trailing, headers, graphLength);
    }
}
