using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.Tokenization;

/// <summary>
/// A token on two lines of vocab.txt: Hugging Face's load_vocab assigns a dict line by line and
/// its fast tokenizer's WordPiece inserts into a map, so the later line's id is the one text
/// encodes to. A model trained in Hugging Face never used the earlier row.
/// </summary>
public sealed class DuplicateTokenTests
{
    static readonly BertVocabulary Vocabulary = BertVocabulary.FromText(
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nrun\n##ning\nbook\nrun\n##ning\n[MASK]\n", lowerCase: true, "test");

    [Fact]
    public void EncodingUsesTheLaterLineOfAWordAndOfAContinuation()
    {
        Assert.Equal([8, 9], Vocabulary.Encode("running"));
        Assert.Equal([8, 7], Vocabulary.Encode("run book"));
    }

    [Fact]
    public void LookupsAndSpecialTokensAgreeWithEncoding()
    {
        Assert.Equal(8, Vocabulary.IdOf("run"));
        Assert.Equal(10, Vocabulary.IdOf("[MASK]"));
        Assert.Equal(10, Vocabulary.MaskId);
        Assert.Equal([10], Vocabulary.Encode("[MASK]"));
    }
}
