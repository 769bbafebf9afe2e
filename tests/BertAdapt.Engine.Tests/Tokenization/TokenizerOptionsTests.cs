using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.Tokenization;

/// <summary>
/// Each basic tokenizer option, on the examples its Hugging Face documentation gives: the pieces
/// <see cref="BasicTokenizer"/> cuts, and what WordPiece makes of them.
/// </summary>
public sealed class TokenizerOptionsTests
{
    static string[] Pieces(BasicTokenizerSettings settings, string text) =>
        new BasicTokenizer(settings with { SpecialTokens = ["[MASK]", "[SEP]"] }).Split(text).Select(t => t.Text).ToArray();

    [Fact]
    public void StripAccentsNullFollowsLowerCase()
    {
        Assert.Equal(["hello"], Pieces(new() { LowerCase = true }, "Héllo"));
        Assert.Equal(["Héllo"], Pieces(new() { LowerCase = false }, "Héllo"));
    }

    [Fact]
    public void StripAccentsTrueStripsACasedVocabularyButKeepsItsCase()
    {
        Assert.Equal(["Hello", "Ecole"], Pieces(new() { LowerCase = false, StripAccents = true }, "Héllo École"));
        // The table path (Latin letters) and the string path (a decomposed accent) agree.
        Assert.Equal(["Hello"], Pieces(new() { LowerCase = false, StripAccents = true }, "He\u0301llo"));
    }

    [Fact]
    public void StripAccentsFalseKeepsAccentsWhenLowerCasing()
    {
        Assert.Equal(["héllo", "école"], Pieces(new() { LowerCase = true, StripAccents = false }, "Héllo École"));
        // Composed first: a decomposed accent is kept as the one composed letter.
        Assert.Equal(["héllo"], Pieces(new() { LowerCase = true, StripAccents = false }, "He\u0301llo"));
    }

    [Fact]
    public void TokenizeChineseCharsFalseKeepsACjkRunWhole()
    {
        Assert.Equal(["我", "爱", "北", "京"], Pieces(new(), "我爱北京"));
        Assert.Equal(["我爱北京", "ok"], Pieces(new() { SplitChineseCharacters = false }, "我爱北京 ok"));
    }

    [Fact]
    public void NeverSplitKeepsAWordWholeAndAsWritten()
    {
        var settings = new BasicTokenizerSettings { NeverSplit = ["[UNUSED_X]", "i.e."] };
        Assert.Equal(["[", "unused", "_", "x", "]"], Pieces(new(), "[UNUSED_X]"));
        Assert.Equal(["[UNUSED_X]", "means", "i.e.", "that", "."], Pieces(settings, "[UNUSED_X] means i.e. that."));
        // Only a whole whitespace-delimited word is kept: "i.e.," is not "i.e.".
        Assert.Equal(["i", ".", "e", ".", ","], Pieces(settings, "i.e.,"));
    }

    [Fact]
    public void DoBasicTokenizeFalseOnlySplitsAtWhitespace()
    {
        var settings = new BasicTokenizerSettings { BasicTokenize = false };
        Assert.Equal(["Héllo,", "World!", "我爱"], Pieces(settings, "Héllo,  World!\t我爱"));
        // Special tokens are still split out first.
        Assert.Equal(["a", "[MASK]", "b"], Pieces(settings, "a[MASK]b"));
    }

    [Fact]
    public void DoSplitOnPuncFalseKeepsPunctuationInsideWords()
    {
        Assert.Equal(["don", "'", "t", "stop", "!"], Pieces(new(), "Don't stop!"));
        Assert.Equal(["don't", "stop!", "naïve…"], Pieces(new() { SplitOnPunctuation = false, StripAccents = false }, "Don't stop! Naïve…"));
    }

    [Fact]
    public void WordPieceSeesTheCutPieces()
    {
        var text = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nhéllo\n";
        var stripped = BertVocabulary.FromText(text, new BasicTokenizerSettings(), "t");
        var kept = BertVocabulary.FromText(text, new BasicTokenizerSettings { StripAccents = false }, "t");
        Assert.Equal([5], stripped.Encode("Héllo"));
        Assert.Equal([6], kept.Encode("Héllo"));
    }

    [Fact]
    public void DescribeNamesEveryNonDefaultOptionAndNothingForTheDefaults()
    {
        Assert.Equal("", new BasicTokenizerSettings().Describe());
        Assert.Equal("", new BasicTokenizerSettings { LowerCase = false, StripAccents = false }.Describe()); // cuts as cased
        var all = new BasicTokenizerSettings
        {
            StripAccents = false, SplitChineseCharacters = false, SplitOnPunctuation = false, BasicTokenize = false, NeverSplit = ["b", "a"],
        }.Describe();
        foreach (var name in new[] { "strip_accents=false", "tokenize_chinese_chars=false", "do_split_on_punc=false", "do_basic_tokenize=false", "never_split=a\u001Fb" })
            Assert.Contains(name, all);
    }
}
