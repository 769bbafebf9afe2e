using BertAdapt.Engine.Studies;
namespace BertAdapt.Engine.Tests.Studies;

public sealed class StudyJobTests
{
    [Fact]
    public void EachRunIsOneWaveAfterTheRunItStartsFromAndTaskIndexesCountEachWaveFromZero()
    {
        var plan = AdaptationPlan.Create([AdaptationStrategy.FineTuneOnly, AdaptationStrategy.DomainThenTaskMlm], [0.15], [1, 2], 10, pretrainEachSeed: false);
        var jobs = StudyJob.Of(plan);

        Assert.Equal(plan.RunCount, jobs.Count);
        Assert.Equal(
            [
                (1, 0, "pretrain-DomainThenTaskMlm-m0.15-1-domain", (string?)null),
                (1, 1, "finetune-FineTuneOnly-s1", null),
                (1, 2, "finetune-FineTuneOnly-s2", null),
                (2, 0, "pretrain-DomainThenTaskMlm-m0.15-2-task", "pretrain-DomainThenTaskMlm-m0.15-1-domain"),
                (3, 0, "finetune-DomainThenTaskMlm-m0.15-s1", "pretrain-DomainThenTaskMlm-m0.15-2-task"),
                (3, 1, "finetune-DomainThenTaskMlm-m0.15-s2", "pretrain-DomainThenTaskMlm-m0.15-2-task"),
            ],
            jobs.Select(j => (j.Wave, j.TaskIndex, j.Run, j.DependsOn)));
        Assert.All(jobs, j => Assert.Equal(j.Run + StudyJob.JobFileSuffix, j.JobFile));
    }

    [Fact]
    public void PretrainingEachSeedMakesEachFineTuningRunDependOnItsOwnSeedsStage()
    {
        var plan = AdaptationPlan.Create([AdaptationStrategy.DomainMlm], [0.15], [1, 2], 10, pretrainEachSeed: true);
        var jobs = StudyJob.Of(plan);
        Assert.Equal(["pretrain-DomainMlm-m0.15-s1", "pretrain-DomainMlm-m0.15-s2"], jobs.Where(j => j.Wave == 1).Select(j => j.Run));
        Assert.Equal("pretrain-DomainMlm-m0.15-s2", jobs.Single(j => j.Run == "finetune-DomainMlm-m0.15-s2").DependsOn);
        Assert.Equal([0, 1], jobs.Where(j => j.Wave == 2).Select(j => j.TaskIndex));
    }

    [Fact]
    public void TheIndexHasOneLinePerJobWithItsRunFolder()
    {
        var path = Path.Combine(Path.GetTempPath(), $"index-{Guid.NewGuid():N}.csv");
        try
        {
            var plan = AdaptationPlan.Create([AdaptationStrategy.FineTuneOnly, AdaptationStrategy.TaskMlm], [0.3], [5], 4, pretrainEachSeed: false);
            StudyJob.WriteIndex(path, StudyJob.Of(plan), j => "../my study, 2/runs/" + j.Run);
            Assert.Equal(
                [
                    "Wave,TaskIndex,Run,DependsOn,JobFile,RunFolder",
                    "1,0,pretrain-TaskMlm-m0.3,,pretrain-TaskMlm-m0.3.job.yaml,\"../my study, 2/runs/pretrain-TaskMlm-m0.3\"",
                    "1,1,finetune-FineTuneOnly-s5,,finetune-FineTuneOnly-s5.job.yaml,\"../my study, 2/runs/finetune-FineTuneOnly-s5\"",
                    "2,0,finetune-TaskMlm-m0.3-s5,pretrain-TaskMlm-m0.3,finetune-TaskMlm-m0.3-s5.job.yaml,\"../my study, 2/runs/finetune-TaskMlm-m0.3-s5\"",
                ],
                File.ReadAllLines(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
