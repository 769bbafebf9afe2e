using BertAdapt.Engine.Studies;
namespace BertAdapt.Engine.Tests.Studies;

public sealed class WelchComparisonTests
{
    [Fact]
    public void EqualVariancesGiveTheWorkedExample()
    {
        // Means 2 and 5, variances 1 and 1, n = 3 each: se = sqrt(2/3), Welch's df = 4 exactly,
        // t(0.975, 4) = 2.7764, half width 2.2669.
        var c = WelchComparison.Of([1, 2, 3], [4, 5, 6]);
        Assert.Equal(-3, c.Difference, 12);
        Assert.Equal(Math.Sqrt(2.0 / 3), c.StandardError!.Value, 12);
        Assert.Equal(4, c.DegreesOfFreedom!.Value, 10);
        Assert.Equal(-3 - 2.7764 * Math.Sqrt(2.0 / 3), c.Low!.Value, 3);
        Assert.Equal(-3 + 2.7764 * Math.Sqrt(2.0 / 3), c.High!.Value, 3);
        Assert.Equal(AdaptationVerdict.Worse, c.Verdict);
    }

    [Fact]
    public void UnequalVariancesUseWelchSatterthwaite()
    {
        // s1² = 0.01 (n 3), s2² = 4 (n 4): df = (a+b)² / (a²/2 + b²/3), a = 0.01/3, b = 1.
        var c = WelchComparison.Of([0.9, 1.0, 1.1], [-1.0, 1.0, 3.0, 1.0 + Math.Sqrt(6) * 0]);
        double a = 0.01 / 3, varB = new[] { -1.0, 1.0, 3.0, 1.0 }.Select(v => (v - 1) * (v - 1)).Sum() / 3, b = varB / 4;
        Assert.Equal((a + b) * (a + b) / (a * a / 2 + b * b / 3), c.DegreesOfFreedom!.Value, 10);
        Assert.Equal(AdaptationVerdict.WithinNoise, c.Verdict);
        Assert.True(c.Low < 0 && c.High > 0);
    }

    [Fact]
    public void AClearGainIsBetter()
    {
        var c = WelchComparison.Of([0.80, 0.81, 0.82], [0.60, 0.61, 0.62]);
        Assert.Equal(AdaptationVerdict.Better, c.Verdict);
        Assert.True(c.Low > 0);
    }

    [Fact]
    public void OneSeedGivesNoInterval()
    {
        var c = WelchComparison.Of([0.9], [0.5, 0.6]);
        Assert.Equal(0.35, c.Difference, 12);
        Assert.Null(c.Low);
        Assert.Equal(AdaptationVerdict.Undetermined, c.Verdict);
    }

    [Fact]
    public void NoSpreadAtAllIsAPointInterval()
    {
        var c = WelchComparison.Of([0.7, 0.7], [0.5, 0.5]);
        Assert.Equal(0.2, c.Low!.Value, 12);
        Assert.Equal(0.2, c.High!.Value, 12);
        Assert.Null(c.DegreesOfFreedom);
        Assert.Equal(AdaptationVerdict.Better, c.Verdict);
    }

    [Fact]
    public void StandardDeviationIsTheSampleOne()
    {
        Assert.Equal(1, SeedStatistics.StandardDeviation([1.0, 2.0, 3.0])!.Value, 12);
        Assert.Null(SeedStatistics.StandardDeviation([1.0]));
    }
}
