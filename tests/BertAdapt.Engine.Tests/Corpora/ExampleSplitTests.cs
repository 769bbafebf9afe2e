using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.Engine.Tests.Corpora;

public sealed class ExampleSplitTests
{
    /// <summary>Example i carries i, so a view's contents show which examples it picked.</summary>
    static InMemoryExamples Numbered(int count) => new(Enumerable.Range(0, count).Select(i => new[] { i }).ToList());

    static long[] Picked(ITrainingExamples view) => Enumerable.Range(0, (int)view.Count).Select(i => (long)view.Get(i, 0).TokenIds[0]).ToArray();

    [Fact]
    public void SplitIsDeterministicDisjointAndCoversEveryExample()
    {
        var examples = Numbered(10_000);
        var (train, validation) = ExampleSplit.Create(examples, 0.1, seed: 42);
        var (train2, validation2) = ExampleSplit.Create(examples, 0.1, seed: 42);
        Assert.Equal(Picked(train), Picked(train2));
        Assert.Equal(Picked(validation), Picked(validation2));

        var t = Picked(train);
        var v = Picked(validation);
        Assert.Empty(t.Intersect(v));
        Assert.Equal(Enumerable.Range(0, 10_000).Select(i => (long)i), t.Concat(v).Order());
        Assert.InRange(v.Length, 850, 1150);
        Assert.True(t.SequenceEqual(t.Order()) && v.SequenceEqual(v.Order()), "views keep the source order");

        var (_, otherSeed) = ExampleSplit.Create(examples, 0.1, seed: 43);
        Assert.NotEqual(v, Picked(otherSeed));
    }

    [Fact]
    public void MembershipFollowsTheIndexHashAndEdgeFractionsWork()
    {
        var examples = Numbered(3000);
        var (_, validation) = ExampleSplit.Create(examples, 0.25, seed: 7);
        var expected = Enumerable.Range(0, 3000)
            .Where(i => StatelessRandom.For(7, StatelessRandom.Streams.Split, 0, i).NextDouble() < 0.25).Select(i => (long)i);
        Assert.Equal(expected, Picked(validation));

        var (all, none) = ExampleSplit.Create(examples, 0, seed: 7);
        Assert.Equal(3000, all.Count);
        Assert.Equal(0, none.Count);
        foreach (var bad in new[] { -0.1, 1.0, double.NaN })
            Assert.Equal("ValidationSplitInvalid", Assert.Throws<BertAdaptException>(() => ExampleSplit.Create(examples, bad, 7)).ErrorId);
    }

    [Fact]
    public void SparseSelectionFindsEveryRank()
    {
        foreach (int stride in new[] { 1, 3, 64, 1024 })
        {
            Func<long, bool> picked = p => p % 7 == 0 || (p / 500) % 3 == 1; // runs with nothing picked for long stretches
            var selection = SparseSelection.Build(5000, picked, stride);
            var expected = Enumerable.Range(0, 5000).Where(p => picked(p)).Select(p => (long)p).ToList();
            Assert.Equal(expected.Count, selection.Count);
            Assert.Equal(expected, Enumerable.Range(0, expected.Count).Select(r => selection.Select(r)));
        }
    }
}
