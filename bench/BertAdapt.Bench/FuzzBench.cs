using BertAdapt.Engine.Tests.Fuzzing;

namespace BertAdapt.Bench;

/// <summary>
/// The long run of the checkpoint fuzzer (the xunit test runs 2,400 cases of seed 17): the same
/// mutations and checks, another seed, <c>cases</c> cases.
/// </summary>
public static class FuzzBench
{
    public static FuzzReport Run(string repositoryRoot, int seed, int cases, Action<string> log)
    {
        using var seeds = FuzzSeeds.Create(Path.Combine(repositoryRoot, "tests", "fixtures"));
        var ids = CheckpointFuzzer.ReadDocumentedIds(Path.Combine(repositoryRoot, "en-US", "about_BertAdapt.help.txt"));
        return new CheckpointFuzzer(seeds, ids).Run(seed, cases, log);
    }

    /// <summary>The folder above <paramref name="start"/> that holds BertAdapt.slnx.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "BertAdapt.slnx"))) return directory.FullName;
        throw new DirectoryNotFoundException($"No folder above '{start}' holds BertAdapt.slnx; pass --repo.");
    }
}
