using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data;

/// <summary>
/// BERT's dynamic masking: each non-special token is chosen with <see cref="Probability"/>;
/// a chosen token becomes [MASK] 80% of the time, a random ordinary token 10%, and stays
/// itself 10%. The loss is taken on every chosen token. Each example is masked from its own
/// random stream (derived from seed, epoch and example index), so each epoch sees new masks,
/// yet masks never depend on batch size or on where a run was resumed.
/// With whole-word masking the choice is made per word (a token and the "##" pieces after
/// it) and every piece of a chosen word is masked; the 80/10/10 roll is still per piece.
/// </summary>
public sealed class MlmMasker
{
    readonly BertVocabulary vocabulary;
    readonly int[] ordinaryIds;
    readonly bool[] isContinuation;

    public MlmMasker(BertVocabulary vocabulary, double probability = 0.15, bool wholeWordMask = false)
    {
        if (probability is <= 0 or >= 1)
            throw new BertAdaptException("MaskProbabilityInvalid", BertAdaptErrorKind.InvalidArgument, $"The mask probability must be in (0, 1) (got {probability}).");
        this.vocabulary = vocabulary;
        Probability = probability;
        WholeWordMask = wholeWordMask;
        ordinaryIds = Enumerable.Range(0, vocabulary.Count).Where(id => !vocabulary.SpecialIds.Contains(id)).ToArray();
        // Looked up once per token while masking, so computed once here.
        isContinuation = vocabulary.Tokens.Select((token, id) => token.StartsWith("##", StringComparison.Ordinal) && !vocabulary.SpecialIds.Contains(id)).ToArray();
    }

    public double Probability { get; }
    public bool WholeWordMask { get; }

    /// <summary>
    /// Pads the examples to the longest one and masks row r with <paramref name="randomFor"/>(r).
    /// </summary>
    public MlmBatch Collate(IReadOnlyList<TrainingExample> examples, Func<int, StatelessRandom> randomFor)
    {
        var padded = PaddedBatch.Of(examples, e => e.TokenIds, e => e.TokenTypeIds, vocabulary.PadId);
        int rows = padded.Rows, length = padded.Length;
        var ids = padded.InputIds;
        var positions = new List<long>();
        var labels = new List<long>();
        long firstCandidate = -1;
        for (int r = 0; r < rows; r++)
        {
            var tokens = examples[r].TokenIds;
            long rowStart = (long)r * length;
            // One draw per word (a word is one token without whole-word masking), in order, so
            // the non-WWM stream is exactly one draw per candidate token plus the corruption rolls.
            var random = randomFor(r);
            for (int c = 0; c < tokens.Length;)
            {
                if (vocabulary.SpecialIds.Contains(tokens[c])) { c++; continue; }
                int end = WordEnd(tokens, c);
                if (firstCandidate < 0) firstCandidate = rowStart + c;
                if (random.NextDouble() < Probability)
                    for (int piece = c; piece < end; piece++)
                        Choose(ids, rowStart + piece, tokens[piece], positions, labels, random);
                c = end;
            }
        }
        // A batch with no chosen token would have no loss at all; take its first candidate word instead.
        if (positions.Count == 0 && firstCandidate >= 0)
        {
            var tokens = examples[(int)(firstCandidate / length)].TokenIds;
            int start = (int)(firstCandidate % length);
            var random = randomFor(0);
            for (int piece = start; piece < WordEnd(tokens, start); piece++)
                Choose(ids, firstCandidate - start + piece, tokens[piece], positions, labels, random);
        }
        long[]? nsp = examples.All(e => e.NextSentenceLabel is not null) ? examples.Select(e => (long)e.NextSentenceLabel!.Value).ToArray() : null;
        return new MlmBatch(rows, length, ids, padded.TokenTypeIds, padded.AttentionMask, [.. positions], [.. labels], nsp);
    }

    /// <summary>End (exclusive) of the word starting at <paramref name="start"/>: the "##" pieces after it under WWM.</summary>
    int WordEnd(int[] tokens, int start)
    {
        int end = start + 1;
        if (WholeWordMask)
            while (end < tokens.Length && isContinuation[tokens[end]]) end++;
        return end;
    }

    void Choose(long[] ids, long flat, int id, List<long> positions, List<long> labels, StatelessRandom random)
    {
        positions.Add(flat);
        labels.Add(id);
        Corrupt(ids, flat, random);
    }

    /// <summary>80% [MASK], 10% a random ordinary token, 10% unchanged.</summary>
    void Corrupt(long[] ids, long flat, StatelessRandom random)
    {
        double roll = random.NextDouble();
        if (roll < 0.8) ids[flat] = vocabulary.MaskId;
        else if (roll < 0.9) ids[flat] = ordinaryIds[random.Next(ordinaryIds.Length)];
    }
}
