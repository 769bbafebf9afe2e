using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data;

/// <summary>
/// BERT's dynamic masking: each non-special token is chosen with <see cref="Probability"/>;
/// a chosen token becomes [MASK] 80% of the time, a random ordinary token 10%, and stays
/// itself 10%. The loss is taken on every chosen token. Masks are drawn anew each time a
/// sequence is batched, so each epoch sees different masks.
/// </summary>
public sealed class MlmMasker
{
    readonly BertVocabulary vocabulary;
    readonly int[] ordinaryIds;

    public MlmMasker(BertVocabulary vocabulary, double probability = 0.15)
    {
        if (probability is <= 0 or >= 1)
            throw new BertAdaptException("MaskProbabilityInvalid", BertAdaptErrorKind.InvalidArgument, $"The mask probability must be in (0, 1) (got {probability}).");
        this.vocabulary = vocabulary;
        Probability = probability;
        ordinaryIds = Enumerable.Range(0, vocabulary.Count).Where(id => !vocabulary.SpecialIds.Contains(id)).ToArray();
    }

    public double Probability { get; }

    /// <summary>80% [MASK], 10% a random ordinary token, 10% unchanged.</summary>
    void Corrupt(long[] ids, long flat, Random random)
    {
        double roll = random.NextDouble();
        if (roll < 0.8) ids[flat] = vocabulary.MaskId;
        else if (roll < 0.9) ids[flat] = ordinaryIds[random.Next(ordinaryIds.Length)];
    }

    /// <summary>Pads the sequences to the longest one and masks them with <paramref name="random"/>.</summary>
    public MlmBatch Mask(IReadOnlyList<int[]> sequences, Random random)
    {
        int rows = sequences.Count;
        int length = sequences.Max(s => s.Length);
        var ids = new long[rows * length];
        var attention = new long[rows * length];
        var positions = new List<long>();
        var labels = new List<long>();
        Array.Fill(ids, vocabulary.PadId);
        var candidates = new List<long>();
        for (int r = 0; r < rows; r++)
        {
            var sequence = sequences[r];
            for (int c = 0; c < sequence.Length; c++)
            {
                long flat = (long)r * length + c;
                int id = sequence[c];
                ids[flat] = id;
                attention[flat] = 1;
                if (vocabulary.SpecialIds.Contains(id)) continue;
                candidates.Add(flat);
                // Draws go sequence by sequence, so the masks do not depend on the batch size.
                if (random.NextDouble() >= Probability) continue;
                positions.Add(flat);
                labels.Add(id);
                Corrupt(ids, flat, random);
            }
        }
        // A batch with no chosen token would have no loss at all; choose one candidate instead.
        if (positions.Count == 0 && candidates.Count > 0)
        {
            long flat = candidates[random.Next(candidates.Count)];
            positions.Add(flat);
            labels.Add(ids[flat]);
            Corrupt(ids, flat, random);
        }
        return new MlmBatch(rows, length, ids, new long[rows * length], attention, [.. positions], [.. labels]);
    }
}
