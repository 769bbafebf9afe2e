using BertAdapt.Engine.Evaluation;
using System.Text.Json;
using BertAdapt.Engine.Tests.Interop;

namespace BertAdapt.Engine.Tests.Evaluation;

/// <summary>
/// The cases and scikit-learn/SciPy reference scores in tests/fixtures/metrics/metrics_reference.json
/// (written by make_metrics_fixtures.py there).
/// </summary>
public sealed class MetricsReference
{
    static readonly Lazy<MetricsReference> Instance = new(() =>
    {
        var path = TestAssets.Fixture("metrics", "metrics_reference.json");
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
        return JsonSerializer.Deserialize<MetricsReference>(File.ReadAllText(path), options)
            ?? throw new InvalidOperationException($"{path} is empty.");
    });

    public static MetricsReference Load() => Instance.Value;

    public List<ClassificationCase> Classification { get; set; } = [];
    public List<MultiLabelCase> Multilabel { get; set; } = [];
    public List<RegressionCase> Regression { get; set; } = [];

    public sealed class ClassificationCase
    {
        public string Name { get; set; } = "";
        public int ClassCount { get; set; }
        public int[] Gold { get; set; } = [];
        public int[] Predicted { get; set; } = [];
        public int[] Train { get; set; } = [];
        public double Accuracy { get; set; }
        public double MacroF1 { get; set; }
        public double WeightedF1 { get; set; }
        public double[] Precision { get; set; } = [];
        public double[] Recall { get; set; } = [];
        public double[] F1 { get; set; } = [];
        public int[] Support { get; set; } = [];
        public int[][] Confusion { get; set; } = [];
        public double MajorityAccuracySelf { get; set; }
        public double MajorityAccuracyTrain { get; set; }
    }

    public sealed class MultiLabelCase
    {
        public string Name { get; set; } = "";
        public int[][] Gold { get; set; } = [];
        public int[][] Predicted { get; set; } = [];
        public double SubsetAccuracy { get; set; }
        public double HammingLoss { get; set; }
        public double MicroPrecision { get; set; }
        public double MicroRecall { get; set; }
        public double MicroF1 { get; set; }
        public double MacroF1 { get; set; }
        public double MacroF1AllColumns { get; set; }
        public int PresentLabels { get; set; }
        public double[] Precision { get; set; } = [];
        public double[] Recall { get; set; } = [];
        public double[] F1 { get; set; } = [];
        public int[] Support { get; set; } = [];
    }

    public sealed class RegressionCase
    {
        public string Name { get; set; } = "";
        public double[] Gold { get; set; } = [];
        public double[] Predicted { get; set; } = [];
        public double Pearson { get; set; }
        public double Spearman { get; set; }
        public double Mse { get; set; }
        public double Mae { get; set; }
        public double ConstantBaselineMse { get; set; }
    }
}

static class Close
{
    /// <summary>Equal up to rounding: the libraries sum and divide in a different order.</summary>
    public static void Equal(double expected, double actual, string what)
    {
        double tolerance = 1e-12 * Math.Max(1, Math.Abs(expected));
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: expected {expected:R}, got {actual:R}");
    }
}
