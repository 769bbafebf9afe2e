using BertAdapt.Engine.Tokenization;
using Xunit.Abstractions;

namespace BertAdapt.Engine.Tests.Tokenization;

/// <summary>
/// The fast <see cref="WordPieceEncoder"/> against <see cref="ReferenceBertTokenizer"/> and
/// FastBertTokenizer on the same generated lines, for both vocabularies. (Its speed is measured
/// in the benchmark, bench/BertAdapt.Bench/TokenizerBench.cs, not here.)
/// </summary>
public sealed class TokenizerParityEncoderTests(ParityVocabularies vocabularies, ITestOutputHelper output) : IClassFixture<ParityVocabularies>
{
    const int UncasedSeed = 20240307, CasedSeed = 7031;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EncoderMatchesTheReferenceTokenizerOnEveryLine(bool cased)
    {
        var vocabulary = cased ? vocabularies.Cased : vocabularies.Uncased;
        var encoder = WordPieceEncoder.For(vocabulary);
        var reference = cased ? vocabularies.CasedReference : vocabularies.UncasedReference;
        var lines = ParityCorpus.Generate(cased ? CasedSeed : UncasedSeed, TokenizerParityTests.LinesPerVocabulary);
        // Both follow Hugging Face's rules, so no line is set aside.
        int mismatches = TokenizerParityTests.Compare(output, cased ? "cased" : "uncased", vocabulary, lines,
            "WordPieceEncoder", text => encoder.Encode(text), "ReferenceBertTokenizer", reference.Encode);
        Assert.Equal(0, mismatches);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EncoderMatchesFastBertTokenizerOutsideItsKnownDeviations(bool cased)
    {
        var vocabulary = cased ? vocabularies.Cased : vocabularies.Uncased;
        var fast = cased ? vocabularies.FastCased : vocabularies.FastUncased;
        var encoder = WordPieceEncoder.For(vocabulary);
        var label = cased ? "cased" : "uncased";
        var lines = TokenizerParityTests.WithoutKnownDeviations(output, label,
            ParityCorpus.Generate(cased ? CasedSeed : UncasedSeed, TokenizerParityTests.LinesPerVocabulary), vocabulary);
        int mismatches = TokenizerParityTests.Compare(output, label, vocabulary, lines,
            "WordPieceEncoder", text => encoder.Encode(text), "FastBertTokenizer", text => TokenizerParityTests.FastIds(fast, vocabulary, text));
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void EncoderAppendsToAListAndSharesNoState()
    {
        var encoder = WordPieceEncoder.For(vocabularies.Uncased);
        var ids = new List<int> { -7 };
        int added = encoder.Encode("Hello, World!", ids);
        Assert.Equal(-7, ids[0]);
        Assert.Equal(vocabularies.Uncased.Encode("Hello, World!"), ids.Skip(1));
        Assert.Equal(ids.Count - 1, added);
        var lines = ParityCorpus.Generate(UncasedSeed, 400).Select(l => l.Text).ToArray();
        var serial = lines.Select(encoder.Encode).ToArray();
        var parallel = lines.AsParallel().AsOrdered().Select(encoder.Encode).ToArray();
        Assert.Equal(serial, parallel);
    }
}
