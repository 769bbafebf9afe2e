using BertAdapt.Engine.Checkpoints;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>
/// The defects the checkpoint fuzzer (<see cref="CheckpointFuzzTests"/>, and the bench's long run)
/// found, each as a small case of its own.
/// </summary>
public sealed class FuzzFoundDefectTests : IDisposable
{
    readonly string directory = Directory.CreateTempSubdirectory("bertadapt-fuzz-found-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    BertAdaptException Refused(string file, string json, string errorId)
    {
        File.WriteAllText(Path.Combine(directory, file), json);
        var error = Assert.Throws<BertAdaptException>(() => TokenizerFiles.LoadVocabulary(directory));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
        return error;
    }

    /// <summary>Fuzz case 11339 of seed 2026: a null id was caught as the NullReferenceException it caused.</summary>
    [Fact]
    public void ANullTokenIdInTokenizerJsonIsRefusedWithoutANullReference()
    {
        var error = Refused("tokenizer.json", """{"model":{"type":"WordPiece","vocab":{"[PAD]":0,"[UNK]":null}}}""", "TokenizerJsonInvalid");
        Assert.Contains("'[UNK]'", error.Message);
        Assert.Null(error.InnerException);
    }

    /// <summary>
    /// Fuzz case 17165 of seed 2026: JSON may escape half of a surrogate pair ("\ud800"), which
    /// parses, but reading it as a string is an InvalidOperationException.
    /// </summary>
    [Theory]
    [InlineData("tokenizer.json", """{"model":{"type":"WordPiece","continuing_subword_prefix":"\ud800","vocab":{"[PAD]":0}}}""", "TokenizerJsonInvalid")]
    [InlineData("tokenizer.json", """{"model":{"type":"WordPiece","vocab":{"[PAD]":0,"\udc00x":1}}}""", "TokenizerJsonInvalid")]
    [InlineData("tokenizer.json", """{"normalizer":{"type":"\ud800"},"model":{"type":"WordPiece","vocab":{"[PAD]":0}}}""", "TokenizerJsonInvalid")]
    [InlineData("tokenizer_config.json", """{"never_split":["\ud800"]}""", "TokenizerConfigInvalid")]
    public void AHalfSurrogateInATokenizerFileIsRefused(string file, string json, string errorId)
    {
        if (file == "tokenizer_config.json") File.WriteAllText(Path.Combine(directory, "vocab.txt"), "[PAD]\n[UNK]\n");
        var error = Refused(file, json, errorId);
        Assert.Contains("surrogate", error.Message);
    }
}
