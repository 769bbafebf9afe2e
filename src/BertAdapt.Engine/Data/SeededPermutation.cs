namespace BertAdapt.Engine.Data;

/// <summary>
/// A pseudo-random permutation of [0, n) computed on demand (a 4-round Feistel network over
/// the next power of two, walking cycles back into range). It needs no memory proportional to
/// n, and position i of epoch e is the same in every run, which makes resuming exact.
/// </summary>
public sealed class SeededPermutation
{
    readonly long count;
    readonly int halfBits;
    readonly ulong halfMask;
    readonly ulong[] keys;

    public SeededPermutation(long count, long seed, long epoch)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count));
        this.count = count;
        Epoch = epoch;
        int bits = Math.Max(2, 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(count - 1)));
        if (bits % 2 == 1) bits++;
        halfBits = bits / 2;
        halfMask = (1UL << halfBits) - 1;
        var random = StatelessRandom.For(seed, StatelessRandom.Streams.Shuffle, epoch, 0);
        keys = [random.NextUInt64(), random.NextUInt64(), random.NextUInt64(), random.NextUInt64()];
    }

    public long Epoch { get; }

    public long this[long index]
    {
        get
        {
            if ((ulong)index >= (ulong)count) throw new ArgumentOutOfRangeException(nameof(index));
            ulong x = (ulong)index;
            do x = Encrypt(x); while (x >= (ulong)count);
            return (long)x;
        }
    }

    ulong Encrypt(ulong x)
    {
        ulong left = x >> halfBits, right = x & halfMask;
        foreach (var key in keys)
        {
            ulong next = left ^ (StatelessRandom.Mix(right ^ key) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }
}
