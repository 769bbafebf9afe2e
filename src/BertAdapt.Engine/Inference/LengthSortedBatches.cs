namespace BertAdapt.Engine.Inference;

/// <summary>
/// The batches inference runs a window of inputs in: the inputs sorted by token count (longest
/// first, equal counts in input order) and cut into batches of the batch size. A batch is padded
/// to its longest input, so inputs of similar length together carry little padding; the
/// predictor puts every result back at its input's position, so callers see input order.
/// </summary>
public static class LengthSortedBatches
{
    /// <summary>Batches of input indexes (into <paramref name="lengths"/>), longest inputs first.</summary>
    public static int[][] Of(IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var order = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
        return order.Chunk(batchSize).ToArray();
    }

    /// <summary>
    /// The batches of <paramref name="count"/> inputs: consecutive windows of
    /// <paramref name="window"/> inputs, each cut by <see cref="Of"/>; a window of one batch or
    /// less (the last one, or every one when the window is at most the batch size) stays in
    /// input order, and its lengths are never asked for.
    /// </summary>
    /// <param name="lengthAt">The token count of the input at an index.</param>
    public static IEnumerable<int[]> InWindows(int count, Func<int, int> lengthAt, int batchSize, int window)
    {
        ArgumentNullException.ThrowIfNull(lengthAt);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        window = Math.Max(window, batchSize);
        for (int start = 0; start < count; start += window)
        {
            int n = Math.Min(window, count - start);
            if (n <= batchSize)
            {
                yield return Enumerable.Range(start, n).ToArray();
                continue;
            }
            var lengths = new int[n];
            for (int i = 0; i < n; i++) lengths[i] = lengthAt(start + i);
            foreach (var batch in Of(lengths, batchSize))
                yield return batch.Select(i => start + i).ToArray();
        }
    }

    /// <summary>The share of a padded batch's positions that are padding, over all batches.</summary>
    public static double PaddingFraction(IReadOnlyList<int> lengths, IEnumerable<int[]> batches)
    {
        long real = 0, padded = 0;
        foreach (var batch in batches)
        {
            if (batch.Length == 0) continue;
            int longest = batch.Max(i => lengths[i]);
            padded += (long)longest * batch.Length;
            foreach (var i in batch) real += lengths[i];
        }
        return padded == 0 ? 0 : 1 - (double)real / padded;
    }
}
