namespace BertAdapt.Engine.Data;

/// <summary>
/// A small, fast random generator (SplitMix64) whose whole state is one 64-bit number, so a
/// stream can be derived from (seed, epoch, index) instead of carried from step to step. That
/// makes masking and NSP pairing independent of batch size and exactly resumable.
/// </summary>
public sealed class StatelessRandom
{
    ulong state;

    public StatelessRandom(ulong state) => this.state = state;

    /// <summary>A generator for one (seed, stream, epoch, index) tuple.</summary>
    public static StatelessRandom For(long seed, ulong stream, long epoch, long index) =>
        new(Mix(Mix(Mix((ulong)seed ^ stream) ^ (ulong)epoch) ^ (ulong)index));

    public ulong NextUInt64()
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, maxExclusive).</summary>
    public long Next(long maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive));
        return (long)(NextDouble() * maxExclusive);
    }

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Stream ids, so different uses of one seed never share draws.</summary>
    public static class Streams
    {
        public const ulong Masking = 0x6D61736BUL, NextSentence = 0x6E737000UL, Shuffle = 0x73687566UL, Split = 0x73706C74UL,
            LengthGroups = 0x6C656E67UL, Dropout = 0x64726F70UL;
    }
}
