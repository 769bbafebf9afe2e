using System.Buffers;
using System.Text;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Tests.Tokenization;

/// <summary>The facts the single splitter and the one normalisation rest on, checked over all of Unicode where that is cheap.</summary>
public sealed class BasicTokenizerTests
{
    static IEnumerable<Rune> AllRunes() => Enumerable.Range(0, 0x110000).Where(v => v is < 0xD800 or > 0xDFFF).Select(v => new Rune(v));

    /// <summary>
    /// BasicTokenizer splits at punctuation before normalising, where Hugging Face normalises a
    /// whole word first. That gives the same pieces because each punctuation mark normalises to
    /// punctuation alone, and none beyond ASCII composes with what follows it: no character
    /// decomposes into one of them followed by something else. (ASCII "&lt;", "=" and "&gt;" do
    /// compose with U+0338; they are split first, as Hugging Face's fast tokenizer splits them.)
    /// </summary>
    [Fact]
    public void PunctuationSplitsTheSameBeforeAndAfterNormalising()
    {
        int punctuation = 0;
        foreach (var rune in AllRunes())
        {
            if (!rune.IsAscii && BertCharacters.IsPunctuation(rune))
            {
                punctuation++;
                foreach (bool lowerCase in new[] { false, true })
                {
                    var normalised = BertNormalization.Normalize(rune.ToString(), lowerCase);
                    Assert.True(normalised.Length > 0 && normalised.EnumerateRunes().All(BertCharacters.IsPunctuation), $"U+{rune.Value:X4} normalises to \"{normalised}\"");
                }
            }
            if (BertCharacters.IsRemoved(rune)) continue; // cleaned away before any normalising (and unassigned ones cannot be normalised)
            var decomposed = rune.ToString().Normalize(NormalizationForm.FormD);
            if (decomposed.Length > rune.Utf16SequenceLength && Rune.GetRuneAt(decomposed, 0) is var first && !first.IsAscii
                && BertCharacters.IsPunctuation(first) && decomposed.Length > first.Utf16SequenceLength)
                Assert.Fail($"U+{rune.Value:X4} decomposes into punctuation U+{first.Value:X4} and more");
        }
        Assert.True(punctuation > 700, $"only {punctuation} punctuation marks");
    }

    /// <summary>The table that spares Latin, Greek and Cyrillic words the normalisation calls gives what the calls give.</summary>
    [Fact]
    public void TheNormalisationTableGivesWhatTheStringNormalisationGives()
    {
        var random = new Random(5);
        var letters = Enumerable.Range(0x20, 0x530 - 0x20).Select(c => (char)c).ToArray();
        var words = letters.Select(c => c.ToString())
            .Concat(Enumerable.Range(0, 2000).Select(_ => new string(Enumerable.Range(0, random.Next(2, 9)).Select(_ => letters[random.Next(letters.Length)]).ToArray())));
        int viaTable = 0;
        foreach (var word in words)
            foreach (bool lowerCase in new[] { false, true })
            {
                char[]? scratch = null;
                var fast = BertNormalization.Normalize(word, lowerCase, ref scratch);
                Assert.Equal(BertNormalization.Normalize(word, lowerCase), fast.ToString());
                if (fast == word.AsSpan() || (scratch is not null && fast.Overlaps(scratch))) viaTable++;
                if (scratch is not null) ArrayPool<char>.Shared.Return(scratch);
            }
        Assert.True(viaTable > 1000, $"only {viaTable} words took the table");
    }

    [Fact]
    public void TheBasicTokenizerSplitsLikeBertAndKeepsOffsets()
    {
        const string text = "Hello, Wörld!日本 x";
        var cased = new BasicTokenizer(new BasicTokenizerSettings { LowerCase = false }).Split(text);
        Assert.Equal(["Hello", ",", "Wörld", "!", "日", "本", "x"], cased.Select(t => t.Text));
        Assert.Equal(["Hello", ",", "Wörld", "!", "日", "本", "x"], cased.Select(t => text[t.Start..t.End]));
        var uncased = new BasicTokenizer(new BasicTokenizerSettings { LowerCase = true, SpecialTokens = ["[MASK]"] });
        Assert.Equal(["cafe", "naive", "[MASK]"], uncased.Split("Café\u00A0NA\u200BÏVE [MASK]").Select(t => t.Text));
        // Normalising can make punctuation ("≠" strips to "="): the pieces split there, and keep their word's span.
        var pieces = uncased.Split("a≠b");
        Assert.Equal(["a", "=", "b"], pieces.Select(t => t.Text));
        Assert.All(pieces, t => Assert.Equal((0, 3), (t.Start, t.End)));
    }

    [Fact]
    public void WordsKeepTheirSpanInTheOriginalText()
    {
        var tokenizer = new BasicTokenizer(new BasicTokenizerSettings { LowerCase = true, SpecialTokens = ["[MASK]", "[SEP]"] });
        const string text = " \u200BZ\u00FCrich\u0000er, [MASK]x 東京 ";
        var tokens = tokenizer.Split(text);
        Assert.Equal(["zuricher", ",", "[MASK]", "x", "東", "京"], tokens.Select(t => t.Text));
        // The word starts at its first kept character and runs past the NUL inside it.
        Assert.Equal(["Z\u00FCrich\u0000er", ",", "[MASK]", "x", "東", "京"], tokens.Select(t => text[t.Start..t.End]));
        Assert.Equal([false, false, true, false, false, false], tokens.Select(t => t.IsSpecial));
    }
}
