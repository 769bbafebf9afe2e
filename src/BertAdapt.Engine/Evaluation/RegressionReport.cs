using System.Globalization;

namespace BertAdapt.Engine.Evaluation;

/// <summary>
/// How well real-valued predictions match gold scores.
/// </summary>
/// <remarks>
/// <see cref="Pearson"/> is NaN when either list is constant (every value equal, including a
/// single sample), since its correlation is then 0/0; <see cref="Spearman"/> likewise.
/// <see cref="ConstantBaselineMse"/> is the error of always predicting the mean of the gold
/// scores (their population variance): a model with a higher <see cref="Mse"/> has learned less
/// than the mean.
/// </remarks>
public sealed record RegressionReport(
    int Count,
    double Pearson,
    double Spearman,
    double Mse,
    double Mae,
    double ConstantBaselineMse)
{
    /// <summary>The figures in one line (an evaluation's Report column in Export-Csv).</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Pearson {Pearson:F3}, Spearman {Spearman:F3}, MSE {Mse:G4}, MAE {Mae:G4} (the mean's MSE {ConstantBaselineMse:G4}), n {Count}");
}
