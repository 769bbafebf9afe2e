using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>
/// The tokenizer options of a checkpoint directory: read from tokenizer_config.json and
/// tokenizer.json, refused by name where they cannot be honoured, written back by Save, and
/// part of the vocabulary fingerprint that keys the token cache.
/// </summary>
public sealed class TokenizerOptionFilesTests : IDisposable
{
    const string Vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nhéllo\nHello\n";
    readonly string directory = Path.Combine(Path.GetTempPath(), $"bertadapt-tokopts-{Guid.NewGuid():N}");

    public TokenizerOptionFilesTests()
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "vocab.txt"), Vocab);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    BertVocabulary Load(string? config, string? json = null, Action<string>? unsupported = null)
    {
        if (config is not null) File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"), config);
        if (json is not null) File.WriteAllText(Path.Combine(directory, "tokenizer.json"), json);
        return TokenizerFiles.LoadVocabulary(directory, unsupported);
    }

    static string FastTokenizer(string normalizer, string preTokenizer = "{\"type\":\"BertPreTokenizer\"}") =>
        $"{{\"normalizer\":{normalizer},\"pre_tokenizer\":{preTokenizer},\"model\":{{\"type\":\"WordPiece\",\"continuing_subword_prefix\":\"##\",\"max_input_chars_per_word\":100,\"vocab\":{{}}}}}}";

    [Fact]
    public void EveryTokenizerConfigOptionIsRead()
    {
        var settings = Load("""
            {"do_lower_case": true, "strip_accents": false, "tokenize_chinese_chars": false, "never_split": ["i.e."],
             "do_basic_tokenize": false, "do_split_on_punc": false}
            """).TextSettings;
        Assert.True(settings.LowerCase);
        Assert.False(settings.StripAccents);
        Assert.False(settings.SplitChineseCharacters);
        Assert.Equal(["i.e."], settings.NeverSplit);
        Assert.False(settings.BasicTokenize);
        Assert.False(settings.SplitOnPunctuation);
    }

    [Fact]
    public void StripAccentsFalseChangesTheTokensAsHuggingFaceDoes()
    {
        Assert.Equal([5], Load("{\"do_lower_case\": true}").Encode("Héllo"));
        Assert.Equal([6], Load("{\"do_lower_case\": true, \"strip_accents\": false}").Encode("Héllo"));
        Assert.Equal([7], Load("{\"do_lower_case\": false, \"strip_accents\": true}").Encode("Héllo"));
    }

    [Fact]
    public void TokenizerJsonNormalizerAndPreTokenizerAreRead()
    {
        var settings = Load(null, FastTokenizer("{\"type\":\"BertNormalizer\",\"clean_text\":true,\"handle_chinese_chars\":false,\"strip_accents\":false,\"lowercase\":true}",
            "{\"type\":\"WhitespaceSplit\"}")).TextSettings;
        Assert.False(settings.StripAccents);
        Assert.False(settings.SplitChineseCharacters);
        Assert.False(settings.SplitOnPunctuation);
        // tokenizer_config.json wins where both speak, as BertTokenizerFast rebuilds its normaliser from it.
        Assert.Null(Load("{\"strip_accents\": null}").TextSettings.StripAccents);
    }

    [Theory]
    [InlineData("{\"type\":\"NFKC\"}", "{\"type\":\"BertPreTokenizer\"}", "the normalizer NFKC")]
    [InlineData("null", "{\"type\":\"BertPreTokenizer\"}", "the normalizer null")]
    [InlineData("{\"type\":\"BertNormalizer\",\"clean_text\":false}", "{\"type\":\"BertPreTokenizer\"}", "normalizer.clean_text = false")]
    [InlineData("{\"type\":\"BertNormalizer\"}", "{\"type\":\"Metaspace\"}", "the pre_tokenizer Metaspace")]
    public void AnOptionThatCannotBeHonouredIsRefusedByName(string normalizer, string preTokenizer, string named)
    {
        var error = Assert.Throws<BertAdaptException>(() => Load(null, FastTokenizer(normalizer, preTokenizer)));
        Assert.Equal("TokenizerOptionUnsupported", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.NotImplemented, error.Kind);
        Assert.Contains(named, error.Message);

        var warnings = new List<string>();
        var vocabulary = Load(null, FastTokenizer(normalizer, preTokenizer), warnings.Add);
        Assert.Contains(warnings, w => w.Contains(named, StringComparison.Ordinal));
        Assert.Equal(8, vocabulary.Count);
    }

    [Theory]
    [InlineData("{\"strip_accents\": \"no\"}")]
    [InlineData("{\"never_split\": \"i.e.\"}")]
    [InlineData("{\"do_split_on_punc\": 0}")]
    public void AMalformedOptionIsTokenizerConfigInvalid(string config)
    {
        var error = Assert.Throws<BertAdaptException>(() => Load(config));
        Assert.Equal("TokenizerConfigInvalid", error.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidData, error.Kind);
    }

    [Fact]
    public void SaveWritesEveryOptionBackSoARoundTripKeepsThem()
    {
        var original = Load("""
            {"do_lower_case": false, "strip_accents": true, "tokenize_chinese_chars": false, "never_split": ["i.e.", "[X]"],
             "do_basic_tokenize": true, "do_split_on_punc": false}
            """);
        var copy = Path.Combine(directory, "copy");
        Directory.CreateDirectory(copy);
        original.Save(copy);
        var reloaded = TokenizerFiles.LoadVocabulary(copy);
        Assert.Equal(original.TextSettings.Describe(), reloaded.TextSettings.Describe());
        Assert.False(reloaded.LowerCase);
        Assert.True(reloaded.TextSettings.StripAccents);
        Assert.Equal(VocabularyFingerprint.Of(original), VocabularyFingerprint.Of(reloaded));
    }

    [Fact]
    public void TheFingerprintAndSoTheCacheKeyNameEveryOption()
    {
        var plain = VocabularyFingerprint.Of(Load("{}"));
        // Spelling out the defaults tokenizes alike, so it keys alike (caches built before these options stay valid).
        Assert.Equal(plain, VocabularyFingerprint.Of(Load("""{"do_lower_case": true, "strip_accents": null, "tokenize_chinese_chars": true, "never_split": [], "do_basic_tokenize": true, "do_split_on_punc": true}""")));
        var seen = new HashSet<string> { plain };
        foreach (var option in new[] { "\"strip_accents\": false", "\"tokenize_chinese_chars\": false", "\"never_split\": [\"i.e.\"]", "\"do_basic_tokenize\": false", "\"do_split_on_punc\": false", "\"do_lower_case\": false" })
            Assert.True(seen.Add(VocabularyFingerprint.Of(Load($"{{{option}}}"))), option);
    }
}
