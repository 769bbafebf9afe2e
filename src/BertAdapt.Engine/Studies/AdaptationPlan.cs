using System.Globalization;
using BertAdapt.Engine.Data;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// Every run of a study, in the order they run: for each strategy and masking rate, its
/// pre-training stages, then its fine-tuning runs, one per seed. Each run has a folder of its own
/// (a run directory with the usual rerun rules), named from what it is, so the same study always
/// plans the same folders.
/// </summary>
/// <remarks>
/// Pre-training is once per strategy and masking rate, seeded with the first seed, and every
/// fine-tuning seed starts from that one model (as Gururangan et al. trained one DAPT model per
/// domain); the seed-to-seed spread is then fine-tuning's noise only. <c>PretrainEachSeed</c>
/// pre-trains once per seed instead, so the spread includes pre-training's noise too, at seeds
/// times the pre-training cost. DomainThenTaskMlm splits the budget: half the steps (rounded
/// down) on the domain corpus, the rest on the task's text, starting from the first half.
/// </remarks>
public sealed class AdaptationPlan
{
    AdaptationPlan(IReadOnlyList<PretrainStage> pretraining, IReadOnlyList<FineTuneRun> fineTuning)
    {
        Pretraining = pretraining;
        FineTuning = fineTuning;
    }

    public IReadOnlyList<PretrainStage> Pretraining { get; }
    public IReadOnlyList<FineTuneRun> FineTuning { get; }

    /// <summary>Pre-training then fine-tuning runs.</summary>
    public int RunCount => Pretraining.Count + FineTuning.Count;

    /// <param name="pretrainSteps">The pre-training budget of each pre-training strategy, in steps; ignored when only FineTuneOnly is asked for.</param>
    public static AdaptationPlan Create(IReadOnlyList<AdaptationStrategy> strategies, IReadOnlyList<double> maskProbabilities,
        IReadOnlyList<long> seeds, int pretrainSteps, bool pretrainEachSeed)
    {
        if (strategies.Count == 0) Fail("AdaptationStrategyInvalid", "Name at least one strategy.");
        if (strategies.Distinct().Count() != strategies.Count) Fail("AdaptationStrategyInvalid", "A strategy is named twice: " + string.Join(", ", strategies) + ".");
        if (seeds.Count == 0) Fail("AdaptationSeedsInvalid", "Give at least one seed.");
        if (seeds.Distinct().Count() != seeds.Count) Fail("AdaptationSeedsInvalid", "A seed is given twice: " + string.Join(", ", seeds) + "; the runs of one seed would be the same run.");
        bool pretrains = strategies.Any(s => s != AdaptationStrategy.FineTuneOnly);
        if (pretrains && maskProbabilities.Count == 0) Fail("AdaptationStrategyInvalid", "Give at least one masking rate.");
        if (maskProbabilities.Distinct().Count() != maskProbabilities.Count) Fail("AdaptationStrategyInvalid", "A masking rate is given twice.");
        if (maskProbabilities.Any(m => !(m > 0 && m < 1))) Fail("AdaptationStrategyInvalid", "Masking rates must be between 0 and 1.");
        if (pretrains && pretrainSteps < 1) Fail("AdaptationBudgetInvalid", $"The pre-training budget is {pretrainSteps} steps; it must be at least 1.");
        if (strategies.Contains(AdaptationStrategy.DomainThenTaskMlm) && pretrainSteps < 2)
            Fail("AdaptationBudgetInvalid", "DomainThenTaskMlm splits the pre-training budget between two stages, so it needs at least 2 steps.");

        var pretraining = new List<PretrainStage>();
        var fineTuning = new List<FineTuneRun>();
        // The study's order: the baseline first, so an early look at the folder has something to compare with.
        foreach (var strategy in strategies.OrderBy(s => s))
        {
            if (strategy == AdaptationStrategy.FineTuneOnly)
            {
                foreach (var seed in seeds) fineTuning.Add(new FineTuneRun($"finetune-{strategy}-s{seed}", strategy, null, seed, null));
                continue;
            }
            foreach (var mask in maskProbabilities)
            {
                var pretrainSeeds = pretrainEachSeed ? seeds : [seeds[0]];
                var last = new Dictionary<long, PretrainStage>();
                foreach (var pretrainSeed in pretrainSeeds)
                {
                    var name = $"pretrain-{strategy}-m{Rate(mask)}" + (pretrainEachSeed ? $"-s{pretrainSeed}" : "");
                    PretrainStage Stage(int number, string suffix, PretrainCorpus corpus, TrainingObjective objective, int steps, PretrainStage? previous)
                    {
                        var stage = new PretrainStage(name + suffix, strategy, number, corpus, objective, mask, pretrainSeed, steps, previous);
                        pretraining.Add(stage);
                        return stage;
                    }
                    last[pretrainSeed] = strategy switch
                    {
                        AdaptationStrategy.DomainMlm => Stage(1, "", PretrainCorpus.Domain, TrainingObjective.Mlm, pretrainSteps, null),
                        AdaptationStrategy.DomainMlmNsp => Stage(1, "", PretrainCorpus.Domain, TrainingObjective.MlmNsp, pretrainSteps, null),
                        AdaptationStrategy.TaskMlm => Stage(1, "", PretrainCorpus.Task, TrainingObjective.Mlm, pretrainSteps, null),
                        _ => Stage(2, "-2-task", PretrainCorpus.Task, TrainingObjective.Mlm, pretrainSteps - pretrainSteps / 2,
                            Stage(1, "-1-domain", PretrainCorpus.Domain, TrainingObjective.Mlm, pretrainSteps / 2, null)),
                    };
                }
                foreach (var seed in seeds)
                    fineTuning.Add(new FineTuneRun($"finetune-{strategy}-m{Rate(mask)}-s{seed}", strategy, mask, seed, last[pretrainEachSeed ? seed : seeds[0]]));
            }
        }
        return new AdaptationPlan(pretraining, fineTuning);
    }

    /// <summary>Steps for a budget in tokens: each step reads <paramref name="batchSize"/> sequences of <paramref name="sequenceLength"/> tokens, rounded up.</summary>
    public static int StepsForTokens(long tokens, int batchSize, int sequenceLength)
    {
        if (tokens < 1) Fail("AdaptationBudgetInvalid", $"The pre-training budget is {tokens} tokens; it must be at least 1.");
        long perStep = (long)batchSize * sequenceLength;
        long steps = (tokens + perStep - 1) / perStep;
        if (steps > int.MaxValue) Fail("AdaptationBudgetInvalid", $"{tokens} tokens at {perStep} tokens a step are more steps than a run can take.");
        return (int)steps;
    }

    /// <summary>A masking rate as it appears in folder names: 0.15, 0.3.</summary>
    public static string Rate(double mask) => mask.ToString("0.###", CultureInfo.InvariantCulture);

    static void Fail(string errorId, string message) => throw new BertAdaptException(errorId, BertAdaptErrorKind.InvalidArgument, message);
}
