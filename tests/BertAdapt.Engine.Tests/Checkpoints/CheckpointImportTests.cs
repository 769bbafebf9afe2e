using System.Runtime.InteropServices;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>
/// The checkpoint variants users arrive with, written as safetensors from a known model:
/// renamed (TF-era LayerNorm, bare encoder), with extra buffers and keys, without heads,
/// with a wrong shape, and with tokenizer files in their different forms.
/// </summary>
public sealed class CheckpointImportTests : IDisposable
{
    readonly string temp = Path.Combine(Path.GetTempPath(), $"bertadapt-import-{Guid.NewGuid():N}");

    public CheckpointImportTests() => Directory.CreateDirectory(temp);

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static BertModel TinyModel(long seed = 3) =>
        BertModel.Create(TinyFixtures.Config(TinyFixtures.Vocabulary().Count), TinyFixtures.Vocabulary(), seed, "test");

    /// <summary>The model's parameters as float32 safetensors items, renamed and filtered by <paramref name="rename"/> (null drops).</summary>
    static List<SafeTensorWriteItem> Items(BertModel model, Func<string, string?> rename, SafeTensorDType dtype = SafeTensorDType.F32)
    {
        using var scope = NewDisposeScope();
        var items = new List<SafeTensorWriteItem>();
        foreach (var (name, parameter) in model.Module.named_parameters())
        {
            var newName = rename(name);
            if (newName is null) continue;
            var host = parameter.detach().cpu().contiguous();
            var bytes = dtype == SafeTensorDType.F16 ? host.to(ScalarType.Float16).bytes.ToArray() : host.bytes.ToArray();
            items.Add(new SafeTensorWriteItem(newName, dtype, host.shape, bytes));
        }
        return items;
    }

    string WriteCheckpoint(string name, BertModel model, IReadOnlyList<SafeTensorWriteItem> items)
    {
        var directory = Path.Combine(temp, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "config.json"), model.Config.ToJson());
        model.Vocabulary.Save(directory);
        SafeTensorsWriter.Write(Path.Combine(directory, "model.safetensors"), items, null);
        return directory;
    }

    static float[] Values(Tensor t) => t.detach().cpu().to(ScalarType.Float32).contiguous().data<float>().ToArray();

    static void AssertSameParameters(BertModel expected, BertModel actual, Func<string, bool> which, float tolerance = 0)
    {
        var theirs = actual.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int compared = 0;
        foreach (var (name, parameter) in expected.Module.named_parameters())
        {
            if (!which(name)) continue;
            var a = Values(parameter);
            var b = Values(theirs[name]);
            Assert.Equal(a.Length, b.Length);
            for (int i = 0; i < a.Length; i++)
                Assert.True(Math.Abs(a[i] - b[i]) <= tolerance, $"{name}[{i}]: {a[i]} vs {b[i]}");
            compared++;
        }
        Assert.True(compared > 0);
    }

    [Fact]
    public void TfEraLayerNormNamesLoadAsWeightAndBias()
    {
        using var model = TinyModel();
        var directory = WriteCheckpoint("tf", model, Items(model, n => n.Replace("LayerNorm.weight", "LayerNorm.gamma").Replace("LayerNorm.bias", "LayerNorm.beta")));
        using var imported = HfCheckpointDirectory.Import(directory);
        Assert.Empty(imported.LoadReport);
        AssertSameParameters(model, imported, _ => true);
    }

    [Fact]
    public void BareBertModelLoadsTheEncoderAndReportsTheNewHeads()
    {
        using var model = TinyModel();
        var directory = WriteCheckpoint("bare", model, Items(model, n => n.StartsWith("bert.") ? n["bert.".Length..] : null));
        using var imported = HfCheckpointDirectory.Import(directory);
        AssertSameParameters(model, imported, n => n.StartsWith("bert."));

        var line = Assert.Single(imported.LoadReport);
        Assert.Contains("newly initialised", line);
        foreach (var head in new[] { "cls.predictions.bias", "cls.predictions.transform.dense.weight", "cls.seq_relationship.weight" })
            Assert.Contains(head, line);
        Assert.DoesNotContain("bert.", line);
        // The head is a fresh initialisation, not the source model's trained head.
        var fresh = Values(imported.Module.named_parameters().Single(p => p.name == "cls.predictions.transform.dense.weight").parameter);
        var original = Values(model.Module.named_parameters().Single(p => p.name == "cls.predictions.transform.dense.weight").parameter);
        Assert.NotEqual(original, fresh);
    }

    [Fact]
    public void PositionIdsBufferAndTiedDecoderKeysAreIgnoredSilently_OtherExtrasAreReported()
    {
        using var model = TinyModel();
        var items = Items(model, n => n);
        var config = model.Config;
        var positions = Enumerable.Range(0, config.MaxPositionEmbeddings).Select(i => (long)i).ToArray();
        items.Add(new SafeTensorWriteItem("bert.embeddings.position_ids", SafeTensorDType.I64, [1, config.MaxPositionEmbeddings], MemoryMarshal.AsBytes(positions.AsSpan()).ToArray()));
        var embedding = items.Single(i => i.Name == "bert.embeddings.word_embeddings.weight");
        items.Add(embedding with { Name = "cls.predictions.decoder.weight" });
        var bias = items.Single(i => i.Name == "cls.predictions.bias");
        items.Add(bias with { Name = "cls.predictions.decoder.bias" });
        items.Add(bias with { Name = "classifier.extra_head" });
        var directory = WriteCheckpoint("extras", model, items);

        using var imported = HfCheckpointDirectory.Import(directory);
        var line = Assert.Single(imported.LoadReport);
        Assert.Contains("not used by BertForPreTraining", line);
        Assert.Contains("classifier.extra_head", line);
        Assert.DoesNotContain("position_ids", line);
        Assert.DoesNotContain("decoder", line);
        AssertSameParameters(model, imported, _ => true);
    }

    [Fact]
    public void OutputBiasStoredOnlyAsTheDecoderBiasIsUsed()
    {
        using var model = TinyModel();
        var directory = WriteCheckpoint("decoder-bias", model,
            Items(model, n => n == "cls.predictions.bias" ? "cls.predictions.decoder.bias" : n));
        using var imported = HfCheckpointDirectory.Import(directory);
        Assert.Empty(imported.LoadReport);
        AssertSameParameters(model, imported, n => n == "cls.predictions.bias");
    }

    [Fact]
    public void HalfPrecisionWeightsLoadWithinHalfPrecision_AndGiveNearlyTheSameLoss()
    {
        using var model = TinyModel();
        var directory = WriteCheckpoint("f16", model, Items(model, n => n, SafeTensorDType.F16));
        using var imported = HfCheckpointDirectory.Import(directory);
        AssertSameParameters(model, imported, _ => true, tolerance: 2e-3f);
        var examples = TinyFixtures.Examples(model.Vocabulary, TinyFixtures.CorpusText(20, 4), 32);
        var a = PerplexityEvaluator.Measure(model, examples, seed: 1);
        var b = PerplexityEvaluator.Measure(imported, examples, seed: 1);
        Assert.InRange(Math.Abs(a.Loss - b.Loss), 0, 1e-2);
    }

    [Fact]
    public void ShapeMismatchIsAnErrorNamingTheTensorInTheFile()
    {
        using var model = TinyModel();
        var items = Items(model, n => n.Replace("LayerNorm.weight", "LayerNorm.gamma"));
        var index = items.FindIndex(i => i.Name == "bert.encoder.layer.1.output.LayerNorm.gamma");
        items[index] = items[index] with { Shape = [items[index].Shape[0] / 2, 2] };
        var directory = WriteCheckpoint("bad-shape", model, items);
        var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory));
        Assert.Equal("CheckpointShapeMismatch", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
        Assert.Contains("bert.encoder.layer.1.output.LayerNorm.gamma (for bert.encoder.layer.1.output.LayerNorm.weight)", error.Message);
    }

    [Fact]
    public void IntegerWeightsAreRefused()
    {
        using var model = TinyModel();
        var items = Items(model, n => n);
        var index = items.FindIndex(i => i.Name == "cls.seq_relationship.bias");
        items[index] = items[index] with { DType = SafeTensorDType.I32 };
        var directory = WriteCheckpoint("int-weights", model, items);
        var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory));
        Assert.Equal("CheckpointDTypeUnsupported", error.ErrorId);
        Assert.Contains("cls.seq_relationship.bias", error.Message);
    }

    [Fact]
    public void AnUnneededTensorOfAnyDType_IsSkippedWithAWarningThatNamesIt()
    {
        using var model = TinyModel();
        var items = Items(model, n => n);
        items.Add(new SafeTensorWriteItem("quantizer.scales", SafeTensorDType.F8_E4M3, [4], new byte[4]));
        items.Add(new SafeTensorWriteItem("quantizer.ids", SafeTensorDType.U32, [2], new byte[8]));
        var directory = WriteCheckpoint("extra-dtypes", model, items);
        using var imported = HfCheckpointDirectory.Import(directory);
        var ignored = Assert.Single(imported.LoadReport, line => line.Contains("were ignored"));
        Assert.Contains("quantizer.scales", ignored);
        Assert.Contains("quantizer.ids", ignored);
        AssertSameParameters(model, imported, _ => true);
    }

    [Fact]
    public void ANeededTensorOfAnUnsupportedDType_SaysSo_NotCorrupt()
    {
        using var model = TinyModel();
        var items = Items(model, n => n);
        var index = items.FindIndex(i => i.Name == "cls.seq_relationship.bias");
        items[index] = items[index] with { DType = SafeTensorDType.U32 };
        var directory = WriteCheckpoint("u32-weight", model, items);
        var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory));
        Assert.Equal("CheckpointDTypeUnsupported", error.ErrorId);
        Assert.Contains("unsupported dtype U32 for tensor cls.seq_relationship.bias", error.Message);
    }

    [Fact]
    public void ImportTakesAWeightsFilePathAsWellAsItsDirectory()
    {
        using var model = TinyModel();
        var directory = WriteCheckpoint("file-path", model, Items(model, n => n));
        using var imported = HfCheckpointDirectory.Import(Path.Combine(directory, "model.safetensors"));
        AssertSameParameters(model, imported, _ => true);
        Assert.Equal(directory, imported.Source);
    }

    [Fact]
    public void DirectoryWithoutWeightsOrWithShardsSaysSo()
    {
        var empty = Path.Combine(temp, "empty");
        Directory.CreateDirectory(empty);
        var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(empty));
        Assert.Equal("CheckpointWeightsNotFound", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.ObjectNotFound, error.Kind);

        File.WriteAllText(Path.Combine(empty, "model.safetensors.index.json"), "{}");
        error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(empty));
        Assert.Contains("sharded", error.Message);

        var stray = Path.Combine(temp, "notes.txt");
        File.WriteAllText(stray, "x");
        error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(stray));
        Assert.Equal("CheckpointFormatUnknown", error.ErrorId);
    }

    [Theory]
    [InlineData("{\"do_lower_case\": false}", false)]
    [InlineData("{\"do_lower_case\": true}", true)]
    [InlineData("{\"model_max_length\": 512}", true)]
    public void DoLowerCaseComesFromTokenizerConfig(string tokenizerConfig, bool lowerCase)
    {
        using var model = TinyModel();
        var directory = WriteCheckpoint("case", model, Items(model, n => n));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), tokenizerConfig);
        using var imported = HfCheckpointDirectory.Import(directory);
        Assert.Equal(lowerCase, imported.Vocabulary.LowerCase);
        // "Restart" is only in the vocabulary in lower case.
        var restart = imported.Vocabulary.IdOf("restart");
        Assert.NotNull(restart);
        Assert.Equal(lowerCase, imported.Vocabulary.Encode("Restart").SequenceEqual([restart.Value]));
    }

    [Theory]
    [InlineData("{\"do_lower_case\": \"yes\"}")]
    [InlineData("{not json")]
    public void MalformedTokenizerConfigIsAnErrorNamingTheFile(string tokenizerConfig)
    {
        using var model = TinyModel();
        var directory = WriteCheckpoint("bad-tokenizer-config", model, Items(model, n => n));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), tokenizerConfig);
        var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory));
        Assert.Equal("TokenizerConfigInvalid", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
        Assert.Contains("tokenizer_config.json", error.Message);
    }

    [Fact]
    public void VocabularyFromTokenizerJsonWhenThereIsNoVocabTxt()
    {
        using var model = TinyModel();
        var directory = WriteCheckpoint("fast-tokenizer", model, Items(model, n => n));
        File.Delete(Path.Combine(directory, "vocab.txt"));
        File.Delete(Path.Combine(directory, "tokenizer_config.json"));
        var tokens = model.Vocabulary.Tokens;
        // Written out of id order on purpose: ids, not positions, decide.
        var vocab = string.Join(",", tokens.Select((t, i) => (t, i)).Reverse().Select(p => $"{System.Text.Json.JsonSerializer.Serialize(p.t)}:{p.i}"));
        File.WriteAllText(Path.Combine(directory, "tokenizer.json"),
            $"{{\"normalizer\":{{\"type\":\"BertNormalizer\",\"lowercase\":false}},\"model\":{{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"vocab\":{{{vocab}}}}}}}");
        using var imported = HfCheckpointDirectory.Import(directory);
        Assert.Equal(tokens, imported.Vocabulary.Tokens);
        Assert.False(imported.Vocabulary.LowerCase);

        File.WriteAllText(Path.Combine(directory, "tokenizer.json"), "{\"model\":{\"type\":\"BPE\",\"vocab\":{}}}");
        var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory));
        Assert.Equal("TokenizerJsonInvalid", error.ErrorId);
        File.Delete(Path.Combine(directory, "tokenizer.json"));
        error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory));
        Assert.Equal("VocabularyNotFound", error.ErrorId);
    }

    [Fact]
    public void MappingTranslatesAndSortsWhatItCannotUse()
    {
        var parameters = new[] { "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm.bias", "bert.pooler.dense.weight", "cls.predictions.bias" };
        var mapping = StateDictMapping.Build(["embeddings.LayerNorm.gamma", "embeddings.LayerNorm.beta", "embeddings.position_ids", "pooler.dense.weight", "lm_head.weight"], parameters);
        Assert.Equal("embeddings.LayerNorm.gamma", mapping.SourceOf["bert.embeddings.LayerNorm.weight"]);
        Assert.Equal("embeddings.LayerNorm.beta", mapping.SourceOf["bert.embeddings.LayerNorm.bias"]);
        Assert.Equal("pooler.dense.weight", mapping.SourceOf["bert.pooler.dense.weight"]);
        Assert.Equal(["cls.predictions.bias"], mapping.Missing);
        Assert.Equal(["lm_head.weight"], mapping.Unexpected);
        Assert.Equal(3, mapping.Renamed.Count);

        // With a "bert." prefix present, top-level encoder names are not re-rooted.
        mapping = StateDictMapping.Build(["bert.pooler.dense.weight", "embeddings.LayerNorm.gamma"], parameters);
        Assert.Equal(["embeddings.LayerNorm.gamma"], mapping.Unexpected);
    }
}

/// <summary>Whole imports of the checkpoints real PyTorch wrote (tests/fixtures/pytorch).</summary>
public sealed class PyTorchCheckpointImportTests : IDisposable
{
    readonly string temp = Path.Combine(Path.GetTempPath(), $"bertadapt-ptimport-{Guid.NewGuid():N}");

    public PyTorchCheckpointImportTests() => Directory.CreateDirectory(temp);

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static float[] Values(BertModel model, string name) =>
        model.Module.named_parameters().Single(p => p.name == name).parameter.detach().cpu().contiguous().data<float>().ToArray();

    static System.Text.Json.Nodes.JsonNode Expected(string fixture, string tensor) =>
        System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Interop.TestAssets.Fixture("pytorch", fixture, "expected.json")))!["tensors"]![tensor]!;

    [Fact]
    public void PretrainingBinImportsCompletely_AndMatchesTorchsOwnNumbers()
    {
        using var model = HfCheckpointDirectory.Import(Interop.TestAssets.Fixture("pytorch", "tiny-pretraining"));
        Assert.Empty(model.LoadReport); // position_ids and the tied decoder keys are ignored silently
        foreach (var name in new[] { "bert.embeddings.word_embeddings.weight", "bert.encoder.layer.1.attention.self.query.weight", "cls.seq_relationship.weight" })
        {
            var values = Values(model, name);
            var expected = Expected("tiny-pretraining", name);
            Assert.Equal(expected["sum"]!.GetValue<double>(), values.Sum(v => (double)v), 3);
            var first = expected["first"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            for (int i = 0; i < first.Length; i++) Assert.Equal(first[i], values[i], 6);
        }
    }

    [Fact]
    public void PretrainingBinRoundTripsThroughSafetensorsUnchanged()
    {
        using var model = HfCheckpointDirectory.Import(Interop.TestAssets.Fixture("pytorch", "tiny-pretraining"));
        var exported = Path.Combine(temp, "exported");
        HfCheckpointDirectory.Export(model, exported, force: false);
        using var again = HfCheckpointDirectory.Import(exported);
        foreach (var (name, _) in model.Module.named_parameters())
            Assert.Equal(Values(model, name), Values(again, name));
    }

    [Fact]
    public void BareTfNamedHalfPrecisionEncoderLoadsIntoTheSameEncoderWeights()
    {
        using var full = HfCheckpointDirectory.Import(Interop.TestAssets.Fixture("pytorch", "tiny-pretraining"));
        using var bare = HfCheckpointDirectory.Import(Interop.TestAssets.Fixture("pytorch", "tiny-bare-tf-names"));
        Assert.False(bare.Vocabulary.LowerCase); // do_lower_case: false
        var line = Assert.Single(bare.LoadReport);
        Assert.Contains("newly initialised", line);
        Assert.Contains("cls.predictions.transform.dense.weight", line);
        Assert.DoesNotContain("bert.", line);
        foreach (var (name, _) in full.Module.named_parameters().Where(p => p.name.StartsWith("bert.")))
        {
            var a = Values(full, name);
            var b = Values(bare, name);
            // The bare checkpoint is the same weights rounded to float16.
            for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-3 * Math.Max(1, Math.Abs(a[i])), $"{name}[{i}] {a[i]} vs {b[i]}");
        }
    }

    [Theory]
    [InlineData("malicious")]
    [InlineData("malicious-eval")]
    public void MaliciousPickleIsRefusedBeforeAnythingRuns(string fixture)
    {
        var marker = Path.Combine(temp, "marker");
        var previous = Environment.GetEnvironmentVariable("BERTADAPT_PICKLE_MARKER");
        Environment.SetEnvironmentVariable("BERTADAPT_PICKLE_MARKER", marker);
        try
        {
            var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(Interop.TestAssets.Fixture("pytorch", fixture)));
            Assert.Equal("PyTorchPickleGlobalRefused", error.ErrorId);
            Assert.Equal(BertAdaptErrorKind.SecurityError, error.Kind);
            Assert.False(File.Exists(marker));
        }
        finally
        {
            Environment.SetEnvironmentVariable("BERTADAPT_PICKLE_MARKER", previous);
        }
    }
}
