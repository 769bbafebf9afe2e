using BertAdapt.Engine.Data;

namespace BertAdapt.Engine.Tests.Objectives;

/// <summary>
/// Plain (token-level) masking must draw exactly as it did before whole-word masking was
/// added: these outputs were captured from that version, for a fixed seed.
/// </summary>
public class PlainMaskingTests
{
    public static TheoryData<double, int, long[], long[], long[]> Captured => new()
    {
        { 0.15, 20,
          [2, 8, 11, 14, 42, 4, 23, 26, 29, 32, 35, 38, 41, 44, 47, 50, 53, 56, 59, 3, 2, 15, 18, 21, 24, 27, 30, 33, 36, 39, 42, 45, 48, 51, 54, 57, 60, 3, 0, 0, 2, 4, 4, 28, 31, 34, 37, 40, 43, 46, 49, 52, 55, 58, 61, 3, 0, 0, 0, 0],
          [4, 5, 22, 41, 42], [17, 20, 18, 22, 25] },
        { 0.4, 12,
          [2, 35, 42, 4, 17, 4, 23, 26, 29, 32, 78, 3, 2, 15, 18, 4, 24, 4, 4, 33, 36, 3, 0, 0, 2, 4, 4, 28, 31, 34, 4, 3, 0, 0, 0, 0],
          [1, 2, 3, 5, 10, 14, 15, 17, 18, 25, 26, 28, 30], [8, 11, 14, 20, 35, 18, 21, 27, 30, 22, 25, 31, 37] },
        { 0.001, 6,
          [2, 4, 11, 14, 17, 3, 2, 15, 18, 3, 0, 0, 2, 3, 0, 0, 0, 0],
          [1], [8] },
    };

    [Theory]
    [MemberData(nameof(Captured))]
    public void DrawsMatchTheCapturedOutputs(double probability, int length, long[] inputIds, long[] positions, long[] labels)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        Assert.Equal(115, vocabulary.Count);
        var rows = new List<TrainingExample>();
        for (int r = 0; r < 3; r++)
        {
            var ids = new int[length - 2 * r];
            ids[0] = vocabulary.ClsId;
            ids[^1] = vocabulary.SepId;
            for (int c = 1; c < ids.Length - 1; c++) ids[c] = 5 + (r * 7 + c * 3) % (vocabulary.Count - 5);
            rows.Add(new TrainingExample(ids));
        }
        var batch = new MlmMasker(vocabulary, probability).Collate(rows, r => StatelessRandom.For(42, StatelessRandom.Streams.Masking, 3, 100 + r));
        Assert.Equal(inputIds, batch.InputIds);
        Assert.Equal(positions, batch.MaskedPositions);
        Assert.Equal(labels, batch.MaskedLabels);
    }
}
