namespace BertAdapt.Engine.Data;

/// <summary>
/// An epoch's example order that puts examples of similar length into the same batch, so a
/// batch padded to its longest example carries little padding. The epoch's seeded shuffle is
/// cut into groups of <c>batchSize × groupBatches</c> examples; each group is sorted by length
/// (longest first, ties in shuffled order), cut into batches, and its full batches are put in a
/// seeded random order. Batches stay random across the epoch, and position i of epoch e is the
/// same in every run, so resuming at a cursor is as exact as with the plain shuffle. Only one
/// group is held in memory at a time.
/// </summary>
public sealed class LengthGroupedOrder
{
    /// <summary>Batches per group; Hugging Face's length-grouped sampler uses 50 as well.</summary>
    public const int DefaultGroupBatches = 50;

    readonly SeededPermutation shuffle;
    readonly Func<long, int> lengthOf;
    readonly long count, seed;
    readonly int batchSize, groupSize;
    long cachedGroup = -1;
    long[] cached = [];

    /// <param name="count">Examples in the epoch.</param>
    /// <param name="lengthOf">The length (in tokens) of the example at an index.</param>
    public LengthGroupedOrder(long count, Func<long, int> lengthOf, int batchSize, long seed, int epoch,
        int groupBatches = DefaultGroupBatches)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(groupBatches);
        shuffle = new SeededPermutation(count, seed, epoch);
        this.count = count;
        this.lengthOf = lengthOf;
        this.batchSize = batchSize;
        this.seed = seed;
        Epoch = epoch;
        groupSize = checked(batchSize * groupBatches);
    }

    public long Epoch { get; }

    public long this[long index]
    {
        get
        {
            if ((ulong)index >= (ulong)count) throw new ArgumentOutOfRangeException(nameof(index));
            long group = index / groupSize;
            if (group != cachedGroup) Build(group);
            return cached[index - group * groupSize];
        }
    }

    void Build(long group)
    {
        long start = group * groupSize;
        int n = (int)Math.Min(groupSize, count - start);
        var members = new long[n];
        var lengths = new int[n];
        for (int i = 0; i < n; i++)
        {
            members[i] = shuffle[start + i];
            lengths[i] = lengthOf(members[i]);
        }
        // Longest first; equal lengths keep their shuffled order (the position breaks ties).
        var byLength = Enumerable.Range(0, n).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();

        // Shuffle the order of the group's full batches; a short last batch (end of the epoch) stays last.
        int full = n / batchSize;
        var batchOrder = Enumerable.Range(0, full).ToArray();
        var random = StatelessRandom.For(seed, StatelessRandom.Streams.LengthGroups, Epoch, group);
        for (int i = full - 1; i > 0; i--)
        {
            int j = (int)random.Next(i + 1);
            (batchOrder[i], batchOrder[j]) = (batchOrder[j], batchOrder[i]);
        }
        var order = new long[n];
        for (int b = 0; b < full; b++)
            for (int r = 0; r < batchSize; r++)
                order[b * batchSize + r] = members[byLength[batchOrder[b] * batchSize + r]];
        for (int i = full * batchSize; i < n; i++) order[i] = members[byLength[i]];
        cached = order;
        cachedGroup = group;
    }
}
