using BertAdapt.Engine.Checkpoints;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>
/// Google's original TensorFlow checkpoints (bert_model.ckpt.index + .data-00000-of-00001 +
/// bert_config.json + vocab.txt), written by <see cref="TfCheckpointWriter"/> from a known model
/// under the names Google's BERT gives its variables, with the optimizer's slots beside them.
/// </summary>
public sealed class TfCheckpointTests : IDisposable
{
    readonly string temp = Path.Combine(Path.GetTempPath(), $"bertadapt-tf-{Guid.NewGuid():N}");

    public TfCheckpointTests() => Directory.CreateDirectory(temp);

    public void Dispose() => Directory.Delete(temp, recursive: true);

    static BertModel TinyModel(long seed = 5) =>
        BertModel.Create(TinyFixtures.Config(TinyFixtures.Vocabulary().Count), TinyFixtures.Vocabulary(), seed, "test");

    /// <summary>The model as Google's release lays it out, with Adam's moments and the step counter beside the weights.</summary>
    public static List<TfVariable> GoogleVariables(BertModel model)
    {
        using var scope = NewDisposeScope();
        var variables = new List<TfVariable>();
        foreach (var (name, parameter) in model.Module.named_parameters())
        {
            var (google, transposed) = TfCheckpointWriter.GoogleName(name);
            var host = (transposed ? parameter.detach().t() : parameter.detach()).cpu().contiguous();
            var values = host.data<float>().ToArray();
            variables.Add(TfCheckpointWriter.Float32(google, host.shape, values));
            if (name.EndsWith("query.weight", StringComparison.Ordinal))
            {
                variables.Add(TfCheckpointWriter.Float32(google + "/adam_m", host.shape, new float[values.Length]));
                variables.Add(TfCheckpointWriter.Float32(google + "/adam_v", host.shape, new float[values.Length]));
            }
        }
        variables.Add(new TfVariable("global_step", 9, [], BitConverter.GetBytes(1000L)));
        return variables;
    }

    string WriteGoogleCheckpoint(string name, BertModel model)
    {
        var directory = Path.Combine(temp, name);
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, CheckpointLocation.TensorFlowConfigFile), model.Config.ToJson());
        model.Vocabulary.Save(directory);
        File.Delete(Path.Combine(directory, "tokenizer_config.json"));
        TfCheckpointWriter.Write(Path.Combine(directory, "bert_model.ckpt"), GoogleVariables(model));
        return directory;
    }

    static float[] Values(Tensor t) => t.detach().cpu().contiguous().data<float>().ToArray();

    static void AssertSameWeights(BertModel expected, BertModel actual)
    {
        var theirs = actual.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, parameter) in expected.Module.named_parameters())
            Assert.True(Values(parameter).SequenceEqual(Values(theirs[name])), $"{name} differs");
    }

    [Fact]
    public void GoogleCheckpointImportsWithBitIdenticalWeights_AndReExports()
    {
        using var model = TinyModel();
        var directory = WriteGoogleCheckpoint("google", model);
        using var imported = HfCheckpointDirectory.Import(directory);
        AssertSameWeights(model, imported);
        // Nothing is missing or left over: the one line says how do_lower_case was decided.
        Assert.Equal("do_lower_case is taken as true", Assert.Single(imported.LoadReport).Split(": ")[1].Split(" from")[0]);
        Assert.Equal(model.Config.HiddenSize, imported.Config.HiddenSize);

        var exported = Path.Combine(temp, "exported");
        HfCheckpointDirectory.Export(imported, exported, force: false);
        using var again = HfCheckpointDirectory.Import(exported);
        AssertSameWeights(model, again);
    }

    [Fact]
    public void TheIndexFileItselfCanBeGiven()
    {
        using var model = TinyModel();
        var directory = WriteGoogleCheckpoint("by-file", model);
        using var imported = HfCheckpointDirectory.Import(Path.Combine(directory, "bert_model.ckpt.index"));
        AssertSameWeights(model, imported);
    }

    [Theory]
    [InlineData("uncased_L-2_H-64_A-2", true)]
    [InlineData("cased_L-2_H-64_A-2", false)]
    [InlineData("biobert_v1.1_pubmed", true)]
    public void WhetherAGoogleReleaseLowerCasesComesFromItsName(string name, bool lowerCase)
    {
        using var model = TinyModel();
        var directory = WriteGoogleCheckpoint(name, model);
        using var imported = HfCheckpointDirectory.Import(directory);
        Assert.Equal(lowerCase, imported.Vocabulary.LowerCase);
        Assert.Contains($"do_lower_case is taken as {(lowerCase ? "true" : "false")}", Assert.Single(imported.LoadReport));
        File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), "{\"do_lower_case\": " + (lowerCase ? "false" : "true") + "}");
        using var configured = HfCheckpointDirectory.Import(directory);
        Assert.Equal(!lowerCase, configured.Vocabulary.LowerCase);
        Assert.Empty(configured.LoadReport);
    }

    static BertAdaptException Refusal(string directory) => Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory).Dispose());

    [Fact]
    public void EveryTruncationOfTheIndexIsCorrupt()
    {
        using var model = TinyModel();
        var directory = WriteGoogleCheckpoint("truncated", model);
        var index = Path.Combine(directory, "bert_model.ckpt.index");
        var whole = File.ReadAllBytes(index);
        for (int length = 0; length < whole.Length; length += length < 200 ? 1 : 37)
        {
            File.WriteAllBytes(index, whole[..length]);
            Assert.Equal("TfCheckpointCorrupt", Refusal(directory).ErrorId);
        }
    }

    [Fact]
    public void AFlippedByteInTheIndexIsRefused()
    {
        using var model = TinyModel();
        var directory = WriteGoogleCheckpoint("flipped-index", model);
        var index = Path.Combine(directory, "bert_model.ckpt.index");
        var whole = File.ReadAllBytes(index);
        // Every byte of the blocks, their trailers and the footer's handles; the footer's padding is not read.
        for (int at = 0; at < whole.Length - 48 + 8; at += 7)
        {
            var changed = (byte[])whole.Clone();
            changed[at] ^= 0x5A;
            File.WriteAllBytes(index, changed);
            var error = Refusal(directory);
            Assert.Contains(error.ErrorId, new[] { "TfCheckpointCorrupt", "TfCheckpointUnsupported" });
        }
    }

    [Fact]
    public void ATruncatedOrChangedDataFileIsCorrupt()
    {
        using var model = TinyModel();
        var directory = WriteGoogleCheckpoint("data", model);
        var data = Path.Combine(directory, "bert_model.ckpt.data-00000-of-00001");
        var whole = File.ReadAllBytes(data);
        File.WriteAllBytes(data, whole[..^100]);
        var truncated = Refusal(directory);
        Assert.Equal("TfCheckpointCorrupt", truncated.ErrorId);
        Assert.Contains("truncated?", truncated.Message);

        var flipped = (byte[])whole.Clone();
        flipped[whole.Length / 2] ^= 1;
        File.WriteAllBytes(data, flipped);
        var changed = Refusal(directory);
        Assert.Equal("TfCheckpointCorrupt", changed.ErrorId);
        Assert.Contains("checksum", changed.Message);

        File.Delete(data);
        Assert.Contains("missing", Refusal(directory).Message);
    }

    [Fact]
    public void ASnappyCompressedIndexIsUnsupportedByName()
    {
        using var model = TinyModel();
        var directory = WriteGoogleCheckpoint("snappy", model);
        var index = Path.Combine(directory, "bert_model.ckpt.index");
        var bytes = File.ReadAllBytes(index);
        // The first block (the data block) starts at 0; its handle is the first entry of the index block.
        int size = DataBlockSize(bytes);
        bytes[size] = 1;
        var crc = Engine.Checkpoints.TensorFlow.Crc32C.Mask(Engine.Checkpoints.TensorFlow.Crc32C.Extend(Engine.Checkpoints.TensorFlow.Crc32C.Extend(0, bytes.AsSpan(0, size)), [1]));
        BitConverter.GetBytes(crc).CopyTo(bytes, size + 1);
        File.WriteAllBytes(index, bytes);
        var error = Refusal(directory);
        Assert.Equal("TfCheckpointUnsupported", error.ErrorId);
        Assert.Contains("Snappy", error.Message);
    }

    /// <summary>The data block's size, read from the index block's one handle (after the data block's trailer).</summary>
    static int DataBlockSize(byte[] index)
    {
        // Footer: metaindex handle, then index handle.
        int at = index.Length - 48;
        ReadVarint(index, ref at); ReadVarint(index, ref at);
        int indexOffset = (int)ReadVarint(index, ref at);
        // Index block entry: shared, unshared, value length, key, then the value (offset, size).
        int p = indexOffset;
        ReadVarint(index, ref p);
        int unshared = (int)ReadVarint(index, ref p);
        ReadVarint(index, ref p);
        p += unshared;
        ReadVarint(index, ref p);
        return (int)ReadVarint(index, ref p);
    }

    static ulong ReadVarint(byte[] bytes, ref int at)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = bytes[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }

    [Fact]
    public void AShapeThatDisagreesWithTheBytesIsCorrupt()
    {
        using var model = TinyModel();
        var directory = Path.Combine(temp, "shape");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, CheckpointLocation.TensorFlowConfigFile), model.Config.ToJson());
        model.Vocabulary.Save(directory);
        var variables = GoogleVariables(model);
        var pooler = variables.FindIndex(v => v.Name == "bert/pooler/dense/bias");
        variables[pooler] = variables[pooler] with { Shape = [variables[pooler].Shape[0] + 1] };
        TfCheckpointWriter.Write(Path.Combine(directory, "bert_model.ckpt"), variables);
        var error = Refusal(directory);
        Assert.Equal("TfCheckpointCorrupt", error.ErrorId);
        Assert.Contains("bert/pooler/dense/bias", error.Message);
    }

    [Theory]
    [InlineData("bert/encoder/layer_11/attention/self/query/kernel", "bert.encoder.layer.11.attention.self.query.weight", true)]
    [InlineData("bert/encoder/layer_0/output/LayerNorm/gamma", "bert.encoder.layer.0.output.LayerNorm.weight", false)]
    [InlineData("bert/embeddings/LayerNorm/beta", "bert.embeddings.LayerNorm.bias", false)]
    [InlineData("bert/embeddings/word_embeddings", "bert.embeddings.word_embeddings.weight", false)]
    [InlineData("cls/predictions/output_bias", "cls.predictions.bias", false)]
    [InlineData("cls/predictions/transform/dense/kernel", "cls.predictions.transform.dense.weight", true)]
    [InlineData("cls/seq_relationship/output_weights", "cls.seq_relationship.weight", false)]
    [InlineData("bert/pooler/dense/bias", "bert.pooler.dense.bias", false)]
    public void GoogleNamesMapAsHuggingFacesConverterMapsThem(string google, string huggingFace, bool transposed)
    {
        Assert.Equal((huggingFace, transposed), Engine.Checkpoints.TensorFlow.TfNames.ToHuggingFace(google));
        Assert.False(Engine.Checkpoints.TensorFlow.TfNames.IsTrainingState(google));
        Assert.True(Engine.Checkpoints.TensorFlow.TfNames.IsTrainingState(google + "/adam_m"));
    }
}
