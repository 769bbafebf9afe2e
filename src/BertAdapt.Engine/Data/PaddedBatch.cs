namespace BertAdapt.Engine.Data;

/// <summary>
/// Rows of token ids laid out as one row-major [rows, length] batch, padded to the longest row:
/// after each row's end come [PAD] ids, token type 0 and attention mask 0. The one padding rule
/// of pre-training, fine-tuning, evaluation and inference.
/// </summary>
public sealed record PaddedBatch(int Rows, int Length, long[] InputIds, long[] TokenTypeIds, long[] AttentionMask, long Tokens)
{
    /// <summary>Pads <paramref name="items"/>' token ids (and token types; null means all 0) with <paramref name="padId"/>.</summary>
    public static PaddedBatch Of<T>(IReadOnlyList<T> items, Func<T, int[]> tokenIds, Func<T, int[]?> tokenTypeIds, int padId)
    {
        int rows = items.Count, length = items.Max(i => tokenIds(i).Length);
        var ids = new long[rows * length];
        var types = new long[rows * length];
        var mask = new long[rows * length];
        Array.Fill(ids, padId);
        long tokens = 0;
        for (int r = 0; r < rows; r++)
        {
            var rowIds = tokenIds(items[r]);
            var rowTypes = tokenTypeIds(items[r]);
            long start = (long)r * length;
            tokens += rowIds.Length;
            for (int c = 0; c < rowIds.Length; c++)
            {
                ids[start + c] = rowIds[c];
                types[start + c] = rowTypes?[c] ?? 0;
                mask[start + c] = 1;
            }
        }
        return new PaddedBatch(rows, length, ids, types, mask, tokens);
    }
}
