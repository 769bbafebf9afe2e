using BertAdapt.Engine.Data;

namespace BertAdapt.Engine.Tests;

public class PaddedBatchTests
{
    [Fact]
    public void PadsEachRowToTheLongestWithPadIdTypeZeroAndMaskZero()
    {
        (int[] Ids, int[]? Types)[] rows = [([2, 5, 3], [0, 1, 1]), ([2, 3], null)];
        var batch = PaddedBatch.Of(rows, r => r.Ids, r => r.Types, padId: 9);
        Assert.Equal((2, 3, 5L), (batch.Rows, batch.Length, batch.Tokens));
        Assert.Equal([2L, 5, 3, 2, 3, 9], batch.InputIds);
        Assert.Equal([0L, 1, 1, 0, 0, 0], batch.TokenTypeIds);
        Assert.Equal([1L, 1, 1, 1, 1, 0], batch.AttentionMask);
    }
}
