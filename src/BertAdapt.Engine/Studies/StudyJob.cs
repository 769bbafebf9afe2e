using System.Text;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// One run of a study as a scheduler runs it: its job file, the run it depends on, and its wave.
/// A run depends on at most one other (a fine-tuning run on its pre-training stage,
/// DomainThenTaskMlm's second stage on its first), so the runs of one wave are independent of each
/// other and depend only on runs of earlier waves: a scheduler runs the waves one after another,
/// and each wave's runs in parallel. <see cref="TaskIndex"/> numbers the runs of a wave from 0, as
/// a Slurm job array's SLURM_ARRAY_TASK_ID and a Kubernetes Indexed Job's JOB_COMPLETION_INDEX count.
/// </summary>
/// <param name="JobFile">The job file's name, in the folder of the index.</param>
public sealed record StudyJob(int Wave, int TaskIndex, string Run, string? DependsOn, string JobFile)
{
    public const string IndexName = "index.csv", JobFileSuffix = ".job.yaml";

    /// <summary>The study's runs in its order, each in the wave after the run it depends on (the first wave is 1).</summary>
    public static IReadOnlyList<StudyJob> Of(AdaptationPlan plan)
    {
        var waves = new Dictionary<string, int>();
        var runs = plan.Pretraining.Select(s => (s.Folder, DependsOn: s.Previous?.Folder))
            .Concat(plan.FineTuning.Select(r => (r.Folder, DependsOn: r.Pretrained?.Folder)));
        var jobs = new List<StudyJob>();
        foreach (var (folder, dependsOn) in runs)
        {
            int wave = dependsOn is null ? 1 : waves[dependsOn] + 1;
            waves[folder] = wave;
            jobs.Add(new StudyJob(wave, jobs.Count(j => j.Wave == wave), folder, dependsOn, folder + JobFileSuffix));
        }
        return jobs.OrderBy(j => j.Wave).ThenBy(j => j.TaskIndex).ToList();
    }

    /// <summary>
    /// index.csv: Wave, TaskIndex, Run, DependsOn, JobFile and RunFolder (the run's folder, relative
    /// to the index), one line per run, by wave.
    /// </summary>
    public static void WriteIndex(string path, IEnumerable<StudyJob> jobs, Func<StudyJob, string> runFolder)
    {
        var text = new StringBuilder("Wave,TaskIndex,Run,DependsOn,JobFile,RunFolder\n");
        foreach (var job in jobs)
            text.Append($"{job.Wave},{job.TaskIndex},{job.Run},{job.DependsOn},{job.JobFile},{StudyFiles.Quote(runFolder(job))}\n");
        StudyFiles.WriteAtomically(path, text.ToString());
    }
}
