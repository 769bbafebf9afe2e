using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using BertAdapt;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Checkpoints.PyTorch;
using BertAdapt.Engine.Tests.Interop;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>
/// PyTorchCheckpointReader against files real PyTorch wrote (tests/fixtures/pytorch, with
/// torch's own numbers in expected.json) and against hostile archives built here byte by byte.
/// </summary>
public sealed class PyTorchCheckpointTests : IDisposable
{
    private const string MarkerVariable = "BERTADAPT_PICKLE_MARKER";
    private readonly string _dir;

    public PyTorchCheckpointTests()
    {
        _dir = Path.Combine(Path.GetTempPath(), "bertadapt-pytorch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    // ---------------------------------------------------------------- fixtures written by torch

    private static string FixtureModel(string directory) => TestAssets.Fixture("pytorch", directory, "pytorch_model.bin");

    private static JsonElement ExpectedTensors(string directory, out JsonElement root)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestAssets.Fixture("pytorch", directory, "expected.json")));
        root = doc.RootElement.Clone();
        return root.GetProperty("tensors");
    }

    private static bool IsFloat(SafeTensorDType dtype) =>
        dtype is SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16 or SafeTensorDType.F64;

    private static float[] Read(ITensorSource source, string name)
    {
        var values = new float[source.Tensors[name].ElementCount];
        source.ReadFloat32(name, values);
        return values;
    }

    [Theory]
    [InlineData("tiny-pretraining")]
    [InlineData("tiny-bare-tf-names")]
    [InlineData("nested-protocol4")]
    public void EveryTensorMatchesWhatTorchReported(string directory)
    {
        var expected = ExpectedTensors(directory, out _);
        using var reader = PyTorchCheckpointReader.Open(FixtureModel(directory));

        var expectedNames = expected.EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(expectedNames.Order(StringComparer.Ordinal), reader.Tensors.Keys.Order(StringComparer.Ordinal));

        int floatTensors = 0;
        foreach (var property in expected.EnumerateObject())
        {
            var name = property.Name;
            var want = property.Value;
            var tensor = reader.Tensors[name];
            Assert.Equal(name, tensor.Name);
            Assert.Equal(SafeTensorDTypes.Parse(want.GetProperty("dtype").GetString()!), tensor.DType);
            Assert.Equal(want.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()), tensor.Shape);
            var layout = reader.Layout(name);
            Assert.Equal(want.GetProperty("stride").EnumerateArray().Select(d => d.GetInt64()), layout.Stride);
            Assert.Equal(want.GetProperty("storage_offset").GetInt64(), layout.Offset);

            if (!IsFloat(tensor.DType))
            {
                var ex = Assert.Throws<BertAdaptException>(() => reader.ReadFloat32(name, new float[tensor.ElementCount]));
                Assert.Equal(PyTorchCheckpointReader.TensorNotFloatErrorId, ex.ErrorId);
                continue;
            }

            floatTensors++;
            var values = Read(reader, name);
            double sum = 0, weighted = 0;
            for (int i = 0; i < values.Length; i++)
            {
                sum += values[i];
                weighted += (i + 1.0) * values[i];
            }
            AssertClose(want.GetProperty("sum").GetDouble(), sum, $"{name} sum");
            AssertClose(want.GetProperty("weighted_sum").GetDouble(), weighted, $"{name} weighted sum");

            var first = want.GetProperty("first").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            var last = want.GetProperty("last").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
            Assert.Equal(first, values.Take(first.Length).ToArray());
            Assert.Equal(last, values.Skip(values.Length - last.Length).ToArray());
        }
        Assert.True(floatTensors >= 4, $"{directory} has only {floatTensors} floating-point tensors.");
    }

    private static void AssertClose(double expected, double actual, string what)
    {
        double tolerance = 1e-4 * Math.Abs(expected) + 1e-6;
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected}, read {actual}.");
    }

    [Fact]
    public void TiedDecoderWeightSharesTheWordEmbeddingStorageAndReadsIdentically()
    {
        using var reader = PyTorchCheckpointReader.Open(FixtureModel("tiny-pretraining"));
        const string embeddings = "bert.embeddings.word_embeddings.weight";
        const string decoder = "cls.predictions.decoder.weight";

        Assert.Equal(reader.Layout(embeddings).StorageKey, reader.Layout(decoder).StorageKey);
        Assert.Equal(reader.Layout("cls.predictions.bias").StorageKey, reader.Layout("cls.predictions.decoder.bias").StorageKey);
        Assert.Equal(reader.Tensors[embeddings].Shape, reader.Tensors[decoder].Shape);

        var a = Read(reader, embeddings);
        var b = Read(reader, decoder);
        Assert.Equal(a, b);
        Assert.Contains(a, v => v != 0f);
        Assert.Equal(Read(reader, "cls.predictions.bias"), Read(reader, "cls.predictions.decoder.bias"));
    }

    [Fact]
    public void NonContiguousAndOffsetTensorsKeepTheLayoutTorchSaved()
    {
        var expected = ExpectedTensors("tiny-pretraining", out _);
        using var reader = PyTorchCheckpointReader.Open(FixtureModel("tiny-pretraining"));

        var strided = expected.EnumerateObject().Where(p => !p.Value.GetProperty("contiguous").GetBoolean()).ToList();
        Assert.True(strided.Count >= 2, "the fixture should hold transposed views");
        foreach (var p in strided)
        {
            var layout = reader.Layout(p.Name);
            Assert.Equal(p.Value.GetProperty("stride").EnumerateArray().Select(s => s.GetInt64()), layout.Stride);
            // A transposed square view read in storage order would keep the sum but not the
            // position-weighted sum, which EveryTensorMatchesWhatTorchReported checks; here, make
            // sure the view really is not the row-major order of its own storage.
            var shape = reader.Tensors[p.Name].Shape;
            Assert.NotEqual(shape[^1], layout.Stride[0]);
        }

        var sliced = reader.Layout("cls.seq_relationship.weight");
        Assert.Equal(expected.GetProperty("cls.seq_relationship.weight").GetProperty("storage_offset").GetInt64(), sliced.Offset);
        Assert.True(sliced.Offset > 0);
    }

    [Fact]
    public void Float16CheckpointHoldsTheSameWeightsAsTheFloat32One()
    {
        using var half = PyTorchCheckpointReader.Open(FixtureModel("tiny-bare-tf-names"));
        using var full = PyTorchCheckpointReader.Open(FixtureModel("tiny-pretraining"));

        Assert.All(half.Tensors.Values, t => Assert.Equal(SafeTensorDType.F16, t.DType));
        Assert.Contains("embeddings.LayerNorm.gamma", half.Tensors.Keys);
        Assert.Contains("encoder.layer.1.output.LayerNorm.beta", half.Tensors.Keys);
        Assert.DoesNotContain(half.Tensors.Keys, n => n.StartsWith("cls.", StringComparison.Ordinal) || n.StartsWith("bert.", StringComparison.Ordinal));

        foreach (var name in half.Tensors.Keys)
        {
            var fullName = "bert." + name.Replace("LayerNorm.gamma", "LayerNorm.weight").Replace("LayerNorm.beta", "LayerNorm.bias");
            var f32 = Read(full, fullName);
            var f16 = Read(half, name);
            Assert.Equal(f32.Length, f16.Length);
            for (int i = 0; i < f32.Length; i++)
                Assert.Equal((float)(Half)f32[i], f16[i]);
        }
    }

    [Fact]
    public void IntegerPositionIdsAreListedButNotReadAsFloat()
    {
        using var reader = PyTorchCheckpointReader.Open(FixtureModel("tiny-pretraining"));
        var ids = reader.Tensors["bert.embeddings.position_ids"];
        Assert.Equal(SafeTensorDType.I64, ids.DType);
        Assert.Equal(new long[] { 1, 64 }, ids.Shape);

        var ex = Assert.Throws<BertAdaptException>(() => reader.ReadFloat32(ids.Name, new float[64]));
        Assert.Equal("PyTorchTensorNotFloat", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, ex.Kind);
        Assert.Contains("I64", ex.Message);
    }

    [Fact]
    public void NestedTrainingCheckpointExposesItsStateDict()
    {
        ExpectedTensors("nested-protocol4", out var root);
        using var reader = PyTorchCheckpointReader.Open(FixtureModel("nested-protocol4"));
        Assert.Equal(root.GetProperty("nested_under").GetString(), reader.NestedUnder);
        Assert.DoesNotContain("epoch", reader.Tensors.Keys);
        Assert.Equal(SafeTensorDType.BF16, reader.Tensors["dense.weight"].DType);
        Assert.Equal(SafeTensorDType.F64, reader.Tensors["dense.bias"].DType);
        Assert.Empty(reader.Tensors["scale"].Shape);
        Assert.Equal(0L, reader.Tensors["empty"].ElementCount);
    }

    [Theory]
    [InlineData("malicious", "posix.system")]
    [InlineData("malicious-eval", "__builtin__.eval")]
    public void HostilePickleIsRefusedAndNothingRuns(string directory, string global)
    {
        var marker = Path.Combine(_dir, "bertadapt-pickle-marker");
        var previous = Environment.GetEnvironmentVariable(MarkerVariable);
        Environment.SetEnvironmentVariable(MarkerVariable, marker);
        try
        {
            var ex = Assert.Throws<BertAdaptException>(() => PyTorchCheckpointReader.Open(FixtureModel(directory)));
            Assert.Equal("PyTorchPickleGlobalRefused", ex.ErrorId);
            Assert.Equal(BertAdaptErrorKind.SecurityError, ex.Kind);
            Assert.Contains($"refuses the global '{global}'", ex.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(MarkerVariable, previous);
        }
        Assert.False(File.Exists(marker), "the hostile pickle's command ran");
        Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "bertadapt-pickle-marker")));
    }

    [Fact]
    public void MissingFileIsReportedAsNotFound()
    {
        var ex = Assert.Throws<BertAdaptException>(() => PyTorchCheckpointReader.Open(Path.Combine(_dir, "absent", "pytorch_model.bin")));
        Assert.Equal("CheckpointFileNotFound", ex.ErrorId);
        Assert.Equal(SafeTensorsReader.NotFoundErrorId, ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.ObjectNotFound, ex.Kind);
    }

    // ---------------------------------------------------------------- archives built here

    /// <summary>Writes pickle opcodes; just enough to build what torch.save writes, and to break it.</summary>
    private sealed class PickleBuilder
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

    private static byte[] F32(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    private static float[] Sequence(int count) => Enumerable.Range(0, count).Select(k => k * 1.5f - 3f).ToArray();

    /// <summary>A torch.save-shaped zip: "archive/data.pkl" (unless null) plus the given entries under "archive/".</summary>
    private static byte[] Archive(byte[]? pickle, params (string Name, byte[] Bytes)[] entries) =>
        Archive(pickle, CompressionLevel.NoCompression, entries);

    private static byte[] Archive(byte[]? pickle, CompressionLevel level, params (string Name, byte[] Bytes)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] bytes)
            {
                using var stream = zip.CreateEntry("archive/" + name, level).Open();
                stream.Write(bytes);
            }
            if (pickle is not null) Add("data.pkl", pickle);
            foreach (var (name, bytes) in entries) Add(name, bytes);
            Add("version", "3\n"u8.ToArray());
        }
        return buffer.ToArray();
    }

    private string WriteFile(byte[] bytes, string name = "pytorch_model.bin")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private BertAdaptException OpenFails(byte[] file, string errorId, BertAdaptErrorKind kind = BertAdaptErrorKind.InvalidData)
    {
        var path = WriteFile(file);
        var ex = Assert.Throws<BertAdaptException>(() => PyTorchCheckpointReader.Open(path).Dispose());
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(kind, ex.Kind);
        return ex;
    }

    private static byte[] TwelveFloatsPickle() => new PickleBuilder().StateDict(
        ("w", p => p.Tensor("FloatStorage", "0", 12, 0, [3, 4], [4, 1]))).ToArray();

    [Fact]
    public void HandBuiltArchiveGathersViewsOfOneStorageByOffsetAndStride()
    {
        var storage = Sequence(12);
        var bf16 = new[] { 1.5f, -2.25f, 0.0078125f, 384f };
        var bf16Bytes = bf16.SelectMany(v => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(v) >> 16))).ToArray();
        var f64 = new[] { 0.1, -1e10, 3.0 };
        var f64Bytes = f64.SelectMany(BitConverter.GetBytes).ToArray();

        var pickle = new PickleBuilder().StateDict(
            ("rows", p => p.Tensor("FloatStorage", "0", 12, 0, [3, 4], [4, 1])),
            ("transposed", p => p.Tensor("FloatStorage", "0", 12, 0, [4, 3], [1, 4])),
            ("slice", p => p.Tensor("FloatStorage", "0", 12, 5, [2, 3], [1, 2])),
            ("broadcast", p => p.Tensor("FloatStorage", "0", 12, 2, [3, 2], [0, 1])),
            ("scalar", p => p.Tensor("FloatStorage", "0", 12, 11, [], [])),
            ("bf16", p => p.Tensor("BFloat16Storage", "1", 4, 0, [2, 2], [1, 2])),
            ("f64", p => p.Tensor("DoubleStorage", "2", 3, 1, [2], [1])),
            ("count", p => p.Int(7))).ToArray();
        var path = WriteFile(Archive(pickle, ("data/0", F32(storage)), ("data/1", bf16Bytes), ("data/2", f64Bytes)));

        using var reader = PyTorchCheckpointReader.Open(path);
        Assert.Null(reader.NestedUnder);
        Assert.Equal(new[] { "bf16", "broadcast", "f64", "rows", "scalar", "slice", "transposed" }, reader.Tensors.Keys.Order(StringComparer.Ordinal));

        float[] Expected(long offset, long[] size, long[] stride)
        {
            var result = new List<float>();
            void Walk(int dim, long at)
            {
                if (dim == size.Length) { result.Add(storage[at]); return; }
                for (long i = 0; i < size[dim]; i++) Walk(dim + 1, at + i * stride[dim]);
            }
            Walk(0, offset);
            return [.. result];
        }

        Assert.Equal(storage, Read(reader, "rows"));
        Assert.Equal(Expected(0, [4, 3], [1, 4]), Read(reader, "transposed"));
        Assert.Equal(storage[0], Read(reader, "transposed")[0]);
        Assert.Equal(storage[4], Read(reader, "transposed")[1]);
        Assert.Equal(Expected(5, [2, 3], [1, 2]), Read(reader, "slice"));
        Assert.Equal(Expected(2, [3, 2], [0, 1]), Read(reader, "broadcast"));
        Assert.Equal(new[] { storage[11] }, Read(reader, "scalar"));
        Assert.Equal(new[] { bf16[0], bf16[2], bf16[1], bf16[3] }, Read(reader, "bf16"));
        Assert.Equal(new[] { (float)f64[1], (float)f64[2] }, Read(reader, "f64"));

        Assert.Throws<ArgumentException>(() => reader.ReadFloat32("rows", new float[11]));
        Assert.Throws<KeyNotFoundException>(() => reader.ReadFloat32("count", new float[1]));
    }

    [Fact]
    public void StateDictNestedUnderModelIsFound()
    {
        var pickle = new PickleBuilder().Proto().Raw((byte)'}').Mark()
            .Str("step").Int(5)
            .Str("model").NewOrderedDict().Mark().Str("w").Tensor("FloatStorage", "0", 12, 0, [12], [1]).Op('u')
            .Op('u').Stop().ToArray();
        using var reader = PyTorchCheckpointReader.Open(WriteFile(Archive(pickle, ("data/0", F32(Sequence(12))))));
        Assert.Equal("model", reader.NestedUnder);
        Assert.Equal(new[] { "w" }, reader.Tensors.Keys);
        Assert.Equal(Sequence(12), Read(reader, "w"));
    }

    [Theory]
    [InlineData("os", "system")]
    [InlineData("posix", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("builtins", "getattr")]
    [InlineData("subprocess", "Popen")]
    [InlineData("torch.storage", "_load_from_bytes")]
    [InlineData("collections", "defaultdict")]
    [InlineData("numpy.core.multiarray", "_reconstruct")]
    [InlineData("torch.nn.modules.linear", "Linear")]
    public void GlobalsOutsideTheAllowListAreRefusedWhenNamed(string module, string name)
    {
        // No REDUCE follows: naming the global is enough to be refused.
        var viaGlobal = new PickleBuilder().Proto().Global(module, name).Stop().ToArray();
        var ex = OpenFails(Archive(viaGlobal), "PyTorchPickleGlobalRefused", BertAdaptErrorKind.SecurityError);
        Assert.Contains($"'{module}.{name}'", ex.Message);

        // Protocol 4 names globals with STACK_GLOBAL.
        var viaStack = new PickleBuilder().Proto(4).Str(module).Str(name).Raw(0x93).Stop().ToArray();
        ex = OpenFails(Archive(viaStack), "PyTorchPickleGlobalRefused", BertAdaptErrorKind.SecurityError);
        Assert.Contains($"'{module}.{name}'", ex.Message);
    }

    [Theory]
    [InlineData("os", "system", true)]
    [InlineData("builtins", "eval", true)]
    [InlineData("subprocess", "Popen", true)]
    [InlineData("numpy.core.multiarray", "_reconstruct", false)]
    [InlineData("torch.nn.modules.linear", "Linear", false)]
    [InlineData("argparse", "Namespace", false)]
    public void ARefusalSaysWhetherTheFileIsLikelyHostileOrJustUnusual(string module, string name, bool hostile)
    {
        var pickle = new PickleBuilder().Proto().Global(module, name).Stop().ToArray();
        var ex = OpenFails(Archive(pickle), "PyTorchPickleGlobalRefused", BertAdaptErrorKind.SecurityError);
        Assert.Contains(hostile ? "likely hostile" : "more likely unusual than hostile", ex.Message);
    }

    /// <summary>
    /// What torch.load(weights_only=True) accepts beside the tensors of a state dict: torch.Size,
    /// dtypes, devices, bytes (protocol 2 writes them through _codecs.encode), bytearray, set, the
    /// pre-1.0 _rebuild_tensor and _rebuild_parameter_with_state. All load; none is called.
    /// </summary>
    [Fact]
    public void WhatWeightsOnlyLoadingAccepts_Loads()
    {
        var pickle = new PickleBuilder().Proto().Raw((byte)'}').Mark()
            .Str("size").Global("torch", "Size").Mark().Ints([2, 6]).Tuple().Reduce()
            .Str("dtype").Global("torch", "float16")
            .Str("device").Global("torch", "device").Mark().Str("cuda").Int(0).Tuple().Reduce()
            .Str("blob").Global("_codecs", "encode").Mark().Str("\u0000\u00ff").Str("latin1").Tuple().Reduce()
            .Str("buffer").Global("builtins", "bytearray").EmptyTuple().Reduce()
            .Str("tags").Global("builtins", "set").Mark().Op(']').Mark().Str("a").Op('e').Tuple().Reduce()
            .Str("model").NewOrderedDict().Mark()
                .Str("old").Global("torch._utils", "_rebuild_tensor").Mark()
                    .Mark().Str("storage").Global("torch", "FloatStorage").Str("0").Str("cpu").Int(12).Tuple().Op('Q')
                    .Int(0).Ints([3, 4]).Ints([4, 1]).Tuple().Reduce()
                .Str("param").Global("torch._utils", "_rebuild_parameter_with_state").Mark()
                    .Tensor("FloatStorage", "0", 12, 0, [12], [1]).Raw(0x89).NewOrderedDict().Raw((byte)'}').Tuple().Reduce()
                .Op('u')
            .Op('u').Stop().ToArray();
        using var reader = PyTorchCheckpointReader.Open(WriteFile(Archive(pickle, ("data/0", F32(Sequence(12))))));
        Assert.Equal("model", reader.NestedUnder);
        Assert.Equal(new[] { "old", "param" }, reader.Tensors.Keys.Order());
        Assert.Equal(new long[] { 3, 4 }, reader.Tensors["old"].Shape);
        Assert.Equal(Sequence(12), Read(reader, "old"));
        Assert.Equal(Sequence(12), Read(reader, "param"));
    }

    [Fact]
    public void RefusalComesBeforeTheCallEvenInsideAValidStateDict()
    {
        var pickle = new PickleBuilder().StateDict(
            ("w", p => p.Tensor("FloatStorage", "0", 12, 0, [12], [1])),
            ("evil", p => p.Global("os", "system").Mark().Str("touch x").Tuple().Reduce())).ToArray();
        var ex = OpenFails(Archive(pickle, ("data/0", F32(Sequence(12)))), "PyTorchPickleGlobalRefused", BertAdaptErrorKind.SecurityError);
        Assert.Contains("'os.system'", ex.Message);
    }

    [Fact]
    public void AllowedStorageTypeCannotBeCalled()
    {
        var pickle = new PickleBuilder().Proto().Global("torch", "FloatStorage").Mark().Int(3).Tuple().Reduce().Stop().ToArray();
        var ex = OpenFails(Archive(pickle), "PyTorchCheckpointCorrupt");
        Assert.Contains("torch.FloatStorage", ex.Message);
    }

    [Fact]
    public void UnknownOpcodeIsNamedWithItsOffset()
    {
        // 'S' (STRING) is a protocol-0 opcode torch.save never writes.
        var pickle = new PickleBuilder().Proto().Op('S').Raw("'x'\n"u8.ToArray()).Stop().ToArray();
        var ex = OpenFails(Archive(pickle), "PyTorchCheckpointCorrupt");
        Assert.Contains("0x53", ex.Message);
        Assert.Contains("offset 2", ex.Message);
    }

    [Fact]
    public void EveryTruncationOfAValidPickleIsCorrupt()
    {
        var pickle = TwelveFloatsPickle();
        var storage = ("data/0", F32(Sequence(12)));
        using (PyTorchCheckpointReader.Open(WriteFile(Archive(pickle, storage)))) { } // the whole pickle is fine

        for (int length = 0; length < pickle.Length; length++)
        {
            var ex = OpenFails(Archive(pickle[..length], storage), "PyTorchCheckpointCorrupt");
            Assert.Contains("corrupt", ex.Message);
        }
    }

    [Fact]
    public void StorageEntryShorterThanItsElementCountIsCorrupt()
    {
        var ex = OpenFails(Archive(TwelveFloatsPickle(), ("data/0", F32(Sequence(11)))), "PyTorchCheckpointCorrupt");
        Assert.Contains("storage '0'", ex.Message);
    }

    [Fact]
    public void StorageWithoutItsEntryIsCorrupt()
    {
        var ex = OpenFails(Archive(TwelveFloatsPickle(), ("data/1", F32(Sequence(12)))), "PyTorchCheckpointCorrupt");
        Assert.Contains("archive/data/0", ex.Message);
    }

    [Theory]
    [InlineData(0, new long[] { 4, 4 }, new long[] { 4, 1 })] // 16 elements of 12
    [InlineData(10, new long[] { 3 }, new long[] { 1 })] // runs off the end
    [InlineData(13, new long[] { 0 }, new long[] { 1 })] // empty, but starts past the end
    [InlineData(0, new long[] { 2, 2 }, new long[] { 12, 1 })] // stride jumps past the end
    public void TensorReachingBeyondItsStorageIsCorrupt(long offset, long[] size, long[] stride)
    {
        var pickle = new PickleBuilder().StateDict(("w", p => p.Tensor("FloatStorage", "0", 12, offset, size, stride))).ToArray();
        var ex = OpenFails(Archive(pickle, ("data/0", F32(Sequence(12)))), "PyTorchCheckpointCorrupt");
        Assert.Contains("holds only 12", ex.Message);
    }

    [Theory]
    [InlineData(new byte[] { (byte)'X', 0xF0, 0xFF, 0xFF, 0x7F, (byte)'a', (byte)'b' })] // BINUNICODE, ~2 GiB
    [InlineData(new byte[] { 0x8d, 0, 0, 0, 0, 0, 0, 0, 0x40, (byte)'a' })] // BINUNICODE8, 2^62
    [InlineData(new byte[] { (byte)'B', 0xF0, 0xFF, 0xFF, 0x7F, 1, 2 })] // BINBYTES
    [InlineData(new byte[] { 0x8b, 0xF0, 0xFF, 0xFF, 0x7F, 1 })] // LONG4
    [InlineData(new byte[] { 0x95, 0, 0, 0, 0, 1, 0, 0, 0, (byte)'.' })] // FRAME of 4 GiB
    public void HugeLengthClaimsAreRefusedWithoutAllocating(byte[] opcode)
    {
        var pickle = new PickleBuilder().Proto(4).Raw(opcode).Stop().ToArray();
        var path = WriteFile(Archive(pickle));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<BertAdaptException>(() => PyTorchCheckpointReader.Open(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("PyTorchCheckpointCorrupt", ex.ErrorId);
        Assert.Contains("remain", ex.Message);
        Assert.True(allocated < 16 << 20, $"refusing the file allocated {allocated} bytes");
    }

    [Fact]
    public void ZipEntryDeclaringAnImpossibleSizeIsRefusedWithoutAllocating()
    {
        var archive = Archive(TwelveFloatsPickle(), CompressionLevel.Optimal, ("data/0", F32(Sequence(12))));
        // Patch data.pkl's uncompressed size in its local and central headers to ~2 GiB.
        var name = "archive/data.pkl"u8.ToArray();
        int patched = 0;
        for (int i = 0; i + 46 < archive.Length; i++)
        {
            bool local = archive.AsSpan(i).StartsWith("PK\x03\x04"u8) && archive.AsSpan(i + 30).StartsWith(name);
            bool central = archive.AsSpan(i).StartsWith("PK\x01\x02"u8) && archive.AsSpan(i + 46).StartsWith(name);
            if (local) BinaryPrimitives.WriteUInt32LittleEndian(archive.AsSpan(i + 22), 0x7FFFFFF0);
            if (central) BinaryPrimitives.WriteUInt32LittleEndian(archive.AsSpan(i + 24), 0x7FFFFFF0);
            if (local || central) patched++;
        }
        Assert.Equal(2, patched);

        var path = WriteFile(archive);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<BertAdaptException>(() => PyTorchCheckpointReader.Open(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal("PyTorchCheckpointCorrupt", ex.ErrorId);
        Assert.True(allocated < 16 << 20, $"refusing the file allocated {allocated} bytes");
    }

    [Fact]
    public void StackAndMemoAbuseIsCorrupt()
    {
        var deepMarks = new PickleBuilder().Proto().Raw(Enumerable.Repeat((byte)'(', 20_000).ToArray()).Stop().ToArray();
        Assert.Contains("MARK", OpenFails(Archive(deepMarks), "PyTorchCheckpointCorrupt").Message);

        var unsetMemo = new PickleBuilder().Proto().Raw((byte)'h', 5).Stop().ToArray();
        Assert.Contains("memo", OpenFails(Archive(unsetMemo), "PyTorchCheckpointCorrupt").Message);

        var popEmpty = new PickleBuilder().Proto().Op('0').Stop().ToArray();
        Assert.Contains("empty", OpenFails(Archive(popEmpty), "PyTorchCheckpointCorrupt").Message);
    }

    [Fact]
    public void ArchiveWithoutDataPklIsCorrupt()
    {
        var ex = OpenFails(Archive(null, ("data/0", F32(Sequence(12)))), "PyTorchCheckpointCorrupt");
        Assert.Contains("data.pkl", ex.Message);
    }

    [Fact]
    public void TruncatedArchiveIsCorrupt()
    {
        var archive = Archive(TwelveFloatsPickle(), ("data/0", F32(Sequence(12))));
        OpenFails(archive[..(archive.Length / 2)], "PyTorchCheckpointCorrupt");
    }

    [Fact]
    public void LegacyPickleFormatIsUnsupportedWithAdvice()
    {
        // What torch.save wrote before 1.6: a bare protocol-2 pickle, starting with its magic number.
        byte[] legacy = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e];
        var ex = OpenFails(legacy, "PyTorchCheckpointFormatUnsupported");
        Assert.Contains("safetensors", ex.Message);
        Assert.Contains("1.6", ex.Message);
    }

    [Fact]
    public void BytesThatAreNeitherZipNorPickleAreCorrupt()
    {
        var random = new byte[4096];
        new Random(1234).NextBytes(random);
        random[0] = 0x17;
        OpenFails(random, "PyTorchCheckpointCorrupt");
        OpenFails([], "PyTorchCheckpointCorrupt");
        OpenFails("PK but not a zip at all"u8.ToArray(), "PyTorchCheckpointCorrupt");
    }

    [Fact]
    public void BigEndianStoragesAreSwapped_AndAnUnknownByteOrderIsCorrupt()
    {
        var storage = ("data/0", F32(Sequence(12)));
        var bigEndian = F32(Sequence(12));
        for (int i = 0; i < bigEndian.Length; i += 4) bigEndian.AsSpan(i, 4).Reverse();
        using (var big = PyTorchCheckpointReader.Open(WriteFile(Archive(TwelveFloatsPickle(), ("data/0", bigEndian), ("byteorder", "big"u8.ToArray())), "big.bin")))
            Assert.Equal(Sequence(12), Read(big, "w"));
        OpenFails(Archive(TwelveFloatsPickle(), storage, ("byteorder", "sideways"u8.ToArray())), "PyTorchCheckpointCorrupt");
        using var reader = PyTorchCheckpointReader.Open(WriteFile(Archive(TwelveFloatsPickle(), storage, ("byteorder", "little"u8.ToArray()))));
        Assert.Equal(Sequence(12), Read(reader, "w"));
    }

    [Fact]
    public void TorchScriptArchiveIsUnsupported()
    {
        var ex = OpenFails(Archive(TwelveFloatsPickle(), ("data/0", F32(Sequence(12))), ("constants.pkl", [0x80, 0x02, 0x29, 0x2e])),
            "PyTorchCheckpointFormatUnsupported");
        Assert.Contains("TorchScript", ex.Message);
    }

    [Fact]
    public void PicklesWithoutADictOfTensorsHaveNoStateDict()
    {
        var list = new PickleBuilder().Proto().Op(']').Stop().ToArray();
        OpenFails(Archive(list), "PyTorchCheckpointNoStateDict");

        var noTensors = new PickleBuilder().Proto().Op('}').Str("epoch").Int(3).Op('s').Stop().ToArray();
        OpenFails(Archive(noTensors), "PyTorchCheckpointNoStateDict");
    }
}
