using BertAdapt.Engine.Data;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Evaluation;

/// <summary>Masked-token perplexity over a set of sequences.</summary>
public sealed record PerplexityResult(double Perplexity, double Loss, long Tokens, long MaskedTokens, long Sequences);

public static class PerplexityEvaluator
{
    /// <summary>
    /// exp(mean cross-entropy) over masked tokens, with BERT's 80/10/10 masking drawn from a
    /// fixed seed, so the same model and corpus always give the same number.
    /// </summary>
    public static PerplexityResult Measure(BertModel model, ITrainingExamples examples, int batchSize = 32,
        double maskProbability = 0.15, long seed = 0, Action<long, long>? onBatch = null, CancellationToken cancellation = default)
    {
        if (examples.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData, "There are no sequences to measure.");
        if (batchSize <= 0)
            throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument, "BatchSize must be positive.");
        var masker = new MlmMasker(model.Vocabulary, maskProbability);
        var module = model.Module;
        bool wasTraining = module.training;
        module.eval();
        double lossSum = 0;
        long masked = 0, tokens = 0;
        long batches = (examples.Count + batchSize - 1) / batchSize;
        try
        {
            using var noGrad = no_grad();
            for (long b = 0; b < batches; b++)
            {
                cancellation.ThrowIfCancellationRequested();
                long first = b * batchSize;
                var rows = new List<TrainingExample>(batchSize);
                for (long i = first; i < Math.Min(first + batchSize, examples.Count); i++) rows.Add(examples.Get(i, epoch: 0));
                var batch = masker.Collate(rows, r => StatelessRandom.For(seed, StatelessRandom.Streams.Masking, 0, first + r));
                using var scope = NewDisposeScope();
                try
                {
                    lossSum += module.MaskedTokenLossSum(batch).item<float>();
                }
                catch (Exception ex) when (DeviceOutOfMemory.Is(ex))
                {
                    throw DeviceOutOfMemory.Error(ex, model.Device, $"scoring a batch of {rows.Count} sequence(s) of {batch.Length} tokens",
                        "Lower -BatchSize or -SequenceLength.");
                }
                masked += batch.MaskedPositions.Length;
                tokens += batch.TokenCount;
                onBatch?.Invoke(b + 1, batches);
            }
        }
        finally
        {
            module.train(wasTraining);
        }
        double loss = lossSum / masked;
        return new PerplexityResult(Math.Exp(loss), loss, tokens, masked, examples.Count);
    }
}
