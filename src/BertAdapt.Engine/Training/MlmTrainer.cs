using System.Diagnostics;
using System.Text.Json;
using BertAdapt.Engine.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Training;

/// <summary>How a training run ended.</summary>
public sealed record MlmTrainingResult(int Steps, double? FinalLoss, bool Cancelled, int SkippedNonFiniteSteps);

/// <summary>
/// Masked-LM training: dynamic masking, AdamW (no decay on biases and LayerNorm), linear warmup
/// then decay, gradient clipping. Every step runs in its own dispose scope, so native memory
/// stays flat however long the run.
/// </summary>
public static class MlmTrainer
{
    public static MlmTrainingResult Train(BertModel model, IReadOnlyList<int[]> sequences, MlmTrainingOptions options,
        Action<TrainingStepMetrics, int>? onStep = null, Action<string>? onWarning = null, CancellationToken cancellation = default)
    {
        options.Validate();
        if (sequences.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData, "There are no training sequences.");

        int stepsPerEpoch = (sequences.Count + options.BatchSize - 1) / options.BatchSize;
        int totalSteps = (options.MaxSteps, options.Epochs) switch
        {
            (int s, int e) => Math.Min(s, checked(e * stepsPerEpoch)),
            (int s, null) => s,
            (null, int e) => checked(e * stepsPerEpoch),
            _ => stepsPerEpoch,
        };
        var schedule = new LinearSchedule(options.LearningRate, options.WarmupSteps ?? totalSteps / 10, totalSteps);
        var module = model.Module;
        var masker = new MlmMasker(model.Vocabulary, options.MaskProbability);
        var random = new Random(unchecked((int)options.Seed));
        torch.manual_seed(options.Seed);

        var named = module.named_parameters().ToList();
        static bool NoDecay(string name) => name.EndsWith("bias", StringComparison.Ordinal) || name.Contains("LayerNorm", StringComparison.Ordinal);
        var groups = new[]
        {
            new AdamW.ParamGroup(named.Where(p => !NoDecay(p.name)).Select(p => p.parameter), options.LearningRate,
                options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay, false, false),
            new AdamW.ParamGroup(named.Where(p => NoDecay(p.name)).Select(p => p.parameter), options.LearningRate,
                options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, 0.0, false, false),
        };
        var parameters = named.Select(p => p.parameter).ToList();
        using var optimizer = optim.AdamW(groups, options.LearningRate, options.AdamBeta1, options.AdamBeta2, options.AdamEpsilon, options.WeightDecay);
        using var metricsWriter = options.MetricsPath is null ? null : new StreamWriter(options.MetricsPath, append: true);

        var order = Enumerable.Range(0, sequences.Count).ToArray();
        int cursor = order.Length, epoch = 0, step = 0, skipped = 0, consecutiveBad = 0;
        double? lastLoss = null;
        bool cancelled = false;
        var clock = Stopwatch.StartNew();
        module.train();
        try
        {
            while (step < totalSteps)
            {
                if (cancellation.IsCancellationRequested) { cancelled = true; break; }
                if (cursor >= order.Length) { random.Shuffle(order); cursor = 0; epoch++; }
                var rows = order.Skip(cursor).Take(options.BatchSize).Select(i => sequences[i]).ToList();
                cursor += rows.Count;
                var batch = masker.Mask(rows, random);
                var stepStart = clock.Elapsed;

                using var scope = NewDisposeScope();
                double learningRate = schedule.At(step);
                foreach (var group in optimizer.ParamGroups) group.LearningRate = learningRate;

                var losses = Forward(module, batch);
                double loss = losses.Total.item<float>();
                double gradNorm = double.NaN;
                if (double.IsFinite(loss))
                {
                    losses.Total.backward();
                    gradNorm = nn.utils.clip_grad_norm_(parameters, options.MaxGradNorm);
                }
                if (!double.IsFinite(loss) || !double.IsFinite(gradNorm))
                {
                    optimizer.zero_grad();
                    skipped++;
                    consecutiveBad++;
                    onWarning?.Invoke($"Step {step + 1}: the {(double.IsFinite(loss) ? "gradient norm" : "loss")} is not finite; the step was skipped ({skipped} so far).");
                    if (consecutiveBad > options.MaxConsecutiveNonFiniteSteps)
                        throw new BertAdaptException("TrainingDiverged", BertAdaptErrorKind.InvalidOperation,
                            $"Training stopped: {consecutiveBad} consecutive steps had a non-finite loss or gradient. Lower -LearningRate or check the data.");
                    continue;
                }
                consecutiveBad = 0;
                optimizer.step();
                optimizer.zero_grad();

                step++;
                var seconds = (clock.Elapsed - stepStart).TotalSeconds;
                var metrics = new TrainingStepMetrics(model.StepsTrained + 1, epoch, loss, learningRate, gradNorm,
                    batch.TokenCount, batch.MaskedPositions.Length, batch.TokenCount / Math.Max(seconds, 1e-9), clock.Elapsed.TotalSeconds);
                model.RecordStep(metrics);
                lastLoss = loss;
                metricsWriter?.WriteLine(JsonSerializer.Serialize(metrics));
                metricsWriter?.Flush();
                onStep?.Invoke(metrics, totalSteps);
            }
        }
        finally
        {
            module.eval();
        }
        return new MlmTrainingResult(step, lastLoss, cancelled, skipped);
    }

    internal static Modeling.PreTrainingLosses Forward(Modeling.BertForPreTraining module, MlmBatch batch)
    {
        var shape = new long[] { batch.Rows, batch.Length };
        var ids = tensor(batch.InputIds, shape);
        var types = tensor(batch.TokenTypeIds, shape);
        var mask = tensor(batch.AttentionMask, shape);
        var positions = tensor(batch.MaskedPositions);
        var labels = tensor(batch.MaskedLabels);
        var nsp = batch.NextSentenceLabels is null ? null : tensor(batch.NextSentenceLabels);
        return module.Losses(ids, types, mask, positions, labels, nsp);
    }
}
