using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Modeling;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Evaluation;

/// <summary>
/// Scores a fine-tuned model on labelled examples: the task's loss and metrics, and the same
/// metric for the best constant prediction (the majority class, label values or tag), so a
/// result can be read against what learning nothing would score.
/// </summary>
public static class FineTuneEvaluator
{
    /// <summary>The metric that picks a task's best checkpoint.</summary>
    public static string MetricOf(FineTuneTask task) => task switch
    {
        FineTuneTask.SequenceClassification => "macro-F1",
        FineTuneTask.MultiLabelClassification => "micro-F1",
        FineTuneTask.TokenClassification => "entity F1",
        _ => "Pearson r",
    };

    public static (double Loss, FineTuneEvaluation Evaluation) Evaluate(BertModel model, IFineTuneExamples examples, FineTuneTask task,
        int batchSize = 32, double threshold = 0.5, float[]? classWeights = null, CancellationToken cancellation = default)
    {
        if (examples.Count == 0)
            throw new BertAdaptException("FineTuneDataEmpty", BertAdaptErrorKind.InvalidData, "There are no evaluation examples.");
        if (model.GetTask() != task)
            throw new BertAdaptException("ModelTaskMismatch", BertAdaptErrorKind.InvalidArgument,
                $"The model's head is for {model.GetTask()?.ToString() ?? "pre-training"}, not {task}.");
        var module = model.Module;
        int labels = (int)module.Classifier!.Weight.shape[0];
        var names = model.Labels;
        bool wasTraining = module.training;
        module.eval();

        var goldClasses = new List<int>();
        var predictedClasses = new List<int>();
        var goldSets = new List<IReadOnlyList<bool>>();
        var predictedSets = new List<IReadOnlyList<bool>>();
        var goldValues = new List<double>();
        var predictedValues = new List<double>();
        var goldTags = new List<IReadOnlyList<string>>();
        var predictedTags = new List<IReadOnlyList<string>>();
        double lossSum = 0;
        long lossRows = 0;
        try
        {
            using var _ = no_grad();
            for (long start = 0; start < examples.Count; start += batchSize)
            {
                cancellation.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batchExamples = new List<FineTuneExample>();
                for (long i = start; i < Math.Min(examples.Count, start + batchSize); i++) batchExamples.Add(examples.Get(i));
                var batch = FineTuneBatch.Collate(batchExamples, task, labels, model.Vocabulary.PadId);
                var device = module.Device;
                var logits = ClassifierLoss.Logits(module, batch);
                var weights = classWeights is null ? null : tensor(classWeights, device: device);
                lossSum += ClassifierLoss.Of(logits, batch, task, weights, device).item<float>() * batch.Rows;
                lossRows += batch.Rows;
                var host = logits.cpu();
                switch (task)
                {
                    case FineTuneTask.SequenceClassification:
                        predictedClasses.AddRange(host.argmax(1).data<long>().Select(v => (int)v));
                        goldClasses.AddRange(batch.ClassLabels!.Select(v => (int)v));
                        break;
                    case FineTuneTask.MultiLabelClassification:
                        var probabilities = host.sigmoid().data<float>().ToArray();
                        for (int r = 0; r < batch.Rows; r++)
                        {
                            predictedSets.Add(Enumerable.Range(0, labels).Select(l => probabilities[r * labels + l] >= threshold).ToArray());
                            goldSets.Add(Enumerable.Range(0, labels).Select(l => batch.Targets![r * labels + l] >= 0.5f).ToArray());
                        }
                        break;
                    case FineTuneTask.Regression:
                        predictedValues.AddRange(host.view(-1).data<float>().Select(v => (double)v));
                        goldValues.AddRange(batch.Targets!.Select(v => (double)v));
                        break;
                    default:
                        var tags = host.argmax(2).data<long>().ToArray();
                        for (int r = 0; r < batch.Rows; r++)
                        {
                            var gold = new List<string>();
                            var predicted = new List<string>();
                            for (int t = 0; t < batch.Length; t++)
                            {
                                long label = batch.TokenLabels![r * batch.Length + t];
                                if (label == FineTuneExample.IgnoredLabel) continue;
                                gold.Add(names[(int)label]);
                                predicted.Add(names[(int)tags[r * batch.Length + t]]);
                            }
                            goldTags.Add(gold);
                            predictedTags.Add(predicted);
                        }
                        break;
                }
            }
        }
        finally
        {
            module.train(wasTraining);
        }

        double loss = lossSum / lossRows;
        var evaluation = new FineTuneEvaluation
        {
            Task = task.ToString(),
            ValidationLoss = loss,
            Metric = MetricOf(task),
            Examples = (int)examples.Count,
        };
        switch (task)
        {
            case FineTuneTask.SequenceClassification:
            {
                var report = ClassificationMetrics.Evaluate(goldClasses, predictedClasses, labels, names);
                int majority = ClassificationMetrics.MajorityClass(goldClasses);
                var baseline = ClassificationMetrics.Evaluate(goldClasses, Enumerable.Repeat(majority, goldClasses.Count).ToList(), labels, names);
                evaluation = evaluation with
                {
                    Score = report.MacroF1, BaselineScore = baseline.MacroF1, Accuracy = report.Accuracy,
                    MacroF1 = report.MacroF1, WeightedF1 = report.WeightedF1, Report = report,
                };
                break;
            }
            case FineTuneTask.MultiLabelClassification:
            {
                var report = MultiLabelMetrics.Evaluate(goldSets, predictedSets, names);
                var common = Enumerable.Range(0, labels).Select(l => goldSets.Count(g => g[l]) * 2 > goldSets.Count).ToArray();
                var baseline = MultiLabelMetrics.Evaluate(goldSets, goldSets.Select(_ => (IReadOnlyList<bool>)common).ToList(), names);
                evaluation = evaluation with
                {
                    Score = report.MicroF1, BaselineScore = baseline.MicroF1, MicroF1 = report.MicroF1, MacroF1 = report.MacroF1,
                    SubsetAccuracy = report.SubsetAccuracy, HammingLoss = report.HammingLoss, Report = report,
                };
                break;
            }
            case FineTuneTask.Regression:
            {
                var report = RegressionMetrics.Evaluate(goldValues, predictedValues);
                // A constant prediction has no correlation at all; its MSE is in the report (ConstantBaselineMse).
                evaluation = evaluation with
                {
                    Score = double.IsNaN(report.Pearson) ? 0 : report.Pearson, Pearson = report.Pearson, Spearman = report.Spearman,
                    Mse = report.Mse, Mae = report.Mae, Report = report,
                };
                break;
            }
            default:
            {
                var report = TokenClassificationMetrics.Evaluate(goldTags, predictedTags);
                var majority = goldTags.SelectMany(t => t).GroupBy(t => t).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
                var baseline = TokenClassificationMetrics.Evaluate(goldTags, goldTags.Select(t => (IReadOnlyList<string>)Enumerable.Repeat(majority, t.Count).ToList()).ToList());
                evaluation = evaluation with
                {
                    Score = report.F1, BaselineScore = baseline.F1, Precision = report.Precision, Recall = report.Recall,
                    F1 = report.F1, MacroF1 = report.MacroF1, TokenAccuracy = report.TokenAccuracy, Report = report,
                };
                break;
            }
        }
        return (loss, evaluation);
    }
}
