using System.Buffers.Binary;
using System.Text;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Checkpoints.Onnx;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tests.Interop;

namespace BertAdapt.Engine.Tests.OnnxReading;

/// <summary>What <see cref="OnnxBertReader"/> makes of the real MiniLM export and of small hand-built graphs.</summary>
public sealed class OnnxBertReaderTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-onnx-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static string MiniLmPath => Path.Combine(TestAssets.MiniLmDirectory, "model.onnx");

    string Write(byte[] bytes, string name = "model.onnx")
    {
        var directory = Path.Combine(temp, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    // ---- The real model ---------------------------------------------------------------

    [Fact]
    public void MiniLmPresentsABareBertModelStateDict()
    {
        using var reader = OnnxBertReader.Open(MiniLmPath);
        var config = reader.InferConfig();
        var expected = StateDictLayout.PreTraining(config)
            .Where(e => e.Key.StartsWith("bert.", StringComparison.Ordinal))
            .ToDictionary(e => e.Key["bert.".Length..], e => e.Value);

        // Exactly the encoder's parameters (pooler included) plus the position_ids buffer HF exports.
        Assert.Equal(expected.Keys.Append("embeddings.position_ids").Order(StringComparer.Ordinal),
            reader.Tensors.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected)
        {
            Assert.Equal(shape, reader.Tensors[name].Shape);
            Assert.Equal(SafeTensorDType.F32, reader.Tensors[name].DType);
        }
        Assert.Equal(SafeTensorDType.I64, reader.Tensors["embeddings.position_ids"].DType);

        Assert.Equal(6, config.NumHiddenLayers);
        Assert.Equal(new long[] { 384, 384 }, reader.Tensors["encoder.layer.0.attention.self.query.weight"].Shape);
        Assert.Equal(new long[] { 1536, 384 }, reader.Tensors["encoder.layer.5.intermediate.dense.weight"].Shape);
        Assert.Equal(new long[] { 384, 1536 }, reader.Tensors["encoder.layer.3.output.dense.weight"].Shape);
        Assert.Equal(new long[] { 30522, 384 }, reader.Tensors["embeddings.word_embeddings.weight"].Shape);

        // The Linear weights were anonymous MatMul initializers, renamed by tracing and transposed on read;
        // the pooler's Gemm already holds [out, in] (transB = 1) under its own name.
        var query = reader.InitializerNames["encoder.layer.0.attention.self.query.weight"];
        Assert.NotEqual("encoder.layer.0.attention.self.query.weight", query);
        Assert.True(reader.IsTransposed("encoder.layer.0.attention.self.query.weight"));
        Assert.False(reader.IsTransposed("pooler.dense.weight"));
        Assert.Equal("pooler.dense.weight", reader.InitializerNames["pooler.dense.weight"]);
        Assert.DoesNotContain(reader.Tensors.Keys, k => k.All(char.IsAsciiDigit) || k.StartsWith("onnx::", StringComparison.Ordinal));
        Assert.Contains("last_hidden_state", reader.GraphOutputs);
    }

    [Fact]
    public void MiniLmConfigIsInferredFromTheGraph()
    {
        // The extracted directory has no config.json, so everything comes from the graph.
        Assert.False(File.Exists(Path.Combine(TestAssets.MiniLmDirectory, "config.json")));
        using var reader = OnnxBertReader.Open(MiniLmPath);
        var config = reader.InferConfig();
        Assert.Equal(30522, config.VocabSize);
        Assert.Equal(384, config.HiddenSize);
        Assert.Equal(6, config.NumHiddenLayers);
        Assert.Equal(12, config.NumAttentionHeads);
        Assert.Equal(1536, config.IntermediateSize);
        Assert.Equal(512, config.MaxPositionEmbeddings);
        Assert.Equal(2, config.TypeVocabSize);
        // The export decomposes LayerNorm and adds the float32 constant 1e-12 before Sqrt; GELU is x·½(1+erf(x/√2)).
        Assert.Equal(1e-12, config.LayerNormEps);
        Assert.Equal("gelu", config.HiddenAct);
        var ops = reader.OperatorCounts;
        Assert.False(ops.ContainsKey("LayerNormalization"));
        Assert.Equal(13, ops["Sqrt"]); // 1 embedding + 2 per layer
        Assert.Equal(6, ops["Erf"]);
    }

    [Fact]
    public void ReadingIntoAWrongSizedBufferOrAnUnknownNameFails()
    {
        using var reader = OnnxBertReader.Open(MiniLmPath);
        Assert.Throws<ArgumentException>(() => reader.ReadFloat32("encoder.layer.0.attention.self.query.bias", new float[383]));
        Assert.Throws<ArgumentException>(() => reader.ReadFloat32("no.such.tensor", new float[1]));
        var error = Assert.Throws<BertAdaptException>(() => reader.ReadFloat32("embeddings.position_ids", new float[512]));
        Assert.Equal(OnnxBertReader.DTypeErrorId, error.ErrorId);
    }

    // ---- Hand-built graphs ------------------------------------------------------------

    [Fact]
    public void AnonymousMatMulWeightIsNamedAfterItsBiasAndTransposed()
    {
        // W is [in = 8, out = 16] with W[i, j] = 100 i + j; the bias Add takes the MatMul output second.
        var w = Enumerable.Range(0, 8 * 16).Select(k => (float)(100 * (k / 16) + k % 16)).ToArray();
        var bytes = TinyOnnx.Bert(new TinyOnnx.Options { IntermediateWeight = w, BiasFirst = false });
        using var reader = OnnxBertReader.Open(Write(bytes));

        const string name = "encoder.layer.0.intermediate.dense.weight";
        Assert.Equal(new long[] { 16, 8 }, reader.Tensors[name].Shape);
        Assert.Equal("onnx::MatMul_ff1", reader.InitializerNames[name]);
        var values = new float[16 * 8];
        reader.ReadFloat32(name, values);
        for (int o = 0; o < 16; o++)
            for (int i = 0; i < 8; i++)
                Assert.Equal(100 * i + o, values[o * 8 + i]);

        // Named weights pass through untransposed; the "bert." prefix is dropped.
        Assert.True(reader.Tensors.ContainsKey("embeddings.word_embeddings.weight"));
        Assert.Equal("bert.embeddings.word_embeddings.weight", reader.InitializerNames["embeddings.word_embeddings.weight"]);
        Assert.False(reader.IsTransposed("pooler.dense.weight"));
        // Shape constants of the graph are not listed; a weight no bias names keeps its own name.
        Assert.DoesNotContain("heads", reader.Tensors.Keys);
        Assert.DoesNotContain("head_size", reader.Tensors.Keys);
        Assert.Equal(new long[] { 8, 4 }, reader.Tensors["orphan_weight"].Shape);
    }

    [Fact]
    public void GemmWithoutTransBIsTransposedAndWithTransBIsNot()
    {
        var bytes = TinyOnnx.Bert(new TinyOnnx.Options { PoolerAnonymous = true, PoolerTransB = false });
        using var reader = OnnxBertReader.Open(Write(bytes));
        Assert.True(reader.IsTransposed("pooler.dense.weight"));
        Assert.Equal("pooler_w", reader.InitializerNames["pooler.dense.weight"]);

        var transB = TinyOnnx.Bert(new TinyOnnx.Options { PoolerAnonymous = true, PoolerTransB = true });
        using var reader2 = OnnxBertReader.Open(Write(transB));
        Assert.False(reader2.IsTransposed("pooler.dense.weight"));
        Assert.Equal("pooler_w", reader2.InitializerNames["pooler.dense.weight"]);
    }

    [Fact]
    public void ConfigIsInferredFromAFusedGraph()
    {
        var bytes = TinyOnnx.Bert(new TinyOnnx.Options { Heads = 2, LayerNormEpsilon = 1e-5f, TanhGelu = true, Layers = 3 });
        using var reader = OnnxBertReader.Open(Write(bytes));
        var config = reader.InferConfig();
        Assert.Equal(2, config.NumAttentionHeads);
        Assert.Equal(1e-5, config.LayerNormEps);
        Assert.Equal("gelu_new", config.HiddenAct);
        Assert.Equal(3, config.NumHiddenLayers);
        Assert.Equal(TinyOnnx.Vocab, config.VocabSize);
        Assert.Equal(TinyOnnx.Hidden, config.HiddenSize);
        Assert.Equal(16, config.IntermediateSize);
        Assert.Equal(TinyOnnx.Positions, config.MaxPositionEmbeddings);
        Assert.Equal(2, config.TypeVocabSize);
    }

    [Fact]
    public void ConfigIsInferredFromADecomposedGraphWithConstantReshape()
    {
        var bytes = TinyOnnx.Bert(new TinyOnnx.Options { Heads = 4, LayerNormEpsilon = 1e-7f, Decomposed = true, ConstantReshape = true });
        using var reader = OnnxBertReader.Open(Write(bytes));
        var config = reader.InferConfig();
        Assert.Equal(4, config.NumAttentionHeads);
        Assert.Equal(1e-7, config.LayerNormEps);
        Assert.Equal("gelu", config.HiddenAct);
    }

    [Fact]
    public void ConfigJsonBesideTheFileOrGivenExplicitlyWins()
    {
        var path = Write(TinyOnnx.Bert(new TinyOnnx.Options { Heads = 2 }));
        using var reader = OnnxBertReader.Open(path);
        Assert.Equal(2, reader.InferConfig().NumAttentionHeads);

        var config = new BertConfig { VocabSize = TinyOnnx.Vocab, HiddenSize = TinyOnnx.Hidden, NumAttentionHeads = 8, NumHiddenLayers = 1, IntermediateSize = 16 };
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(path)!, "config.json"), config.ToJson());
        Assert.Equal(8, reader.InferConfig().NumAttentionHeads);

        var elsewhere = Path.Combine(temp, "other-config.json");
        config.NumAttentionHeads = 1;
        File.WriteAllText(elsewhere, config.ToJson());
        Assert.Equal(1, reader.InferConfig(elsewhere).NumAttentionHeads);

        var missing = Assert.Throws<BertAdaptException>(() => reader.InferConfig(Path.Combine(temp, "absent.json")));
        Assert.Equal("ConfigNotFound", missing.ErrorId);
    }

    [Fact]
    public void HeadsThatCannotBeInferredAskForConfigJson()
    {
        using var reader = OnnxBertReader.Open(Write(TinyOnnx.Bert(new TinyOnnx.Options { Heads = 0 })));
        var error = Assert.Throws<BertAdaptException>(() => reader.InferConfig());
        Assert.Equal(OnnxBertReader.ConfigIncompleteErrorId, error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
        Assert.Contains("config.json", error.Message);
        // Import-BertCheckpoint has no parameter for a config path, so the message must not offer one.
        Assert.Contains("same folder as the .onnx file", error.Message);
        Assert.DoesNotContain("pass its path", error.Message);
    }

    [Fact]
    public void AGraphWithoutWordEmbeddingsIsNotBert()
    {
        var model = TinyOnnx.Model(
            [TinyOnnx.Node("MatMul", ["x", "w"], ["y"])],
            [TinyOnnx.FloatTensor("w", [4, 4], new float[16])]);
        using var reader = OnnxBertReader.Open(Write(model));
        Assert.Equal(new[] { "w" }, reader.Tensors.Keys);
        var error = Assert.Throws<BertAdaptException>(() => reader.InferConfig());
        Assert.Equal(OnnxBertReader.NotBertErrorId, error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
        Assert.Contains("word embeddings", error.Message);
    }

    [Fact]
    public void TypedFieldsAndHalfPrecisionAreRead()
    {
        float[] values = [1.5f, -2.25f, 0f, 1e-3f, 65504f, -0.5f];
        var halves = values.Select(v => (int)BitConverter.HalfToUInt16Bits((Half)v)).ToArray();
        var raw16 = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(raw16.AsSpan(2 * i), (Half)values[i]);
        var rawBf16 = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16LittleEndian(rawBf16.AsSpan(2 * i), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
        var rawF64 = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(rawF64.AsSpan(8 * i), values[i]);

        var model = TinyOnnx.Model([],
        [
            TinyOnnx.Tensor("packed", TinyOnnx.Float, [2, 3], TinyOnnx.Packed(4, values.SelectMany(BitConverter.GetBytes).ToArray())),
            TinyOnnx.Tensor("unpacked", TinyOnnx.Float, [2, 3], values.SelectMany(v => TinyOnnx.Fixed32(4, BitConverter.SingleToUInt32Bits(v))).ToArray()),
            TinyOnnx.Tensor("half_typed", TinyOnnx.Float16, [6], TinyOnnx.Packed(5, halves.SelectMany(h => TinyOnnx.VarintBytes((ulong)h)).ToArray())),
            TinyOnnx.Tensor("half_unpacked", TinyOnnx.Float16, [6], halves.SelectMany(h => TinyOnnx.Varint(5, (ulong)h)).ToArray()),
            TinyOnnx.Tensor("half_raw", TinyOnnx.Float16, [3, 2], TinyOnnx.Bytes(9, raw16)),
            TinyOnnx.Tensor("bf16_raw", TinyOnnx.BFloat16, [6], TinyOnnx.Bytes(9, rawBf16)),
            TinyOnnx.Tensor("double_raw", TinyOnnx.Double, [6], TinyOnnx.Bytes(9, rawF64)),
        ]);
        using var reader = OnnxBertReader.Open(Write(model));
        foreach (var name in new[] { "packed", "unpacked", "half_typed", "half_unpacked", "half_raw", "bf16_raw", "double_raw" })
        {
            var read = new float[6];
            reader.ReadFloat32(name, read);
            for (int i = 0; i < 6; i++)
            {
                float expected = name.StartsWith("half", StringComparison.Ordinal) ? (float)(Half)values[i]
                    : name.StartsWith("bf16", StringComparison.Ordinal) ? BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(values[i]) & 0xFFFF0000)
                    : values[i];
                Assert.Equal(expected, read[i]);
            }
        }
        Assert.Equal(SafeTensorDType.F16, reader.Tensors["half_raw"].DType);
        Assert.Equal(new long[] { 3, 2 }, reader.Tensors["half_raw"].Shape);
    }
}

/// <summary>A graph that ONNX Runtime's transformer optimiser fused is refused with what to do instead.</summary>
public sealed class OnnxFusedGraphTests : IDisposable
{
    readonly string path = Path.Combine(Path.GetTempPath(), $"bertadapt-fused-{Guid.NewGuid():N}.onnx");

    public void Dispose() => File.Delete(path);

    [Fact]
    public void AFusedAttentionGraph_IsOnnxGraphFused_NamingTheOperatorsAndTheOptimisationLevel()
    {
        var attention = TinyOnnx.Cat([TinyOnnx.Node("Attention", ["x", "qkv_weight", "qkv_bias"], ["y"]), TinyOnnx.Str(7, "com.microsoft")]);
        var skip = TinyOnnx.Cat([TinyOnnx.Node("SkipLayerNormalization", ["y", "x", "gamma", "beta"], ["z"]), TinyOnnx.Str(7, "com.microsoft")]);
        File.WriteAllBytes(path, TinyOnnx.Model([attention, skip],
            [TinyOnnx.FloatTensor("qkv_weight", [8, 24], new float[192]), TinyOnnx.FloatTensor("qkv_bias", [24], new float[24])]));
        var error = Assert.Throws<BertAdaptException>(() => OnnxBertReader.Open(path));
        Assert.Equal("OnnxGraphFused", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.NotImplemented, error.Kind);
        Assert.Contains("Attention, SkipLayerNormalization", error.Message);
        Assert.Contains("ORT_ENABLE_BASIC", error.Message);
    }

    [Fact]
    public void AnOperatorOfTheSameNameInTheStandardDomain_IsNotRefusedAsFused()
    {
        // The standard domain has its own Attention (opset 23); only com.microsoft's are ORT's fused kernels.
        File.WriteAllBytes(path, TinyOnnx.Model([TinyOnnx.Node("Attention", ["q", "k", "v"], ["y"])], [TinyOnnx.FloatTensor("w", [2], [1, 2])]));
        var error = Record.Exception(() => OnnxBertReader.Open(path).Dispose());
        Assert.False(error is BertAdaptException { ErrorId: "OnnxGraphFused" });
    }
}

/// <summary>
/// Writes small ONNX files by hand, field by field in protobuf wire format (the field numbers
/// of onnx.proto), for tests that need a particular graph or a particular defect.
/// </summary>
static class TinyOnnx
{
    public const int Float = 1, UInt8 = 2, Int64 = 7, String = 8, Float16 = 10, Double = 11, Complex64 = 14, BFloat16 = 16;
    public const int Vocab = 12, Hidden = 8, Positions = 16;

    public static byte[] VarintBytes(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        } while (value != 0);
        return [.. bytes];
    }

    public static byte[] Key(int field, int wire) => VarintBytes((ulong)field << 3 | (uint)wire);
    public static byte[] Varint(int field, ulong value) => [.. Key(field, 0), .. VarintBytes(value)];
    public static byte[] Fixed32(int field, uint value) => [.. Key(field, 5), .. BitConverter.GetBytes(value)];
    public static byte[] Bytes(int field, byte[] payload) => [.. Key(field, 2), .. VarintBytes((ulong)payload.Length), .. payload];
    public static byte[] Packed(int field, byte[] payload) => Bytes(field, payload);
    public static byte[] Str(int field, string text) => Bytes(field, Encoding.UTF8.GetBytes(text));
    public static byte[] Cat(IEnumerable<byte[]> parts) => parts.SelectMany(p => p).ToArray();
    public static byte[] Message(int field, params byte[][] parts) => Bytes(field, Cat(parts));

    /// <summary>A TensorProto: dims (unpacked), data_type, name, then the given data fields.</summary>
    public static byte[] Tensor(string name, int dataType, long[] dims, byte[] data) =>
        Cat([.. dims.Select(d => Varint(1, unchecked((ulong)d))), Varint(2, (ulong)dataType), Str(8, name), data]);

    public static byte[] FloatTensor(string name, long[] dims, float[] values) =>
        Tensor(name, Float, dims, Bytes(9, values.SelectMany(BitConverter.GetBytes).ToArray()));

    public static byte[] Int64Tensor(string name, long[] dims, long[] values) =>
        Tensor(name, Int64, dims, Bytes(9, values.SelectMany(BitConverter.GetBytes).ToArray()));

    public static byte[] AttrInt(string name, long value) => Cat([Str(1, name), Varint(20, 2), Varint(3, unchecked((ulong)value))]);
    public static byte[] AttrFloat(string name, float value) => Cat([Str(1, name), Varint(20, 1), Fixed32(2, BitConverter.SingleToUInt32Bits(value))]);
    public static byte[] AttrString(string name, string value) => Cat([Str(1, name), Varint(20, 3), Str(4, value)]);
    public static byte[] AttrTensor(string name, byte[] tensor) => Cat([Str(1, name), Varint(20, 4), Bytes(5, tensor)]);

    public static byte[] Node(string op, string[] inputs, string[] outputs, params byte[][] attributes) =>
        Cat([.. inputs.Select(i => Str(1, i)), .. outputs.Select(o => Str(2, o)), Str(4, op), .. attributes.Select(a => Bytes(5, a))]);

    public static byte[] ValueInfo(string name) => Str(1, name);

    /// <summary>
    /// A ModelProto: ir_version 8, opset 17, producer, then the graph last (protobuf allows any
    /// field order), so that every proper prefix of the file lacks a complete graph.
    /// </summary>
    public static byte[] Model(IEnumerable<byte[]> nodes, IEnumerable<byte[]> initializers, string[]? inputs = null, string[]? outputs = null) =>
        Cat([Varint(1, 8), Message(8, Str(1, ""), Varint(2, 17)), Str(2, "bertadapt-tests"), Graph(nodes, initializers, inputs, outputs)]);

    public static byte[] Graph(IEnumerable<byte[]> nodes, IEnumerable<byte[]> initializers, string[]? inputs = null, string[]? outputs = null) =>
        Message(7, Cat([.. nodes.Select(n => Bytes(1, n)), Str(2, "tiny"), .. initializers.Select(t => Bytes(5, t)),
            .. (inputs ?? ["input_ids"]).Select(i => Bytes(11, ValueInfo(i))), .. (outputs ?? ["last_hidden_state"]).Select(o => Bytes(12, ValueInfo(o)))]));

    public sealed class Options
    {
        public int Layers { get; init; } = 1;
        /// <summary>Heads in the Reshape constants; 0 leaves the Reshape shapes dynamic (unreadable).</summary>
        public int Heads { get; init; } = 2;
        public float LayerNormEpsilon { get; init; } = 1e-12f;
        public bool Decomposed { get; init; }
        public bool ConstantReshape { get; init; }
        public bool TanhGelu { get; init; }
        public bool BiasFirst { get; init; } = true;
        public float[]? IntermediateWeight { get; init; }
        public bool PoolerAnonymous { get; init; }
        public bool PoolerTransB { get; init; } = true;
    }

    /// <summary>
    /// The structure of a one-to-three layer BERT export (not meant to be run): HF-named embeddings,
    /// biases and LayerNorms under "bert.", anonymous [in, out] MatMul weights, the query Reshape
    /// to [batch, length, heads, head_size], LayerNorm fused or decomposed, exact or tanh GELU, a pooler Gemm.
    /// </summary>
    public static byte[] Bert(Options o)
    {
        const int h = Hidden, inter = 16;
        var nodes = new List<byte[]>();
        var inits = new List<byte[]>
        {
            FloatTensor("bert.embeddings.word_embeddings.weight", [Vocab, h], Fill(Vocab * h, 1)),
            FloatTensor("bert.embeddings.position_embeddings.weight", [Positions, h], Fill(Positions * h, 2)),
            FloatTensor("bert.embeddings.token_type_embeddings.weight", [2, h], Fill(2 * h, 3)),
            FloatTensor("orphan_weight", [8, 4], Fill(32, 6)),
        };
        int counter = 0;
        string Fresh() => $"t{counter++}";

        string Linear(string x, string prefix, int input, int output, float[]? weight = null, string? weightName = null)
        {
            weightName ??= $"onnx::MatMul_{Fresh()}";
            inits.Add(FloatTensor(weightName, [input, output], weight ?? Fill(input * output, counter)));
            inits.Add(FloatTensor($"bert.{prefix}.bias", [output], Fill(output, counter + 7)));
            var product = Fresh();
            nodes.Add(Node("MatMul", [x, weightName], [product]));
            var sum = Fresh();
            nodes.Add(Node("Add", o.BiasFirst ? [$"bert.{prefix}.bias", product] : [product, $"bert.{prefix}.bias"], [sum]));
            return sum;
        }

        string LayerNorm(string x, string prefix)
        {
            inits.Add(FloatTensor($"bert.{prefix}.LayerNorm.weight", [h], Fill(h, 11)));
            inits.Add(FloatTensor($"bert.{prefix}.LayerNorm.bias", [h], Fill(h, 12)));
            var y = Fresh();
            if (!o.Decomposed)
            {
                nodes.Add(Node("LayerNormalization", [x, $"bert.{prefix}.LayerNorm.weight", $"bert.{prefix}.LayerNorm.bias"], [y],
                    AttrInt("axis", -1), AttrFloat("epsilon", o.LayerNormEpsilon)));
                return y;
            }
            string mean = Fresh(), dev = Fresh(), two = Fresh(), sq = Fresh(), variance = Fresh(), eps = Fresh(), shifted = Fresh(), root = Fresh(), norm = Fresh(), scaled = Fresh();
            nodes.Add(Node("ReduceMean", [x], [mean], AttrInt("keepdims", 1)));
            nodes.Add(Node("Sub", [x, mean], [dev]));
            nodes.Add(Node("Constant", [], [two], AttrTensor("value", FloatTensor("", [], [2f]))));
            nodes.Add(Node("Pow", [dev, two], [sq]));
            nodes.Add(Node("ReduceMean", [sq], [variance]));
            nodes.Add(Node("Constant", [], [eps], AttrTensor("value", FloatTensor("", [], [o.LayerNormEpsilon]))));
            nodes.Add(Node("Add", [variance, eps], [shifted]));
            nodes.Add(Node("Sqrt", [shifted], [root]));
            nodes.Add(Node("Div", [dev, root], [norm]));
            nodes.Add(Node("Mul", [norm, $"bert.{prefix}.LayerNorm.weight"], [scaled]));
            nodes.Add(Node("Add", [scaled, $"bert.{prefix}.LayerNorm.bias"], [y]));
            return y;
        }

        if (o.Heads > 0 && !o.ConstantReshape)
        {
            inits.Add(Int64Tensor("heads", [1], [o.Heads]));
            inits.Add(Int64Tensor("head_size", [1], [h / o.Heads]));
        }

        var hidden = LayerNorm("embedded", "embeddings");
        for (int l = 0; l < o.Layers; l++)
        {
            var p = $"encoder.layer.{l}";
            var q = Linear(hidden, $"{p}.attention.self.query", h, h);
            Linear(hidden, $"{p}.attention.self.key", h, h);
            Linear(hidden, $"{p}.attention.self.value", h, h);
            string shape = Fresh(), split = Fresh();
            if (o.Heads > 0 && o.ConstantReshape)
                nodes.Add(Node("Constant", [], [shape], AttrTensor("value", Int64Tensor("", [4], [0, 0, o.Heads, h / o.Heads]))));
            else
            {
                string batch = Fresh(), length = Fresh(), axes = Fresh();
                nodes.Add(Node("Constant", [], [axes], AttrTensor("value", Int64Tensor("", [1], [0]))));
                nodes.Add(Node("Unsqueeze", ["batch_size", axes], [batch]));
                nodes.Add(Node("Unsqueeze", ["sequence_length", axes], [length]));
                nodes.Add(o.Heads > 0
                    ? Node("Concat", [batch, length, "heads", "head_size"], [shape], AttrInt("axis", 0))
                    : Node("Concat", [batch, length, "dynamic_rest"], [shape], AttrInt("axis", 0)));
            }
            nodes.Add(Node("Reshape", [q, shape], [split]));
            var attended = Linear(split, $"{p}.attention.output.dense", h, h);
            var afterAttention = LayerNorm(attended, $"{p}.attention.output");
            var expanded = Linear(afterAttention, $"{p}.intermediate.dense", h, inter, l == 0 ? o.IntermediateWeight : null,
                l == 0 && o.IntermediateWeight is not null ? "onnx::MatMul_ff1" : null);
            var activated = Fresh();
            if (o.TanhGelu)
            {
                string c = Fresh(), scaled = Fresh(), t = Fresh();
                nodes.Add(Node("Constant", [], [c], AttrTensor("value", FloatTensor("", [], [0.7978846f]))));
                nodes.Add(Node("Mul", [expanded, c], [scaled]));
                nodes.Add(Node("Tanh", [scaled], [t]));
                nodes.Add(Node("Mul", [expanded, t], [activated]));
            }
            else
            {
                string c = Fresh(), scaled = Fresh(), e = Fresh();
                nodes.Add(Node("Constant", [], [c], AttrTensor("value", FloatTensor("", [], [1.4142135f]))));
                nodes.Add(Node("Div", [expanded, c], [scaled]));
                nodes.Add(Node("Erf", [scaled], [e]));
                nodes.Add(Node("Mul", [expanded, e], [activated]));
            }
            var contracted = Linear(activated, $"{p}.output.dense", inter, h);
            hidden = LayerNorm(contracted, $"{p}.output");
        }

        var poolerWeight = o.PoolerAnonymous ? "pooler_w" : "bert.pooler.dense.weight";
        inits.Add(FloatTensor(poolerWeight, [h, h], Fill(h * h, 21)));
        inits.Add(FloatTensor("bert.pooler.dense.bias", [h], Fill(h, 22)));
        nodes.Add(Node("Gemm", [hidden, poolerWeight, "bert.pooler.dense.bias"], ["pooled"], AttrInt("transB", o.PoolerTransB ? 1 : 0)));
        nodes.Add(Node("Tanh", ["pooled"], ["pooler_output"]));
        return Model(nodes, inits, ["input_ids", "attention_mask", "token_type_ids"], ["last_hidden_state", "pooler_output"]);
    }

    static float[] Fill(int count, int seed) => Enumerable.Range(0, count).Select(i => (float)Math.Sin(seed * 7.1 + i * 0.37)).ToArray();
}
