using BertAdapt.Engine.Evaluation;
namespace BertAdapt.Engine.Tests.Evaluation;

public sealed class RegressionMetricsTests
{
    public static TheoryData<string> ReferenceCases => new(MetricsReference.Load().Regression.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(ReferenceCases))]
    public void MatchesSciPyAndScikitLearn(string name)
    {
        var c = MetricsReference.Load().Regression.Single(x => x.Name == name);
        var report = RegressionMetrics.Evaluate(c.Gold, c.Predicted);
        Assert.Equal(c.Gold.Length, report.Count);
        Close.Equal(c.Pearson, report.Pearson, "Pearson r (scipy.stats.pearsonr)");
        Close.Equal(c.Spearman, report.Spearman, "Spearman rho (scipy.stats.spearmanr)");
        Close.Equal(c.Mse, report.Mse, "MSE");
        Close.Equal(c.Mae, report.Mae, "MAE");
        Close.Equal(c.ConstantBaselineMse, report.ConstantBaselineMse, "MSE of DummyRegressor(strategy=\"mean\")");
    }

    [Fact]
    public void ReferenceCasesIncludeTies()
    {
        Assert.Contains(MetricsReference.Load().Regression,
            c => c.Gold.Distinct().Count() < c.Gold.Length && c.Predicted.Distinct().Count() < c.Predicted.Length);
    }

    [Fact]
    public void HandWorkedLinearRelation()
    {
        // predicted = 2 * gold: r = rho = 1. Errors 1, 2, 3, 4: MSE 30/4, MAE 10/4.
        // Gold mean 2.5; squared deviations 2.25 + 0.25 + 0.25 + 2.25 = 5 -> baseline MSE 5/4.
        var report = RegressionMetrics.Evaluate([1, 2, 3, 4], [2, 4, 6, 8]);
        Close.Equal(1, report.Pearson, "Pearson");
        Close.Equal(1, report.Spearman, "Spearman");
        Assert.Equal(7.5, report.Mse);
        Assert.Equal(2.5, report.Mae);
        Assert.Equal(1.25, report.ConstantBaselineMse);
        Close.Equal(-1, RegressionMetrics.Pearson([1, 2, 3], [3, 2, 1]), "reversed");
    }

    [Fact]
    public void SpearmanAveragesTiedRanks()
    {
        // [10, 20, 20, 5, 20] sorted: 5 -> 1, 10 -> 2, the three 20s share (3 + 4 + 5) / 3 = 4.
        Assert.Equal(new[] { 2.0, 4, 4, 1, 4 }, RegressionMetrics.AverageRanks([10, 20, 20, 5, 20]));
        // x = [1, 2, 2, 3] ranks [1, 2.5, 2.5, 4]; y = [1, 3, 2, 4] ranks [1, 3, 2, 4]. Both mean 2.5.
        // Deviations x: -1.5, 0, 0, 1.5; y: -1.5, 0.5, -0.5, 1.5.
        // Sxy = 2.25 + 2.25 = 4.5, Sxx = 4.5, Syy = 5 -> rho = 4.5 / sqrt(22.5) = sqrt(0.9).
        Close.Equal(Math.Sqrt(0.9), RegressionMetrics.Spearman([1, 2, 2, 3], [1, 3, 2, 4]), "Spearman with ties");
    }

    [Fact]
    public void ConstantInputHasNoCorrelation()
    {
        // Constant gold: the correlation is 0/0, reported as NaN (as SciPy does); errors still count.
        // Errors 2, 1, 0: MSE 5/3, MAE 1; the mean predicts constant gold exactly.
        var report = RegressionMetrics.Evaluate([3, 3, 3], [1, 2, 3]);
        Assert.True(double.IsNaN(report.Pearson));
        Assert.True(double.IsNaN(report.Spearman));
        Close.Equal(5.0 / 3, report.Mse, "MSE");
        Assert.Equal(1.0, report.Mae);
        Assert.Equal(0.0, report.ConstantBaselineMse);
        // Constant predictions, and a single sample, are constant too.
        Assert.True(double.IsNaN(RegressionMetrics.Pearson([1, 2, 3], [0.1, 0.1, 0.1])));
        Assert.True(double.IsNaN(RegressionMetrics.Spearman([1, 2, 3], [0.1, 0.1, 0.1])));
        var single = RegressionMetrics.Evaluate([2], [5]);
        Assert.True(double.IsNaN(single.Pearson));
        Assert.Equal(9.0, single.Mse);
    }

    [Fact]
    public void RejectsInconsistentOrNonFiniteInput()
    {
        Assert.Throws<ArgumentException>("predicted", () => RegressionMetrics.Evaluate([1, 2], [1]));
        Assert.Throws<ArgumentException>("gold", () => RegressionMetrics.Evaluate([], []));
        var nan = Assert.Throws<ArgumentException>("predicted", () => RegressionMetrics.Evaluate([1, 2, 3], [1, double.NaN, 3]));
        Assert.Contains("position 1", nan.Message);
        Assert.Throws<ArgumentException>("gold", () => RegressionMetrics.Evaluate([double.PositiveInfinity], [1]));
        Assert.Throws<ArgumentException>("y", () => RegressionMetrics.Pearson([1, 2], [1, 2, 3]));
    }
}
