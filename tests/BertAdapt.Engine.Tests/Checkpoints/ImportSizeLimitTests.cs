using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Modeling;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>A config.json that does not describe its weights cannot make the import build a model the file does not hold.</summary>
public sealed class ImportSizeLimitTests : IDisposable
{
    readonly string temp = Path.Combine(Path.GetTempPath(), $"bertadapt-size-{Guid.NewGuid():N}");

    public ImportSizeLimitTests() => Directory.CreateDirectory(temp);

    public void Dispose() => Directory.Delete(temp, recursive: true);

    [Theory]
    [InlineData(null)]
    [InlineData(3)]
    public void TheCountFromTheConfigIsTheLayoutsCount(int? classifier)
    {
        var config = TinyFixtures.Config(TinyFixtures.Vocabulary().Count);
        double fromLayout = StateDictLayout.PreTraining(config, classifier).Values.Sum(shape => (double)shape.Aggregate(1L, (a, b) => a * b));
        Assert.Equal(fromLayout, StateDictLayout.ParameterCount(config, classifier));
        var @base = new BertConfig();
        Assert.Equal(StateDictLayout.PreTraining(@base).Values.Sum(shape => (double)shape.Aggregate(1L, (a, b) => a * b)), StateDictLayout.ParameterCount(@base));
    }

    string Exported(string name, Action<BertConfig> change)
    {
        using var model = BertModel.Create(TinyFixtures.Config(TinyFixtures.Vocabulary().Count), TinyFixtures.Vocabulary(), 1, "test");
        var directory = Path.Combine(temp, name);
        HfCheckpointDirectory.Export(model, directory, force: false);
        File.Delete(Path.Combine(directory, "bertadapt_manifest.json"));
        var config = BertConfig.Load(Path.Combine(directory, "config.json"));
        change(config);
        File.WriteAllText(Path.Combine(directory, "config.json"), config.ToJson());
        return directory;
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(100_000)]
    [InlineData(int.MaxValue)]
    public void MoreLayersThanTheWeightsHoldIsCheckpointTooLarge(int layers)
    {
        var directory = Exported($"layers-{layers}", c => c.NumHiddenLayers = layers);
        var error = Assert.Throws<BertAdaptException>(() => HfCheckpointDirectory.Import(directory).Dispose());
        Assert.Equal("CheckpointTooLarge", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
        Assert.Contains($"{layers} layers", error.Message);
    }

    // The environment variable itself is tested in Pester, in a process of its own: setting it
    // here would race with the other test classes' imports.
    [Fact]
    public void TheCeilingIsAPositiveWholeNumber()
    {
        Assert.Equal(ImportSizeLimit.DefaultCeiling, ImportSizeLimit.ParseCeiling(null));
        Assert.Equal(ImportSizeLimit.DefaultCeiling, ImportSizeLimit.ParseCeiling(" "));
        Assert.Equal(1000, ImportSizeLimit.ParseCeiling("1000"));
        foreach (var bad in new[] { "0", "-5", "1e9", "lots" })
            Assert.Equal("CheckpointTooLarge", Assert.Throws<BertAdaptException>(() => ImportSizeLimit.ParseCeiling(bad)).ErrorId);
    }
}
