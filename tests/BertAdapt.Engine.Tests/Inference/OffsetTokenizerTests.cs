using BertAdapt.Engine.Inference;
using BertAdapt.Engine.Tests.Interop;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.Inference;

/// <summary>
/// The inference tokenizer must split text as the vocabulary's own tokenizer does (same ids),
/// while remembering where each word sits in the original string.
/// </summary>
public sealed class OffsetTokenizerTests
{
    static readonly Lazy<BertVocabulary> MiniLm = new(() =>
        BertVocabulary.Load(Path.Combine(TestAssets.MiniLmDirectory, "vocab.txt"), lowerCase: true));

    /// <summary>ASCII, accents, CJK, symbols, tabs and newlines, special tokens written out.</summary>
    public static TheoryData<string> AgreeingTexts => new()
    {
        "Hello world!",
        "The quick brown fox jumps over the lazy dog.",
        "  leading and trailing spaces  ",
        "several   spaces\u00A0and a no-break space",
        "!!!???...,,,;;;:::---((([[[{{{}}}]]]))) @#%&*_\\/",
        "3.14159 2,718 1e-10 99.99 50% 24/7 0x1F",
        "URL: https://example.com/path?query&x — mail someone@example.org.",
        "ALL CAPS SHOUTING TEXT WITH MiXeD cAsE",
        "Café crème brûlée à la française, naïve façade, Zürich, Ångström.",
        "NAÏVE RÉSUMÉ über Straße",
        "東京は日本の首都です。北京是中国的首都。",
        "mixed東京text and 中文words",
        "Supercalifragilisticexpialidocious antidisestablishmentarianism",
        "Paris is the [MASK] of France.",
        "two [MASK] [MASK] masks and [mask] lower-case",
        "tab\tseparated\nnew lines\r\n and symbols $5 + 3 = 8 <a> ^ ` | ~ € 10° ±1 ©",
        "zero\u0000width\u200Bjoiner and soft\u00ADhyphen \u0007bell, private \uE000 use",
        "glued[MASK]mask, [CLS] and [SEP] written out",
        "",
        "a",
    };

    [Theory]
    [MemberData(nameof(AgreeingTexts))]
    public void IdsEqualTheVocabularysOwnTokenizer(string text)
    {
        foreach (var vocabulary in new[] { MiniLm.Value, TinyFixtures.Vocabulary() })
        {
            var tokens = OffsetTokenizer.Tokenize(vocabulary, text);
            Assert.Equal(vocabulary.Encode(text), tokens.Ids.ToList());
            Assert.Equal(tokens.Ids.Count(), tokens.TokenCount);
        }
    }

    /// <summary>
    /// The tokenizer parity corpora (accents, CJK, Hangul, emoji, control and zero-width
    /// characters, long words), uncased and cased: the words' ids put together are always the
    /// vocabulary's ids of the whole text, so tagging sees exactly what fine-tuning saw.
    /// </summary>
    [Fact]
    public void IdsEqualTheVocabularysOwnTokenizerOnTheParityCorpora()
    {
        var uncased = MiniLm.Value;
        var cased = BertVocabulary.FromText(string.Join('\n', Tokenization.CasedTestVocabulary.Build(uncased.Tokens)) + "\n", lowerCase: false, "cased test vocabulary");
        int lines = 0;
        foreach (var (vocabulary, seed) in new[] { (uncased, 11), (cased, 12) })
            foreach (var line in Tokenization.ParityCorpus.Generate(seed, 1000))
            {
                Assert.Equal(vocabulary.Encode(line.Text), OffsetTokenizer.Tokenize(vocabulary, line.Text).Ids.ToList());
                lines++;
            }
        Assert.Equal(2000, lines);
    }

    [Theory]
    [MemberData(nameof(AgreeingTexts))]
    public void EachWordIsASpanOfTheOriginalText(string text)
    {
        var vocabulary = MiniLm.Value;
        var tokens = OffsetTokenizer.Tokenize(vocabulary, text);
        int previousEnd = 0;
        for (int i = 0; i < tokens.Words.Count; i++)
        {
            var word = tokens.Words[i];
            Assert.True(word.Start >= previousEnd && word.End > word.Start && word.End <= text.Length, $"word {i}: [{word.Start}, {word.End})");
            var written = text.Substring(word.Start, word.End - word.Start);
            Assert.Equal(written, tokens.WordText(i));
            Assert.DoesNotContain(written, char.IsWhiteSpace);
            // The word as written encodes to exactly the word's pieces.
            Assert.Equal(word.IsSpecial || vocabulary.Encode(written).Count > 0 ? vocabulary.Encode(written) : [vocabulary.UnknownId], word.Ids);
            previousEnd = word.End;
        }
    }

    /// <summary>
    /// Wider input, control characters included, uncased and cased: the words, each taken as
    /// written and split by the reference tokenizer (Hugging Face's rules on whole strings), give
    /// exactly the reference's pieces of the whole text; and a word of several characters holds
    /// no separator, punctuation mark or ideograph, which are words of their own.
    /// </summary>
    [Theory]
    [MemberData(nameof(AgreeingTexts))]
    [InlineData("zero\u0000width\u200Bjoiner and soft\u00ADhyphen \u0007bell")]
    [InlineData("I ❤️ pizza 🍕 and 🚀 rockets!!! 😀👍🏽")]
    [InlineData("Ελληνικά, العربية و עברית side by side with हिन्दी and 한국어 (안녕하세요).")]
    [InlineData("lone surrogate \uD800 here")]
    [InlineData("a≠b, Cafe\u0301 and x\u2014\u0301y")]
    public void WordsAgreeWithTheReferenceTokenizer(string text)
    {
        foreach (bool lowerCase in new[] { true, false })
        {
            var vocabulary = BertVocabulary.FromText(TinyFixtures.VocabularyText(), lowerCase, "tiny");
            var reference = new Tokenization.ReferenceBertTokenizer(vocabulary);
            var tokens = OffsetTokenizer.Tokenize(vocabulary, text);
            var ours = tokens.Words.SelectMany((_, i) => reference.Pieces(tokens.WordText(i)).Select(p => p.Piece));
            Assert.Equal(reference.Pieces(text).Select(p => p.Piece), ours);
            for (int i = 0; i < tokens.Words.Count; i++)
            {
                var runes = tokens.WordText(i).EnumerateRunes().ToList();
                if (tokens.Words[i].IsSpecial || runes.Count == 1) continue;
                Assert.DoesNotContain(runes, r => BertCharacters.IsSeparator(r) || BertCharacters.IsPunctuation(r) || BertCharacters.IsCjkIdeograph(r.Value));
            }
        }
    }

    [Fact]
    public void OffsetsPointIntoTheOriginalNotTheNormalisedText()
    {
        const string text = "Ärger in ZÜRICH, 東京 & naïve—café";
        var tokens = OffsetTokenizer.Tokenize(MiniLm.Value, text);
        var written = tokens.Words.Select((_, i) => tokens.WordText(i)).ToList();
        Assert.Equal(["Ärger", "in", "ZÜRICH", ",", "東", "京", "&", "naïve", "—", "café"], written);
        Assert.Equal(text.IndexOf("ZÜRICH", StringComparison.Ordinal), tokens.Words[2].Start);
        Assert.Equal(text.Length, tokens.Words[^1].End);
    }

    [Fact]
    public void SurrogatePairsStayWholeAndControlsDoNotSplitAWord()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        const string text = "ab\u0000cd 🍕x";
        var tokens = OffsetTokenizer.Tokenize(vocabulary, text);
        Assert.Equal(2, tokens.Words.Count);
        Assert.Equal("ab\u0000cd", tokens.WordText(0)); // one word, the dropped NUL inside it
        Assert.Equal((0, 5), (tokens.Words[0].Start, tokens.Words[0].End));
        Assert.Equal("🍕x", tokens.WordText(1));
        Assert.Equal((6, 9), (tokens.Words[1].Start, tokens.Words[1].End));
    }

    [Fact]
    public void LiteralMaskIsOneSpecialWord()
    {
        var vocabulary = MiniLm.Value;
        const string text = "Paris is the [MASK] of France and [mask]!";
        var tokens = OffsetTokenizer.Tokenize(vocabulary, text);
        var masks = tokens.Words.Where(w => w.IsSpecial).ToList();
        var mask = Assert.Single(masks); // "[mask]" is ordinary text: "[", "mask", "]"
        Assert.Equal([vocabulary.MaskId], mask.Ids);
        Assert.Equal("[MASK]", text[mask.Start..mask.End]);
        Assert.Equal(13, mask.Start);
        Assert.Equal(3, tokens.Words.Count(w => text[w.Start..w.End] is "[" or "mask" or "]"));
    }

    [Fact]
    public void CasedVocabularyMatchesSpecialTokensAsTheTokenizerDoes()
    {
        var vocabulary = BertVocabulary.FromText(TinyFixtures.VocabularyText(), lowerCase: false, "tiny cased");
        foreach (var text in new[] { "restart [MASK] now", "restart [mask] now", "x[MASK]y" })
            Assert.Equal(vocabulary.Encode(text), OffsetTokenizer.Tokenize(vocabulary, text).Ids.ToList());
    }

    [Fact]
    public void AWordWithNoPiecesBecomesUnknown()
    {
        // A lone combining accent is a word to the basic rules, but accent stripping leaves nothing of it.
        var vocabulary = MiniLm.Value;
        const string text = "x \u0301 y";
        var tokens = OffsetTokenizer.Tokenize(vocabulary, text);
        Assert.Equal(3, tokens.Words.Count);
        Assert.Empty(vocabulary.Encode("\u0301"));
        Assert.Equal([vocabulary.UnknownId], tokens.Words[1].Ids);
        Assert.Equal((2, 3), (tokens.Words[1].Start, tokens.Words[1].End));
    }
}
