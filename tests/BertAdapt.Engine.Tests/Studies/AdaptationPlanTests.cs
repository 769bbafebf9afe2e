using BertAdapt.Engine.Data;
using BertAdapt.Engine.Studies;
namespace BertAdapt.Engine.Tests.Studies;

public sealed class AdaptationPlanTests
{
    static readonly AdaptationStrategy[] All = Enum.GetValues<AdaptationStrategy>();

    [Fact]
    public void EveryStrategyAtTwoRatesAndThreeSeeds()
    {
        var plan = AdaptationPlan.Create(All, [0.15, 0.3], [1, 2, 3], 100, pretrainEachSeed: false);
        // 4 pre-training strategies x 2 rates: one stage each, DomainThenTaskMlm two.
        Assert.Equal(2 * 5, plan.Pretraining.Count);
        // FineTuneOnly x 3 seeds + 4 strategies x 2 rates x 3 seeds.
        Assert.Equal(3 + 24, plan.FineTuning.Count);
        Assert.Equal(plan.Pretraining.Count + plan.FineTuning.Count, plan.RunCount);
        var folders = plan.Pretraining.Select(s => s.Folder).Concat(plan.FineTuning.Select(r => r.Folder)).ToList();
        Assert.Equal(folders.Count, folders.Distinct().Count());
        Assert.Equal("finetune-FineTuneOnly-s1", plan.FineTuning[0].Folder);
        Assert.Contains("pretrain-DomainMlm-m0.3", folders);
        Assert.Contains("finetune-TaskMlm-m0.15-s2", folders);
    }

    [Fact]
    public void FineTuningSeedsShareOnePretrainedModelSeededWithTheFirstSeed()
    {
        var plan = AdaptationPlan.Create([AdaptationStrategy.DomainMlmNsp], [0.15], [7, 8, 9], 50, pretrainEachSeed: false);
        var stage = Assert.Single(plan.Pretraining);
        Assert.Equal(7, stage.Seed);
        Assert.Equal(TrainingObjective.MlmNsp, stage.Objective);
        Assert.Equal(50, stage.Steps);
        Assert.All(plan.FineTuning, r => Assert.Same(stage, r.Pretrained));
        Assert.Equal([7L, 8, 9], plan.FineTuning.Select(r => r.Seed));
    }

    [Fact]
    public void PretrainEachSeedGivesEverySeedItsOwnPretraining()
    {
        var plan = AdaptationPlan.Create([AdaptationStrategy.DomainMlm], [0.15], [1, 2], 50, pretrainEachSeed: true);
        Assert.Equal(["pretrain-DomainMlm-m0.15-s1", "pretrain-DomainMlm-m0.15-s2"], plan.Pretraining.Select(s => s.Folder));
        Assert.All(plan.FineTuning, r => Assert.Equal(r.Seed, r.Pretrained!.Seed));
    }

    [Fact]
    public void DomainThenTaskSplitsTheBudgetAndChainsTheStages()
    {
        var plan = AdaptationPlan.Create([AdaptationStrategy.DomainThenTaskMlm], [0.15], [1, 2], 7, pretrainEachSeed: false);
        Assert.Equal(2, plan.Pretraining.Count);
        var (domain, task) = (plan.Pretraining[0], plan.Pretraining[1]);
        Assert.Equal((PretrainCorpus.Domain, 3, 1), (domain.Corpus, domain.Steps, domain.Stage));
        Assert.Equal((PretrainCorpus.Task, 4, 2), (task.Corpus, task.Steps, task.Stage));
        Assert.Same(domain, task.Previous);
        Assert.All(plan.FineTuning, r => Assert.Same(task, r.Pretrained));
        Assert.Equal(7, StudyReport.Chain(task).Sum(s => s.Steps));
    }

    [Fact]
    public void TaskMlmReadsTheTaskCorpus()
    {
        var plan = AdaptationPlan.Create([AdaptationStrategy.FineTuneOnly, AdaptationStrategy.TaskMlm], [0.3], [1], 10, false);
        Assert.Equal(PretrainCorpus.Task, Assert.Single(plan.Pretraining).Corpus);
        Assert.Null(plan.FineTuning[0].Pretrained);
    }

    [Fact]
    public void FineTuneOnlyNeedsNoBudget() =>
        Assert.Empty(AdaptationPlan.Create([AdaptationStrategy.FineTuneOnly], [], [1, 2], 0, false).Pretraining);

    [Theory]
    [InlineData("AdaptationSeedsInvalid", new long[] { 1, 1 }, 10)]
    [InlineData("AdaptationSeedsInvalid", new long[0], 10)]
    [InlineData("AdaptationBudgetInvalid", new long[] { 1 }, 0)]
    public void BadPlansAreRefused(string id, long[] seeds, int steps)
    {
        var e = Assert.Throws<BertAdaptException>(() => AdaptationPlan.Create([AdaptationStrategy.DomainMlm], [0.15], seeds, steps, false));
        Assert.Equal(id, e.ErrorId);
    }

    [Fact]
    public void DomainThenTaskNeedsTwoSteps() =>
        Assert.Equal("AdaptationBudgetInvalid", Assert.Throws<BertAdaptException>(() =>
            AdaptationPlan.Create([AdaptationStrategy.DomainThenTaskMlm], [0.15], [1], 1, false)).ErrorId);

    [Fact]
    public void ATwiceNamedStrategyIsRefused() =>
        Assert.Equal("AdaptationStrategyInvalid", Assert.Throws<BertAdaptException>(() =>
            AdaptationPlan.Create([AdaptationStrategy.TaskMlm, AdaptationStrategy.TaskMlm], [0.15], [1], 5, false)).ErrorId);

    [Theory]
    [InlineData(1, 16, 128, 1)]
    [InlineData(2048, 16, 128, 1)]
    [InlineData(2049, 16, 128, 2)]
    [InlineData(1_000_000, 8, 64, 1954)]
    public void TokensBecomeStepsRoundedUp(long tokens, int batch, int length, int steps) =>
        Assert.Equal(steps, AdaptationPlan.StepsForTokens(tokens, batch, length));
}
