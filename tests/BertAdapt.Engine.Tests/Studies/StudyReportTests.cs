using BertAdapt.Engine.Studies;
namespace BertAdapt.Engine.Tests.Studies;

public sealed class StudyReportTests
{
    [Fact]
    public void WallTimeAddsUpTheSessionsOfAResumedRun()
    {
        static TrainingStepMetrics Line(double elapsed, long tokens, double? score = null) =>
            new(1, 0, 1, 1e-4, 1, tokens, 0, 1, elapsed) { ValidationScore = score, ValidationMetric = score is null ? null : "macro-F1" };
        var metrics = RunMetrics.Of([Line(1, 10), Line(2, 10, 0.4), Line(0.5, 10), Line(1.5, 10, 0.6)]);
        Assert.Equal(2 + 1.5, metrics.WallSeconds, 12);
        Assert.Equal(40, metrics.Tokens);
        Assert.Equal(4, metrics.Steps);
        Assert.Equal(0.6, metrics.LastScore);
        Assert.Equal("macro-F1", metrics.Metric);
    }

    [Fact]
    public void EachStrategyIsComparedWithFineTuneOnlyFromItsRunsRecords()
    {
        var plan = AdaptationPlan.Create([AdaptationStrategy.FineTuneOnly, AdaptationStrategy.DomainThenTaskMlm], [0.15], [1, 2, 3], 10, false);
        var records = new Dictionary<string, StudyRunRecord>();
        double[] baseline = [0.60, 0.62, 0.64], adapted = [0.80, 0.82, 0.84];
        for (int i = 0; i < 3; i++)
        {
            records[plan.FineTuning[i].Folder] = new StudyRunRecord { Kind = StudyRunRecord.FineTune, Metric = "macro-F1", Score = baseline[i], Tokens = 100, WallSeconds = 1 };
            records[plan.FineTuning[3 + i].Folder] = new StudyRunRecord { Kind = StudyRunRecord.FineTune, Metric = "macro-F1", Score = adapted[i], Tokens = 100, WallSeconds = 1 };
        }
        records[plan.Pretraining[0].Folder] = new StudyRunRecord { Kind = StudyRunRecord.Pretrain, Steps = 5, Tokens = 1000, WallSeconds = 10, DomainPerplexity = 50 };
        records[plan.Pretraining[1].Folder] = new StudyRunRecord { Kind = StudyRunRecord.Pretrain, Steps = 5, Tokens = 500, WallSeconds = 5, DomainPerplexity = 40, ReferencePerplexity = 90 };
        var reports = StudyReport.Summarize(plan, new StudyRunRecord { DomainPerplexity = 100, ReferencePerplexity = 80 }, records, "10 steps");

        Assert.Equal(2, reports.Count);
        var (only, both) = (reports[0], reports[1]);
        Assert.Equal(AdaptationVerdict.Baseline, only.Verdict);
        Assert.Equal(0.62, only.MetricMean, 12);
        Assert.Equal(0.02, only.MetricStdDev!.Value, 12);
        Assert.Equal("0.6 0.62 0.64", only.SeedScores.ToString());
        Assert.Null(only.DomainPerplexityAfter);

        Assert.Equal(AdaptationVerdict.Better, both.Verdict);
        Assert.Equal(0.2, both.Difference!.Value, 12);
        Assert.True(both.DifferenceLow > 0);
        Assert.Equal(100, both.DomainPerplexityBefore);
        Assert.Equal(40, both.DomainPerplexityAfter);
        Assert.Equal(80, both.ReferencePerplexityBefore);
        Assert.Equal(90, both.ReferencePerplexityAfter);
        Assert.Equal(10, both.PretrainSteps);
        Assert.Equal(1500 + 300, both.TokensProcessed);
        Assert.Equal(15 + 3, both.WallSeconds, 12);
        Assert.Contains("split 5 (Domain) + 5 (Task) steps", both.PretrainBudget);
        Assert.Equal(5, both.Runs.Count);
    }

    [Fact]
    public void WithoutFineTuneOnlyThereIsNoVerdict()
    {
        var plan = AdaptationPlan.Create([AdaptationStrategy.TaskMlm], [0.15], [1, 2], 4, false);
        var records = plan.FineTuning.ToDictionary(r => r.Folder, r => new StudyRunRecord { Score = 0.5 + r.Seed / 10.0 });
        records[plan.Pretraining[0].Folder] = new StudyRunRecord();
        var report = Assert.Single(StudyReport.Summarize(plan, new StudyRunRecord { DomainPerplexity = 3 }, records, "4 steps"));
        Assert.Equal(AdaptationVerdict.Undetermined, report.Verdict);
        Assert.Null(report.Difference);
    }
}
