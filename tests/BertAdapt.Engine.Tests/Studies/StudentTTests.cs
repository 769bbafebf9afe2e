using BertAdapt.Engine.Studies;
namespace BertAdapt.Engine.Tests.Studies;

public sealed class StudentTTests
{
    /// <summary>Two-sided critical values from any printed t table (three decimals).</summary>
    [Theory]
    [InlineData(0.975, 1, 12.706)]
    [InlineData(0.975, 2, 4.303)]
    [InlineData(0.975, 3, 3.182)]
    [InlineData(0.975, 4, 2.776)]
    [InlineData(0.975, 5, 2.571)]
    [InlineData(0.975, 10, 2.228)]
    [InlineData(0.975, 30, 2.042)]
    [InlineData(0.95, 5, 2.015)]
    [InlineData(0.995, 10, 3.169)]
    [InlineData(0.9, 20, 1.325)]
    public void QuantileMatchesTheTable(double p, double df, double expected) =>
        Assert.Equal(expected, StudentT.Quantile(p, df), 3);

    [Fact]
    public void QuantileApproachesTheNormalsForManyDegreesOfFreedom() =>
        Assert.Equal(1.959964, StudentT.Quantile(0.975, 1e7), 5);

    [Fact]
    public void QuantileIsSymmetricAndZeroAtTheMedian()
    {
        Assert.Equal(0, StudentT.Quantile(0.5, 3));
        Assert.Equal(-StudentT.Quantile(0.975, 7.3), StudentT.Quantile(0.025, 7.3), 12);
    }

    [Theory]
    [InlineData(1.5)]
    [InlineData(2.7)]
    [InlineData(13.25)]
    public void CdfInvertsTheQuantileForNonIntegerDegreesOfFreedom(double df)
    {
        foreach (var p in new[] { 0.6, 0.9, 0.975, 0.999 })
            Assert.Equal(p, StudentT.Cdf(StudentT.Quantile(p, df), df), 10);
    }

    [Fact]
    public void CdfOfOneDegreeOfFreedomIsTheCauchys()
    {
        foreach (var t in new[] { -3.0, -0.5, 0, 0.7, 4 })
            Assert.Equal(0.5 + Math.Atan(t) / Math.PI, StudentT.Cdf(t, 1), 12);
    }

    [Fact]
    public void IncompleteBetaHasItsClosedForms()
    {
        foreach (var x in new[] { 0.1, 0.35, 0.8 })
        {
            Assert.Equal(x, StudentT.RegularizedIncompleteBeta(x, 1, 1), 12);
            Assert.Equal(Math.Pow(x, 3.5), StudentT.RegularizedIncompleteBeta(x, 3.5, 1), 12);
            Assert.Equal(1 - Math.Pow(1 - x, 2.5), StudentT.RegularizedIncompleteBeta(x, 1, 2.5), 12);
        }
        Assert.Equal(0.5, StudentT.RegularizedIncompleteBeta(0.5, 7.5, 7.5), 12);
    }

    [Fact]
    public void LogGammaMatchesFactorialsAndHalfIntegers()
    {
        Assert.Equal(Math.Log(24), StudentT.LogGamma(5), 12);
        Assert.Equal(0.5 * Math.Log(Math.PI), StudentT.LogGamma(0.5), 12);
        Assert.Equal(Math.Log(3628800), StudentT.LogGamma(11), 11);
        Assert.Equal(0, StudentT.LogGamma(1), 12);
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Quantile(0.9, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => StudentT.Cdf(1, -1));
    }
}
