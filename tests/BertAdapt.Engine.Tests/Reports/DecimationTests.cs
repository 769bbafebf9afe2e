using BertAdapt.Engine.Reports;

namespace BertAdapt.Engine.Tests.Reports;

public sealed class DecimationTests
{
    static List<ChartPoint> Series(int count, Func<int, double> y) => Enumerable.Range(1, count).Select(i => new ChartPoint(i, y(i))).ToList();

    [Theory]
    [InlineData(10)]
    [InlineData(2000)]
    [InlineData(2001)]
    [InlineData(100_000)]
    [InlineData(1_000_003)]
    public void NeverKeepsMoreThanTheBudget(int count)
    {
        var kept = Decimation.MinMax(Series(count, i => Math.Sin(i * 0.01)));
        Assert.True(kept.Count <= Decimation.DefaultMaxPoints, $"{kept.Count} points kept");
        Assert.Equal(Math.Min(count, Decimation.DefaultMaxPoints), kept.Count, tolerance: count > Decimation.DefaultMaxPoints ? 2 : 0);
    }

    [Fact]
    public void KeepsShortSeriesUnchanged()
    {
        var points = Series(50, i => i * 0.5);
        Assert.Equal(points, Decimation.MinMax(points));
    }

    [Fact]
    public void KeepsASpikeThatAveragingWouldHide()
    {
        var points = Series(100_000, i => i == 54_321 ? 1000 : 1);
        var kept = Decimation.MinMax(points, 200);
        Assert.Contains(new ChartPoint(54_321, 1000), kept);
        Assert.True(kept.Zip(kept.Skip(1)).All(pair => pair.First.X < pair.Second.X), "points stay in step order");
    }

    [Fact]
    public void KeepsGapsAsSingleMarkersWithinTheBudget()
    {
        // Three runs of finite values separated by two stretches of NaN.
        var points = Series(30_000, i => i is > 10_000 and <= 10_100 or > 20_000 and <= 20_005 ? double.NaN : i);
        var kept = Decimation.MinMax(points, 500);
        Assert.True(kept.Count <= 500);
        Assert.Equal(2, kept.Count(p => p.IsGap));
        Assert.False(kept[0].IsGap);
        Assert.False(kept[^1].IsGap);
    }

    [Fact]
    public void StaysWithinBudgetWhenGapsAlternateWithEveryPoint()
    {
        var points = Series(10_000, i => i % 2 == 0 ? double.NaN : i);
        var kept = Decimation.MinMax(points, 300);
        Assert.True(kept.Count <= 300, $"{kept.Count} points kept");
        Assert.Contains(kept, p => !p.IsGap);
    }

    [Fact]
    public void AllGapsAndEmptySeriesGiveNothingToDraw()
    {
        Assert.Empty(Decimation.MinMax(Series(5000, _ => double.NaN)));
        Assert.Empty(Decimation.MinMax([]));
    }

    [Fact]
    public void LinearAxisTicksAreRoundAndCoverTheData()
    {
        var axis = Axis.Linear(3.12, 4.87, integer: false);
        Assert.True(axis.Min <= 3.12 && axis.Max >= 4.87);
        Assert.All(axis.Ticks, t => Assert.Equal(0, Math.Round(t / 0.5, 9) % 1));
        var steps = Axis.Linear(7, 7, integer: true);
        Assert.Equal([6.0, 7.0, 8.0], steps.Ticks);
    }

    [Fact]
    public void LogAxisUsesOneTwoFiveTicks()
    {
        var axis = Axis.Log(3.2, 180);
        Assert.Equal(2, axis.Min);
        Assert.Equal(200, axis.Max);
        Assert.Equal([2.0, 5, 10, 20, 50, 100, 200], axis.Ticks.Select(t => Math.Round(t, 9)));
    }
}
