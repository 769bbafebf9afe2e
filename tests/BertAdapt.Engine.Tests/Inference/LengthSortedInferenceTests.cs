using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Inference;

namespace BertAdapt.Engine.Tests.Inference;

/// <summary>
/// Length-sorted inference (<see cref="BertPredictor.SortWindow"/>): results come back in input
/// order and equal the unsorted path's, for every task, at batch 1 and 32 and windows that do not
/// divide the input count; and the batch plan itself.
/// </summary>
public sealed class LengthSortedInferenceTests
{
    const double Tolerance = 1e-5;

    // Before Texts: static fields initialise in declaration order.
    static readonly string[] Words = ["restart", "the", "nginx", "service", "on", "web01", "check", "disk", "then", "read", "logs", ".", "page", "oncall", "zzz"];

    /// <summary>71 texts (odd, not a multiple of any batch or window below) of 0 to about 40 tokens in a scrambled order, empty lines included.</summary>
    static readonly string[] Texts = Enumerable.Range(0, 71).Select(i => (i * 37) % 71).Select(n => n % 9 == 4 ? ""
        : string.Join(' ', Enumerable.Range(0, n % 23 + (n % 3) * 7).Select(w => Words[(n + w * 5) % Words.Length]))).ToArray();

    static BertModel Model(FineTuneTask? task, IReadOnlyList<string>? labels = null)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var model = BertModel.Create(TinyFixtures.Config(vocabulary.Count), vocabulary, 3, "test");
        if (task is FineTuneTask t) model.AddTaskHead(t, labels ?? [], 4);
        return model;
    }

    public static TheoryData<int, int> BatchesAndWindows => new() { { 1, 8 }, { 32, 256 }, { 4, 10 }, { 5, 71 }, { 3, 1000 } };

    [Fact]
    public void TheTextsNeedSorting()
    {
        // Guards the other tests: lengths must vary and be out of order, or sorting would change nothing.
        var lengths = Texts.Select(t => t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length).ToArray();
        Assert.Contains(0, lengths);
        Assert.True(lengths.Distinct().Count() > 10);
        Assert.NotEqual(lengths.OrderByDescending(l => l), lengths);
    }

    [Theory]
    [MemberData(nameof(BatchesAndWindows))]
    public void EmbeddingsComeBackInInputOrderAndEqualTheUnsortedOnes(int batch, int window)
    {
        using var model = Model(null);
        var unsorted = new BertPredictor(model, batchSize: batch).Embed(Texts);
        var sorted = new BertPredictor(model, batchSize: batch, sortWindow: window).Embed(Texts);
        var alone = new BertPredictor(model, batchSize: 1).Embed(Texts);
        Assert.Equal(Texts, sorted.Select(r => r.Text));
        for (int i = 0; i < Texts.Length; i++)
        {
            // Against each text run alone too: a result put at another input's index would differ from it.
            Assert.InRange(MaxDiff(sorted[i].Vector, unsorted[i].Vector), 0, Tolerance);
            Assert.InRange(MaxDiff(sorted[i].Vector, alone[i].Vector), 0, Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(BatchesAndWindows))]
    public void ClassificationComesBackInInputOrderAndEqualsTheUnsortedOne(int batch, int window)
    {
        using var model = Model(FineTuneTask.SequenceClassification, ["a", "b", "c"]);
        // Pairs too: their length is both texts'.
        var inputs = Texts.Select((t, i) => new InferenceInput(t, i % 4 == 1 ? Texts[(i + 7) % Texts.Length] : null)).ToList();
        var unsorted = new BertPredictor(model, batchSize: 1).Classify(inputs);
        var sorted = new BertPredictor(model, batchSize: batch, sortWindow: window).Classify(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            Assert.Equal(inputs[i].Text, sorted[i].Text);
            Assert.Equal(inputs[i].TextPair, sorted[i].TextPair);
            Assert.Equal(unsorted[i].Label, sorted[i].Label);
            Assert.InRange(MaxDiff(sorted[i].GetScores().Select(s => s.Score), unsorted[i].GetScores().Select(s => s.Score)), 0, Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(BatchesAndWindows))]
    public void TokenTagsComeBackInInputOrderAndEqualTheUnsortedOnes(int batch, int window)
    {
        using var model = Model(FineTuneTask.TokenClassification, ["O", "B-HOST", "I-HOST"]);
        var unsorted = new BertPredictor(model, batchSize: 1).ClassifyTokens(Texts);
        var sorted = new BertPredictor(model, batchSize: batch, sortWindow: window).ClassifyTokens(Texts);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(Texts[i], sorted[i].Text);
            Assert.Equal(unsorted[i].Words.Select(w => (w.Word, w.Tag, w.Start)), sorted[i].Words.Select(w => (w.Word, w.Tag, w.Start)));
            Assert.InRange(MaxDiff(sorted[i].Words.Select(w => w.Score), unsorted[i].Words.Select(w => w.Score)), 0, Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(BatchesAndWindows))]
    public void FillMaskComesBackInInputOrderAndEqualsTheUnsortedOne(int batch, int window)
    {
        using var model = Model(null);
        var texts = Texts.Select(t => t.Length == 0 ? "[MASK]" : MaskWord(t.Split(' '), 1)).ToArray();
        var unsorted = new BertPredictor(model, batchSize: 1).FillMask(texts, top: 3);
        var sorted = new BertPredictor(model, batchSize: batch, sortWindow: window).FillMask(texts, top: 3);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(texts[i], sorted[i].Text);
            Assert.Equal(unsorted[i].Sequence, sorted[i].Sequence);
            Assert.InRange(MaxDiff(sorted[i].Candidates.Select(c => c.Score), unsorted[i].Candidates.Select(c => c.Score)), 0, Tolerance);
        }
    }

    [Fact]
    public void EmptyInputGivesNoResults()
    {
        using var model = Model(null);
        Assert.Empty(new BertPredictor(model, batchSize: 4, sortWindow: 16).Embed([]));
    }

    [Fact]
    public void ABadSortWindowIsRefused()
    {
        using var model = Model(null);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BertPredictor(model, sortWindow: 0));
        Assert.Equal(32, new BertPredictor(model).SortWindow);
    }

    #region The batch plan

    [Fact]
    public void BatchesAreLongestFirstWithTiesInInputOrder()
    {
        int[] lengths = [3, 9, 3, 1, 9, 5, 3];
        var batches = LengthSortedBatches.Of(lengths, 3);
        Assert.Equal([[1, 4, 5], [0, 2, 6], [3]], batches);
        // Sorted: 4 padding positions of 37 (the 5 beside the two 9s); in input order 24 of 57.
        Assert.Equal(4.0 / 37, LengthSortedBatches.PaddingFraction(lengths, batches), 12);
        Assert.Equal(24.0 / 57, LengthSortedBatches.PaddingFraction(lengths, [[0, 1, 2], [3, 4, 5], [6]]), 12);
    }

    [Fact]
    public void WindowsAreSortedApartAndEveryInputRunsOnce()
    {
        int[] lengths = [1, 2, 3, 4, 5, 6, 7];
        var batches = LengthSortedBatches.InWindows(lengths.Length, i => lengths[i], 2, 4).ToArray();
        // Window 0..3 sorted, then 4..6 sorted: nothing crosses a window.
        Assert.Equal([[3, 2], [1, 0], [6, 5], [4]], batches);
        Assert.Equal(Enumerable.Range(0, 7), batches.SelectMany(b => b).Order());
    }

    [Fact]
    public void AWindowOfOneBatchStaysInInputOrderAndAsksNoLengths()
    {
        var batches = LengthSortedBatches.InWindows(5, _ => throw new InvalidOperationException("no length should be asked for"), 2, 2).ToArray();
        Assert.Equal([[0, 1], [2, 3], [4]], batches);
    }

    #endregion

    /// <summary>The text with its word at <paramref name="index"/> (or its last, when it has fewer) written as [MASK].</summary>
    static string MaskWord(string[] words, int index)
    {
        words[Math.Min(index, words.Length - 1)] = "[MASK]";
        return string.Join(' ', words);
    }

    static double MaxDiff(IEnumerable<float> a, IEnumerable<float> b) => MaxDiff(a.Select(x => (double)x), b.Select(x => (double)x));

    static double MaxDiff(IEnumerable<double> a, IEnumerable<double> b)
    {
        var x = a.ToArray();
        var y = b.ToArray();
        Assert.Equal(x.Length, y.Length);
        return x.Zip(y, (p, q) => Math.Abs(p - q)).DefaultIfEmpty(0).Max();
    }
}
