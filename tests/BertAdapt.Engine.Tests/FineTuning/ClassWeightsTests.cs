using BertAdapt.Engine.Data.FineTuning;

namespace BertAdapt.Engine.Tests.FineTuning;

public sealed class ClassWeightsTests
{
    [Fact]
    public void BalancedWeightsAreSamplesOverClassesTimesCount()
    {
        // 10 samples, 3 classes: 10/(3·6), 10/(3·3), 10/(3·1).
        var weights = ClassWeights.Auto([6, 3, 1]);
        Assert.Equal([5f / 9f, 10f / 9f, 10f / 3f], weights);
        Assert.Equal(10.0, 6 * weights[0] + 3 * weights[1] + 1 * weights[2], 4); // mean weight per sample is 1
    }

    [Fact]
    public void AnAbsentClassWeighsNothingAndIsNotCounted()
    {
        // The token counts of the first-sub-token test: 4 labelled positions over 2 classes that occur.
        Assert.Equal([2f, 0f, 4f / 6f], ClassWeights.Auto([1, 0, 3]));
        Assert.Equal("FineTuneNoLabels", Assert.Throws<BertAdaptException>(() => ClassWeights.Auto([0, 0])).ErrorId);
    }
}
