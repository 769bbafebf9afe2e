using BertAdapt.Engine.Data;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Evaluation;

/// <summary>Masked-token perplexity over a set of sequences.</summary>
public sealed record PerplexityResult(double Perplexity, double Loss, long Tokens, long MaskedTokens, int Sequences);

public static class PerplexityEvaluator
{
    /// <summary>
    /// exp(mean cross-entropy) over masked tokens, with BERT's 80/10/10 masking drawn from a
    /// fixed seed, so the same model and corpus always give the same number.
    /// </summary>
    public static PerplexityResult Measure(BertModel model, IReadOnlyList<int[]> sequences, int batchSize = 32,
        double maskProbability = 0.15, long seed = 0, Action<int, int>? onBatch = null, CancellationToken cancellation = default)
    {
        if (sequences.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData, "There are no sequences to measure.");
        if (batchSize <= 0)
            throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument, "BatchSize must be positive.");
        var masker = new MlmMasker(model.Vocabulary, maskProbability);
        var random = new Random(unchecked((int)seed));
        var module = model.Module;
        bool wasTraining = module.training;
        module.eval();
        double lossSum = 0;
        long masked = 0, tokens = 0;
        int batches = (sequences.Count + batchSize - 1) / batchSize;
        try
        {
            using var noGrad = no_grad();
            for (int b = 0; b < batches; b++)
            {
                cancellation.ThrowIfCancellationRequested();
                var rows = sequences.Skip(b * batchSize).Take(batchSize).ToList();
                var batch = masker.Mask(rows, random);
                using var scope = NewDisposeScope();
                var shape = new long[] { batch.Rows, batch.Length };
                var sum = module.MaskedTokenLossSum(tensor(batch.InputIds, shape), tensor(batch.TokenTypeIds, shape),
                    tensor(batch.AttentionMask, shape), tensor(batch.MaskedPositions), tensor(batch.MaskedLabels));
                lossSum += sum.item<float>();
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
        return new PerplexityResult(Math.Exp(loss), loss, tokens, masked, sequences.Count);
    }
}
