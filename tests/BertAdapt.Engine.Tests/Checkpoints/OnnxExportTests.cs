using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Checkpoints.Onnx;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Tests.Interop;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests.OnnxWriting;

/// <summary>
/// A model exported with <see cref="CheckpointExportFormat.Onnx"/> runs in ONNX Runtime and
/// computes what the module computes (eval mode) within 1e-4, at two batch sizes and sequence
/// lengths of the same file (the axes are dynamic), padding and token type 1 included.
/// </summary>
public sealed class OnnxExportTests(ITestOutputHelper output) : IDisposable
{
    const double Tolerance = 1e-4;

    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-onnx-export-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    /// <summary>(rows, length) of the two batches each export is run at.</summary>
    static readonly (int Rows, int Length)[] Shapes = [(2, 5), (3, 11)];

    /// <summary>
    /// The tiny model with every parameter moved off its initial value (LayerNorm's 1 and 0, the
    /// zero biases), so a weight the graph reads in the wrong place or order shows.
    /// </summary>
    static BertModel TinyModel(FineTuneTask? task, string activation)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var config = TinyFixtures.Config(vocabulary.Count);
        config.HiddenAct = activation;
        var model = BertModel.Create(config, vocabulary, seed: 3, "test");
        if (task is FineTuneTask t) model.AddTaskHead(t, t == FineTuneTask.Regression ? [] : ["A", "B", "C"], seed: 4);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var generator = new TorchSharp.torch.Generator(11);
        foreach (var (name, parameter) in model.Module.named_parameters())
        {
            parameter.add_(randn(parameter.shape, generator: generator) * 0.05);
            if (name.StartsWith("classifier.", StringComparison.Ordinal)) parameter.mul_(20);
        }
        return model;
    }

    /// <summary>A padded batch: row r has length - r tokens, the second half of each with token type 1.</summary>
    static (long[] Ids, long[] Types, long[] Mask) Batch(BertModel model, int rows, int length, int seed)
    {
        var random = new Random(seed);
        var ids = new long[rows * length];
        var types = new long[rows * length];
        var mask = new long[rows * length];
        for (int r = 0; r < rows; r++)
        {
            int used = Math.Max(2, length - r * 2);
            for (int c = 0; c < length; c++)
            {
                int at = r * length + c;
                ids[at] = c == 0 ? model.Vocabulary.ClsId : c < used ? random.Next(5, model.Config.VocabSize) : model.Vocabulary.PadId;
                types[at] = c < used && c >= used / 2 ? 1 : 0;
                mask[at] = c < used ? 1 : 0;
            }
        }
        return (ids, types, mask);
    }

    /// <summary>The module's outputs under the export's output names.</summary>
    static Dictionary<string, float[]> ModuleOutputs(BertModel model, long[] ids, long[] types, long[] mask, int rows, int length)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shape = new long[] { rows, length };
        var (i, t, m) = (tensor(ids, shape), tensor(types, shape), tensor(mask, shape));
        static float[] Values(Tensor x) => x.contiguous().data<float>().ToArray();
        if (model.GetTask() is not null) return new() { [BertOnnxGraph.Logits] = Values(model.Module.ClassifierLogits(i, t, m)) };
        var hidden = model.Module.Bert.Encode(i, t, m);
        return new() { [BertOnnxGraph.LastHiddenState] = Values(hidden), [BertOnnxGraph.PoolerOutput] = Values(model.Module.Bert.Pool(hidden)) };
    }

    static Dictionary<string, float[]> OnnxOutputs(InferenceSession session, long[] ids, long[] types, long[] mask, int rows, int length)
    {
        var shape = new long[] { rows, length };
        var inputs = new Dictionary<string, OrtValue>
        {
            [BertOnnxGraph.InputIds] = OrtValue.CreateTensorValueFromMemory(ids, shape),
            [BertOnnxGraph.AttentionMask] = OrtValue.CreateTensorValueFromMemory(mask, shape),
            [BertOnnxGraph.TokenTypeIds] = OrtValue.CreateTensorValueFromMemory(types, shape),
        };
        try
        {
            var names = session.OutputMetadata.Keys.ToArray();
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs, names);
            return names.Select((n, k) => (n, results[k].GetTensorDataAsSpan<float>().ToArray())).ToDictionary(p => p.n, p => p.Item2);
        }
        finally
        {
            foreach (var value in inputs.Values) value.Dispose();
        }
    }

    /// <summary>Runs the exported folder at <see cref="Shapes"/> and returns the largest difference from the module per output.</summary>
    Dictionary<string, double> Compare(BertModel model, string directory, IEnumerable<(int Rows, int Length)> shapes)
    {
        using var session = new InferenceSession(Path.Combine(directory, OnnxCheckpointFiles.ModelFile));
        var worst = new Dictionary<string, double>(StringComparer.Ordinal);
        int seed = 0;
        foreach (var (rows, length) in shapes)
        {
            var (ids, types, mask) = Batch(model, rows, length, seed++);
            var ours = ModuleOutputs(model, ids, types, mask, rows, length);
            var theirs = OnnxOutputs(session, ids, types, mask, rows, length);
            Assert.Equal(ours.Keys.Order(), theirs.Keys.Order());
            foreach (var (name, values) in ours)
            {
                Assert.Equal(values.Length, theirs[name].Length);
                Assert.True(theirs[name].Max(Math.Abs) > 0.05f, $"{name}: ONNX Runtime's values are all near zero, which would make the comparison weak.");
                double diff = values.Zip(theirs[name], (a, b) => (double)Math.Abs(a - b)).Max();
                worst[name] = Math.Max(worst.GetValueOrDefault(name), diff);
                output.WriteLine($"[{rows}, {length}] {name}: max |diff| = {diff:E2}");
            }
        }
        return worst;
    }

    [Theory]
    [InlineData(null, "gelu")]
    [InlineData(FineTuneTask.SequenceClassification, "gelu")]
    [InlineData(FineTuneTask.MultiLabelClassification, "gelu")]
    [InlineData(FineTuneTask.Regression, "gelu")]
    [InlineData(FineTuneTask.TokenClassification, "gelu")]
    [InlineData(null, "gelu_new")]
    [InlineData(FineTuneTask.SequenceClassification, "relu")]
    public void TinyModelExportMatchesTheModuleInOnnxRuntime(FineTuneTask? task, string activation)
    {
        using var model = TinyModel(task, activation);
        var directory = Path.Combine(temp, "onnx");
        HfCheckpointDirectory.Export(model, directory, force: false, format: CheckpointExportFormat.Onnx);

        var worst = Compare(model, directory, Shapes);
        Assert.Equal(BertOnnxGraph.OutputsFor(task).Order(), worst.Keys.Order());
        foreach (var (name, diff) in worst) Assert.True(diff <= Tolerance, $"{name}: max |diff| {diff:E3} > {Tolerance:E0}");
    }

    [Fact]
    public void TheFolderHasTheTokenizerFilesAndAManifest_AndTheGraphHasHuggingFacesDynamicAxes()
    {
        using var model = TinyModel(FineTuneTask.TokenClassification, "gelu");
        var directory = Path.Combine(temp, "tagger");
        HfCheckpointDirectory.Export(model, directory, force: false, format: CheckpointExportFormat.Onnx);

        Assert.Equal(new[] { "bertadapt_manifest.json", "config.json", "model.onnx", "special_tokens_map.json", "tokenizer_config.json", "vocab.txt" },
            Directory.GetFiles(directory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetDirectories(temp, ".*"));
        Assert.Contains("model.onnx", CheckpointManifest.Read(directory)!.Files.Keys);

        using var session = new InferenceSession(Path.Combine(directory, "model.onnx"));
        Assert.Equal(new[] { "attention_mask", "input_ids", "token_type_ids" }, session.InputMetadata.Keys.Order());
        foreach (var input in session.InputMetadata.Values)
        {
            Assert.Equal(typeof(long), input.ElementType);
            Assert.Equal(new[] { -1, -1 }, input.Dimensions);
            Assert.Equal(new[] { "batch_size", "sequence_length" }, input.SymbolicDimensions);
        }
        var logits = Assert.Single(session.OutputMetadata);
        Assert.Equal("logits", logits.Key);
        Assert.Equal(new[] { -1, -1, 3 }, logits.Value.Dimensions);
        Assert.Equal("BertForTokenClassification", session.ModelMetadata.CustomMetadataMap["architecture"]);
    }

    [Fact]
    public void AnOnnxExportImportsBackWithTheSameWeightsAndHead_AndExportsAgainByteForByte()
    {
        using var model = TinyModel(FineTuneTask.SequenceClassification, "gelu");
        var directory = Path.Combine(temp, "classifier");
        HfCheckpointDirectory.Export(model, directory, force: false, format: CheckpointExportFormat.Onnx);

        using var imported = HfCheckpointDirectory.Import(directory);
        Assert.Equal(FineTuneTask.SequenceClassification, imported.GetTask());
        Assert.Equal(["A", "B", "C"], imported.Config.Labels);
        var back = imported.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int compared = 0;
        using var scope = NewDisposeScope();
        foreach (var (name, parameter) in model.Module.named_parameters())
        {
            if (!HfCheckpointDirectory.IsExported(model, name)) continue;
            Assert.True(parameter.equal(back[name]).all().item<bool>(), $"{name} differs after the round trip");
            compared++;
        }
        Assert.Equal(model.Module.named_parameters().Count(p => !p.name.StartsWith("cls.", StringComparison.Ordinal)), compared);

        // Exported again, the model that came back writes the same file, byte for byte.
        var again = Path.Combine(temp, "classifier-again");
        HfCheckpointDirectory.Export(imported, again, force: false, format: CheckpointExportFormat.Onnx);
        Assert.Equal(File.ReadAllBytes(Path.Combine(directory, "model.onnx")), File.ReadAllBytes(Path.Combine(again, "model.onnx")));
    }

    [Fact]
    public void AModelTooLargeForOneOnnxFileIsRefusedBeforeAByteIsWritten()
    {
        var graph = new OnnxGraphBuilder("huge");
        bool written = false;
        graph.Initializer("w", OnnxDataType.Float, [600_000_000], _ => written = true);
        using var stream = new MemoryStream();
        var ex = Assert.Throws<BertAdaptException>(() => OnnxModelWriter.Write(stream, graph, "test", new Dictionary<string, string>(), "target"));
        Assert.Equal("OnnxExportTooLarge", ex.ErrorId);
        Assert.False(written);
        Assert.Equal(0, stream.Length);
    }

    [Fact]
    public void TheTooLargeRefusalPointsExportsAtSafeTensorsAndTheOnnxRuntimeAtLibTorch()
    {
        const long size = OnnxModelWriter.MaxModelBytes + 1;
        var export = Assert.Throws<BertAdaptException>(() => OnnxModelWriter.CheckSize(size, "out"));
        Assert.EndsWith("Export the model as a Hugging Face checkpoint (the default -Format) instead.", export.Message);
        var runtime = Assert.Throws<BertAdaptException>(() => OnnxModelWriter.CheckSize(size, "-Runtime OnnxRuntime", "Run it with -Runtime LibTorch (the default) instead."));
        Assert.Equal("OnnxExportTooLarge", runtime.ErrorId);
        Assert.EndsWith("Run it with -Runtime LibTorch (the default) instead.", runtime.Message);
        Assert.DoesNotContain("-Format", runtime.Message);
        OnnxModelWriter.CheckSize(OnnxModelWriter.MaxModelBytes, "fits");
    }

    [Fact]
    public void MiniLmImportedThenExportedMatchesTheModuleInOnnxRuntime()
    {
        using var model = HfCheckpointDirectory.Import(TestAssets.MiniLmDirectory);
        var directory = Path.Combine(temp, "minilm");
        HfCheckpointDirectory.Export(model, directory, force: false, format: CheckpointExportFormat.Onnx);

        var worst = Compare(model, directory, [(2, 9), (4, 40)]);
        var summary = $"MiniLM ONNX export vs the module: {string.Join(", ", worst.Select(w => $"{w.Key} max |diff| = {w.Value:E2}"))}";
        output.WriteLine(summary);
        Console.WriteLine(summary);
        foreach (var (name, diff) in worst) Assert.True(diff <= Tolerance, $"{name}: max |diff| {diff:E3} > {Tolerance:E0}");
    }
}
