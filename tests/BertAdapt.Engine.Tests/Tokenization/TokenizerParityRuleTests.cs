using BertAdapt.Engine.Tokenization;
using Fast = FastBertTokenizer.BertTokenizer;

namespace BertAdapt.Engine.Tests.Tokenization;

/// <summary>
/// Cases where the implementations disagreed, settled by Hugging Face's rules. Every expected token
/// list here was derived by hand: the rule applied to the text, then greedy longest-match-first
/// looked up in the vocab.txt (and the pieces it relies on are asserted to exist, so a different
/// vocabulary fails loudly rather than silently passing).
/// </summary>
public sealed class TokenizerParityRuleTests(ParityVocabularies vocabularies) : IClassFixture<ParityVocabularies>
{
    static string[] Tokens(BertVocabulary vocabulary, IEnumerable<int> ids) => ids.Select(id => vocabulary.Tokens[id]).ToArray();

    string[] Ours(string text, bool cased = false)
    {
        var vocabulary = cased ? vocabularies.Cased : vocabularies.Uncased;
        return Tokens(vocabulary, vocabulary.Encode(text));
    }

    string[] Theirs(string text, bool cased = false)
    {
        var vocabulary = cased ? vocabularies.Cased : vocabularies.Uncased;
        return Tokens(vocabulary, TokenizerParityTests.FastIds(cased ? vocabularies.FastCased : vocabularies.FastUncased, vocabulary, text));
    }

    void Pieces(params string[] tokens)
    {
        foreach (var token in tokens) Assert.True(vocabularies.Uncased.IdOf(token) is not null, $"The uncased vocabulary has no {token}.");
    }

    // ---- Where FastBertTokenizer 1.2.6 departs from Hugging Face (excluded from its bulk comparison) ----

    [Fact]
    public void WordOfMoreThan100CodePointsIsOneUnknown()
    {
        // WordPiece: a word longer than max_input_chars_per_word (100) is [UNK], whatever its pieces.
        Assert.Equal(["[UNK]"], Ours(new string('a', 101)));
        Assert.NotEqual(["[UNK]"], Theirs(new string('a', 101))); // FastBertTokenizer has no such limit
        // 100 is still within the limit, so it is matched (into pieces that spell the word).
        var hundred = Ours(new string('a', 100));
        Assert.Equal(new string('a', 100), string.Concat(hundred.Select(t => t.StartsWith("##") ? t[2..] : t)));
    }

    [Fact]
    public void WordLengthIsCountedInCodePointsNotUtf16Units()
    {
        // Python counts characters (code points): 60 emoji are 60 characters but 120 UTF-16 units.
        var tiny = BertVocabulary.FromText("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n😀\n##😀\n", lowerCase: false, "tiny");
        string[] Encode(string text) => Tokens(tiny, tiny.Encode(text));
        Assert.Equal(["😀", .. Enumerable.Repeat("##😀", 59)], Encode(string.Concat(Enumerable.Repeat("😀", 60))));
        Assert.Equal(["😀", .. Enumerable.Repeat("##😀", 99)], Encode(string.Concat(Enumerable.Repeat("😀", 100))));
        Assert.Equal(["[UNK]"], Encode(string.Concat(Enumerable.Repeat("😀", 101))));
    }

    [Theory]
    [InlineData("base\u000Bball")]
    [InlineData("base\u000Cball")]
    [InlineData("base\u0085ball")]
    public void ControlCharactersThatDotNetCallsWhitespaceAreRemovedWithoutSplitting(string text)
    {
        // _clean_text: \v, \f and U+0085 are category Cc and not \t \n \r, so they are dropped; only
        // " ", \t, \n, \r and Zs are whitespace. "baseball" is then one vocabulary word.
        Pieces("baseball");
        Assert.Equal(["baseball"], Ours(text));
        Assert.Equal(["base", "ball"], Theirs(text));
    }

    [Fact]
    public void CjkIdeographsOutsideTheBmpAreWordsOfTheirOwn()
    {
        // U+20000 and U+20001 are in CJK Extension B, so each is spaced out as a word; neither is
        // in the vocabulary, so each is one [UNK].
        Assert.Null(vocabularies.Uncased.IdOf("\U00020000"));
        Assert.Null(vocabularies.Uncased.IdOf("\U00020001"));
        Assert.Equal(["[UNK]", "[UNK]"], Ours("\U00020000\U00020001"));
        Assert.Equal(["[UNK]"], Theirs("\U00020000\U00020001"));
    }

    [Fact]
    public void SymbolThatStripsToPunctuationIsSplitAfterStripping()
    {
        // Uncased: "a≠b" is lower-cased and accent-stripped first: NFD "≠" is "=" + U+0338 (Mn), so
        // the word becomes "a=b", and only then is it split at punctuation: a, =, b.
        Pieces("a", "=", "b");
        Assert.Equal(["a", "=", "b"], Ours("a≠b"));
        Assert.NotEqual(["a", "=", "b"], Theirs("a≠b"));
    }

    [Theory]
    [InlineData("й")]       // NFC й; the vocabulary has и but no й
    [InlineData("ガ")]      // precomposed; the vocabulary has カ but no ガ
    [InlineData("Þórr")]    // the cased vocabulary has ó but no capital Þ
    public void CasedVocabularyKeepsAccentsAndGivesUnknown(string text)
    {
        // Cased BERT (do_lower_case=False, strip_accents unset) neither lower-cases nor strips
        // accents; a word with a character the vocabulary lacks is one [UNK].
        Assert.Equal(["[UNK]"], Ours(text, cased: true));
        Assert.NotEqual(["[UNK]"], Theirs(text, cased: true)); // it retries with accents stripped
    }

    // ---- Where Microsoft.ML.Tokenizers' own basic tokenization departed (BertVocabulary now does it) ----

    [Fact]
    public void AsciiSymbolsAreSplitAsPunctuationAndCurrencySignsAreWords()
    {
        // ASCII 33-47, 58-64, 91-96 and 123-126 are all punctuation; ¥ (Sc) is not, so it is a word.
        Pieces("$", "5", "^", "<", "a", ">", "=", "¥");
        Assert.Equal(["$", "5", "^", "<", "a", ">", "=", "¥"], Ours("$5 ^<a>= ¥"));
        Assert.Equal(Ours("$5 ^<a>= ¥"), Theirs("$5 ^<a>= ¥"));
    }

    [Theory]
    [InlineData("zero\u200Bwidth")]
    [InlineData("zero\u200Dwidth")]
    [InlineData("zero\uFEFFwidth")]
    [InlineData("zero\u00ADwidth")]
    [InlineData("zero\uE000width")]
    [InlineData("zero\u0007width")]
    public void FormatControlAndPrivateUseCharactersAreRemovedWithoutSplitting(string text)
    {
        // Cf, Cc and Co characters are dropped: the word is "zerowidth", not "zero" and "width".
        Assert.Equal(Ours("zerowidth"), Ours(text));
        Assert.NotEqual(Ours("zero width"), Ours(text));
    }

    [Fact]
    public void UncasedHangulIsDecomposedToJamo()
    {
        // Uncased strips accents via NFD, which also decomposes Hangul syllables: 한 = ᄒ ᅡ ᆫ.
        Pieces("ᄒ", "##ᅡ", "##ᆫ");
        Assert.Equal(["ᄒ", "##ᅡ", "##ᆫ"], Ours("한"));
        Assert.Equal(Ours("한"), Theirs("한"));
    }

    [Fact]
    public void UncasedAccentsAreStrippedBeforeMatching()
    {
        // "Ångström" → "ångström" → NFD, marks dropped → "angstrom"; greedy: "ang" (no "angs…"
        // prefix is a token), then "##strom". Precomposed and decomposed input agree.
        Pieces("ang", "##strom", "cafe", "naive", "istanbul");
        Assert.Equal(["ang", "##strom"], Ours("Ångström"));
        Assert.Equal(["ang", "##strom"], Ours("A\u030Angstro\u0308m"));
        Assert.Equal(["cafe", "naive"], Ours("Café naïve"));
        Assert.Equal(["cafe"], Ours("cafe\u0301"));
        // İ lower-cases to i + U+0307 (Unicode's full mapping), which stripping turns into i.
        Assert.Equal(["istanbul"], Ours("İstanbul"));
    }

    [Fact]
    public void CasedTextIsComposedButKeepsItsCaseAndAccents()
    {
        // Cased: NFC only, so decomposed "Ångström" composes to the vocabulary's "Ångström".
        Assert.NotNull(vocabularies.Cased.IdOf("Ångström"));
        Assert.Equal(["Ångström"], Ours("A\u030Angstro\u0308m", cased: true));
        Assert.Equal(["Café"], Ours("Cafe\u0301", cased: true));
        Assert.Equal(Ours("Cafe\u0301", cased: true), Theirs("Cafe\u0301", cased: true));
    }

    [Fact]
    public void SpecialTokensInTheTextAreKept()
    {
        // Special tokens are split out before basic tokenization, wherever they stand.
        Pieces("a", "b", "[MASK]", "[SEP]");
        Assert.Equal(["a", "[MASK]", "b", "[SEP]"], Ours("a[MASK]b [SEP]"));
    }

    [Fact]
    public void CapitalSigmaLowerCasesToSigmaEvenAtTheEndOfAWord()
    {
        // A deliberate choice between two Hugging Face implementations: the fast (Rust) tokenizer
        // lower-cases per character, Σ → σ; Python's str.lower() in the slow one gives word-final ς.
        // BertVocabulary follows the fast one, as FastBertTokenizer does.
        Pieces("ο", "##δ", "##ο", "##σ");
        Assert.Null(vocabularies.Uncased.IdOf("##οσ"));
        Assert.Equal(["ο", "##δ", "##ο", "##σ"], Ours("ΟΔΟΣ"));
        Assert.Equal(Ours("ΟΔΟΣ"), Theirs("ΟΔΟΣ"));
    }
}
