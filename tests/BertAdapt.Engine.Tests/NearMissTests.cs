using BertAdapt.Engine;
using BertAdapt.Engine.Modeling;
using Xunit;

namespace BertAdapt.Engine.Tests;

public class NearMissTests
{
    [Theory]
    [InlineData("hiden_size", "hidden_size")]
    [InlineData("num-hidden-layers", "num_hidden_layers")]
    [InlineData("NUM_ATTENTION_HEADS", "num_attention_heads")]
    [InlineData("intermediat_size", "intermediate_size")]
    public void ASlipFindsTheKeyMeant(string written, string meant) =>
        Assert.Equal(meant, NearMiss.Closest(written, BertConfig.Keys));

    [Theory]
    [InlineData("colour")]
    [InlineData("learning_rate")]
    public void AnotherWordFindsNothing(string written) => Assert.Null(NearMiss.Closest(written, BertConfig.Keys));

    [Fact]
    public void WithoutANearMissTheHintListsEveryCandidate() =>
        Assert.Equal("Sections are 'model', 'train' and 'export'.", NearMiss.Hint("zzzzzz", ["model", "train", "export"], "Sections are"));

    [Fact]
    public void AHandWrittenConfigWithAnUnknownKeyIsRefused()
    {
        var ex = Assert.Throws<BertAdaptException>(() => BertConfig.FromDictionary(new Dictionary<string, object?> { ["hiden_size"] = 128 }, "test"));
        Assert.Equal("ConfigKeyUnknown", ex.ErrorId);
        Assert.Contains("Did you mean 'hidden_size'?", ex.Message);
    }

    [Fact]
    public void ACheckpointConfigKeepsKeysItDoesNotModel()
    {
        var config = BertConfig.Parse("""{"hidden_size": 64, "num_attention_heads": 2, "transformers_version": "4.44.0"}""", "test");
        Assert.Contains("transformers_version", config.ToJson());
    }
}
