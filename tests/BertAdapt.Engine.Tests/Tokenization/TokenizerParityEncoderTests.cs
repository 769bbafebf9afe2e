using System.Diagnostics;
using System.Text;
using BertAdapt.Engine.Tokenization;
using Microsoft.ML.Tokenizers;
using Xunit.Abstractions;
using Fast = FastBertTokenizer.BertTokenizer;

namespace BertAdapt.Engine.Tests.Tokenization;

/// <summary>
/// The fast <see cref="WordPieceEncoder"/> against BertVocabulary and FastBertTokenizer on the same
/// generated lines, for both vocabularies, plus a one-off single-thread throughput comparison that
/// is printed, not asserted.
/// </summary>
public sealed class TokenizerParityEncoderTests(ParityVocabularies vocabularies, ITestOutputHelper output) : IClassFixture<ParityVocabularies>
{
    const int UncasedSeed = 20240307, CasedSeed = 7031;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EncoderMatchesBertVocabularyOnEveryLine(bool cased)
    {
        var vocabulary = cased ? vocabularies.Cased : vocabularies.Uncased;
        var encoder = WordPieceEncoder.For(vocabulary);
        var lines = ParityCorpus.Generate(cased ? CasedSeed : UncasedSeed, TokenizerParityTests.LinesPerVocabulary);
        // Both follow Hugging Face's rules, so no line is set aside.
        int mismatches = TokenizerParityTests.Compare(output, cased ? "cased" : "uncased", vocabulary, lines,
            "WordPieceEncoder", text => encoder.Encode(text), "BertVocabulary", text => vocabulary.Encode(text));
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

    /// <summary>One thread, warm, each tokenizer over the same lines for about a second. Printed only.</summary>
    [Fact]
    public void ThroughputComparison()
    {
        var vocabulary = vocabularies.Uncased;
        var encoder = WordPieceEncoder.For(vocabulary);
        var path = Path.Combine(Interop.TestAssets.MiniLmDirectory, "vocab.txt");
        // BertVocabulary's encoder before it did basic tokenization itself: Microsoft.ML.Tokenizers end to end.
        BertTokenizer library;
        using (var stream = File.OpenRead(path))
            library = BertTokenizer.Create(stream, new BertOptions { LowerCaseBeforeTokenization = true, RemoveNonSpacingMarks = true });
        var fast = vocabularies.FastUncased;
        var fastIds = new long[8192];
        var fastMask = new long[8192];

        var all = ParityCorpus.Generate(UncasedSeed, TokenizerParityTests.LinesPerVocabulary);
        // Lines that fit FastBertTokenizer's buffer; the mixed corpus, and its plain-ASCII English/runbook part.
        var mixed = all.Select(l => l.Text).Where(t => t.Length < 4000).ToArray();
        var plainKinds = new[] { ParityCorpus.Kind.English, ParityCorpus.Kind.Runbook, ParityCorpus.Kind.Number, ParityCorpus.Kind.Url, ParityCorpus.Kind.FilePath };
        var plain = all.Where(l => l.Kinds.All(plainKinds.Contains) && l.Text.All(char.IsAscii)).Select(l => l.Text).ToArray();
        // Numbers from a Debug build (JIT optimisation off for our assemblies, not for the packages) are not comparable.
        bool optimized = typeof(WordPieceEncoder).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false)
            .Cast<DebuggableAttribute>().All(a => !a.IsJITOptimizerDisabled);
        output.WriteLine($"BertAdapt.Engine JIT-optimised: {optimized} (run with -c Release for comparable numbers)");
        output.WriteLine($"workloads: mixed = {mixed.Length} generated lines, plain = {plain.Length} ASCII English/runbook lines; one thread, tokens without [CLS]/[SEP]");

        // Rounds interleave the tokenizers so that load from other processes hits them alike; the
        // best round is the least disturbed one, the median shows the spread.
        const int Rounds = 5;
        foreach (var (name, lines) in new[] { ("mixed", mixed), ("plain", plain) })
        {
            var encoders = new (string Name, Func<string, int> Count)[]
            {
                ("WordPieceEncoder", text => encoder.Encode(text).Length),
                ("BertVocabulary", text => vocabulary.Encode(text).Count),
                ("Microsoft.ML.Tokenizers (old BertVocabulary)", text => library.EncodeToIds(text, addSpecialTokens: false).Count),
                ("FastBertTokenizer", text => fast.Encode(text, fastIds, fastMask) - 2),
            };
            var rates = encoders.Select(_ => new List<double>()).ToArray();
            var totals = new long[encoders.Length];
            foreach (var (_, count) in encoders)
                foreach (var line in lines) count(line); // warm up
            for (int round = 0; round < Rounds; round++)
                for (int e = 0; e < encoders.Length; e++)
                {
                    long tokens = 0;
                    var clock = Stopwatch.StartNew();
                    do
                        foreach (var line in lines) tokens += encoders[e].Count(line);
                    while (clock.Elapsed < TimeSpan.FromSeconds(0.25));
                    clock.Stop();
                    rates[e].Add(tokens / clock.Elapsed.TotalSeconds / 1e6);
                    totals[e] = tokens;
                }
            for (int e = 0; e < encoders.Length; e++)
            {
                var sorted = rates[e].Order().ToArray();
                output.WriteLine($"{name,-6} {encoders[e].Name,-44} best {sorted[^1],6:F2}, median {sorted[Rounds / 2],6:F2} M tokens/s");
            }
        }
    }
}
