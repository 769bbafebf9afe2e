using System.Globalization;

namespace BertAdapt.Engine.Evaluation;

/// <summary>
/// Whether a fine-tuned model beats a model that gives every input the same answer: the
/// majority class (single-label and token classification), the labels most rows carry
/// (multi-label), or the mean of the targets (regression, compared by MSE, since a constant
/// prediction has no correlation). A model that does not has learned nothing usable, however
/// good its score looks on its own: 0.9 accuracy is no result when 90% of the rows are one class.
/// </summary>
public static class ConstantBaseline
{
    /// <summary>Why <paramref name="evaluation"/> is no better than the constant answer, or null when it is better.</summary>
    public static string? Shortfall(FineTuneEvaluation evaluation)
    {
        static string F(double v) => v.ToString("G4", CultureInfo.InvariantCulture);
        if (evaluation.Report is RegressionReport regression)
            return regression.Mse < regression.ConstantBaselineMse ? null
                : $"its validation MSE {F(regression.Mse)} is not below the constant baseline's {F(regression.ConstantBaselineMse)} (always predicting the mean)";
        if (evaluation.BaselineScore is not double baseline || evaluation.Score > baseline) return null;
        string answer = evaluation.Report is MultiLabelReport ? "always predicting the labels most rows have" : "always predicting the majority class";
        return $"its validation {evaluation.Metric} {F(evaluation.Score)} is not above the constant baseline's {F(baseline)} ({answer})";
    }
}
