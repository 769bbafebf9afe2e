using BertAdapt.Engine.Data;
using BertAdapt.Engine.Training;
using Xunit.Abstractions;

namespace BertAdapt.Engine.Tests;

/// <summary>Length-grouped batch order, and the batch feed with and without its background producer.</summary>
public sealed class BatchFeedTests(ITestOutputHelper output)
{
    static int[] RandomLengths(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(5, 129)).ToArray();
    }

    /// <summary>Padded positions over all positions when each batch pads to its longest example.</summary>
    static double PaddingFraction(IReadOnlyList<long> order, int[] lengths, int batchSize)
    {
        long real = 0, positions = 0;
        for (int start = 0; start < order.Count; start += batchSize)
        {
            var batch = order.Skip(start).Take(batchSize).Select(i => lengths[i]).ToList();
            real += batch.Sum();
            positions += (long)batch.Count * batch.Max();
        }
        return 1 - (double)real / positions;
    }

    [Fact]
    public void LengthGroupedOrderIsASeededPermutationWithLittlePadding()
    {
        const int count = 1003, batch = 8; // not a multiple of the batch or of the group
        var lengths = RandomLengths(count, 1);
        List<long> Order(long seed, int epoch)
        {
            var order = new LengthGroupedOrder(count, i => lengths[i], batch, seed, epoch, groupBatches: 10);
            return Enumerable.Range(0, count).Select(i => order[i]).ToList();
        }
        var grouped = Order(7, 0);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (long)i), grouped.Order());
        Assert.Equal(grouped, Order(7, 0));
        Assert.NotEqual(grouped, Order(7, 1));
        Assert.NotEqual(grouped, Order(8, 0));

        var shuffle = new SeededPermutation(count, 7, 0);
        var plain = Enumerable.Range(0, count).Select(i => shuffle[i]).ToList();
        double before = PaddingFraction(plain, lengths, batch), after = PaddingFraction(grouped, lengths, batch);
        output.WriteLine($"padding: shuffled {before:P1}, length-grouped {after:P1}");
        Assert.True(before > 0.3, $"shuffled padding {before:P1}");
        Assert.True(after < before / 4, $"grouped padding {after:P1} vs shuffled {before:P1}");

        // The batches of a group are not left in length order: the longest batch is not always first.
        var batchMaxima = Enumerable.Range(0, 10).Select(b => grouped.Skip(b * batch).Take(batch).Max(i => lengths[i])).ToList();
        Assert.NotEqual(batchMaxima.OrderByDescending(m => m), batchMaxima);
    }

    /// <summary>An objective whose "batch" is the indexes and epoch it was collated from.</summary>
    sealed class RecordingObjective(long count, int failAtCall = -1) : ITrainingObjective<(long[] Indexes, int Epoch)>
    {
        int calls;
        public int Calls => Volatile.Read(ref calls);
        public int? CollateThread { get; private set; }
        public long Count => count;

        public (long[] Indexes, int Epoch) Collate(long[] indexes, int epoch)
        {
            CollateThread = Environment.CurrentManagedThreadId;
            if (Interlocked.Increment(ref calls) == failAtCall) throw new InvalidDataException($"bad example at call {failAtCall}");
            return (indexes, epoch);
        }

        public int LengthOf(long index, int epoch) => (int)(index * 7919 % 101) + 3;
        public (long Tokens, long Masked, long Positions) Measure((long[] Indexes, int Epoch) batch) => (0, 0, 0);
        public StepLosses Forward((long[] Indexes, int Epoch) batch) => throw new NotSupportedException();
        public bool HasValidation => false;
        public ValidationOutcome Evaluate(CancellationToken cancellation) => throw new NotSupportedException();
    }

    static List<string> Take(RecordingObjective objective, TrainingOptions options, int epoch, long cursor, int batches)
    {
        using var feed = new BatchFeed<(long[] Indexes, int Epoch)>(objective, options, epoch, cursor);
        return Enumerable.Range(0, batches).Select(_ => feed.Next())
            .Select(f => $"e{f.Epoch} c{f.Cursor} r{f.Rows} [{string.Join(",", f.Batch.Indexes)}] e{f.Batch.Epoch}").ToList();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PrefetchingGivesTheSameBatchesInTheSameOrder(bool groupByLength)
    {
        var options = new MlmTrainingOptions { BatchSize = 4, Seed = 5, GroupByLength = groupByLength, PrefetchBatches = 0 };
        // 23 examples: batches of 4 and a short last one per epoch; 20 batches span three epochs.
        var inline = Take(new RecordingObjective(23), options, 0, 0, 20);
        var prefetched = Take(new RecordingObjective(23), options with { PrefetchBatches = 3 }, 0, 0, 20);
        Assert.Equal(inline, prefetched);
        Assert.Contains("e0 c23 r3", inline[5]);
        Assert.StartsWith("e1 c4 r4", inline[6]);

        // Starting at a saved position continues the same sequence.
        Assert.Equal(inline.Skip(8), Take(new RecordingObjective(23), options with { PrefetchBatches = 2 }, 1, 8, 12));
    }

    [Fact]
    public void CollationRunsOnABackgroundThreadWhenPrefetching()
    {
        var objective = new RecordingObjective(40);
        Take(objective, new MlmTrainingOptions { BatchSize = 4, PrefetchBatches = 2 }, 0, 0, 3);
        Assert.NotEqual(Environment.CurrentManagedThreadId, objective.CollateThread);
        var inline = new RecordingObjective(40);
        Take(inline, new MlmTrainingOptions { BatchSize = 4, PrefetchBatches = 0 }, 0, 0, 3);
        Assert.Equal(Environment.CurrentManagedThreadId, inline.CollateThread);
    }

    [Fact]
    public void ACollationErrorReachesTheTrainingThreadAtItsBatch()
    {
        var objective = new RecordingObjective(40, failAtCall: 3);
        using var feed = new BatchFeed<(long[] Indexes, int Epoch)>(objective, new MlmTrainingOptions { BatchSize = 4, PrefetchBatches = 2 }, 0, 0);
        feed.Next();
        feed.Next();
        var error = Assert.Throws<InvalidDataException>(() => feed.Next());
        Assert.Equal("bad example at call 3", error.Message);
    }

    [Fact]
    public async Task TheProducerStaysAtMostPrefetchBatchesAheadAndStopsOnDispose()
    {
        var objective = new RecordingObjective(1000);
        var feed = new BatchFeed<(long[] Indexes, int Epoch)>(objective, new MlmTrainingOptions { BatchSize = 4, PrefetchBatches = 2 }, 0, 0);
        feed.Next();
        Thread.Sleep(200);
        // One taken, two queued, and at most one more collated and waiting for room.
        Assert.InRange(objective.Calls, 3, 4);
        var disposing = Task.Run(feed.Dispose);
        Assert.True(await Task.WhenAny(disposing, Task.Delay(TimeSpan.FromSeconds(10))) == disposing, "Dispose did not stop the producer");
        int calls = objective.Calls;
        Thread.Sleep(100);
        Assert.Equal(calls, objective.Calls);
    }

    [Fact]
    public void PrefetchBatchesMustNotBeNegative()
    {
        var error = Assert.Throws<BertAdaptException>(() => new MlmTrainingOptions { PrefetchBatches = -1 }.Validate());
        Assert.Equal("TrainingOptionInvalid", error.ErrorId);
    }
}
