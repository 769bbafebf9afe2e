namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// The pieces of a vocabulary in an open-addressing table keyed by (continuation flag, UTF-16
/// span), all characters in one pool. The hash (FNV-1a) can be computed incrementally over a
/// piece's prefixes, so each longest-first probe of WordPiece costs one lookup.
/// </summary>
internal sealed class WordPieceTable
{
    const uint FnvOffset = 2166136261, FnvPrime = 16777619, ContinuationSeed = 0x9E3779B9;

    readonly int[] ids, offsets, lengths;
    readonly uint[] hashes;
    readonly int mask;
    char[] pool = new char[1024];
    int used;

    public WordPieceTable(int count)
    {
        int capacity = 16;
        while (capacity < count * 2) capacity <<= 1;
        ids = new int[capacity];
        Array.Fill(ids, -1);
        offsets = new int[capacity];
        lengths = new int[capacity];
        hashes = new uint[capacity];
        mask = capacity - 1;
    }

    /// <summary>The hash of the empty key, to extend with <see cref="Extend"/> one character at a time.</summary>
    public static uint Seed(bool continuation) => continuation ? FnvOffset ^ ContinuationSeed : FnvOffset;

    public static uint Extend(uint hash, char c) => (hash ^ c) * FnvPrime;

    static uint Hash(ReadOnlySpan<char> key, bool continuation)
    {
        uint hash = Seed(continuation);
        foreach (var c in key) hash = Extend(hash, c);
        return hash;
    }

    // Lengths carry the continuation flag in their sign so the two key spaces never collide.
    static int Length(ReadOnlySpan<char> key, bool continuation) => continuation ? -key.Length : key.Length;

    /// <summary>
    /// Adds a key with its id; a key that is already there takes the new id and false is returned
    /// (a token on two lines of vocab.txt has the id of the later one, as Hugging Face's
    /// load_vocab and its fast tokenizer's WordPiece give it).
    /// </summary>
    public bool Add(ReadOnlySpan<char> key, bool continuation, int id)
    {
        uint hash = Hash(key, continuation);
        int length = Length(key, continuation);
        for (int probe = (int)hash & mask; ids[probe] >= 0; probe = (probe + 1) & mask)
            if (hashes[probe] == hash && lengths[probe] == length && pool.AsSpan(offsets[probe], key.Length).SequenceEqual(key))
            {
                ids[probe] = id;
                return false;
            }
        if (used + key.Length > pool.Length) Array.Resize(ref pool, Math.Max(pool.Length * 2, used + key.Length));
        key.CopyTo(pool.AsSpan(used));
        int slot = (int)hash & mask;
        while (ids[slot] >= 0) slot = (slot + 1) & mask;
        ids[slot] = id;
        offsets[slot] = used;
        lengths[slot] = Length(key, continuation);
        hashes[slot] = hash;
        used += key.Length;
        return true;
    }

    /// <summary>The id of a key whose hash is <paramref name="hash"/>, or -1.</summary>
    public int Find(ReadOnlySpan<char> key, bool continuation, uint hash)
    {
        int length = Length(key, continuation);
        for (int slot = (int)hash & mask; ; slot = (slot + 1) & mask)
        {
            int id = ids[slot];
            if (id < 0) return -1;
            if (hashes[slot] == hash && lengths[slot] == length && pool.AsSpan(offsets[slot], key.Length).SequenceEqual(key)) return id;
        }
    }
}
