using BertAdapt.Engine.Tests.Fuzzing;
using BertAdapt.Engine.Tests.Interop;
using Xunit.Abstractions;

namespace BertAdapt.Engine.Tests.Checkpoints;

/// <summary>
/// Issue 17: thousands of damaged safetensors, pytorch_model.bin (zip and legacy pickle),
/// config.json, tokenizer_config.json and tokenizer.json files, each imported as
/// Import-BertCheckpoint would: every one ends in a valid model or a documented error id, and
/// none allocates past <see cref="CheckpointFuzzer"/>'s bound. A failure names the case seed;
/// <see cref="CheckpointFuzzer.Mutate"/> with it rebuilds the file. The bench runs 20,000 more.
/// </summary>
/// <remarks>
/// The working-set bound is on the whole process, so the test runs alone, after the test classes
/// that run in parallel: beside them it counted their models (a clean clone failed once with the
/// working set 382 MB up in 3.5 s while every case stayed under its own allocation bound).
/// </remarks>
[Collection(nameof(ProcessMemoryCollection))]
public sealed class CheckpointFuzzTests(ITestOutputHelper output)
{
    public const int Seed = 17, Cases = 2_400;

    [Fact]
    public void DamagedCheckpointFilesEndInAModelOrADocumentedErrorId()
    {
        using var seeds = FuzzSeeds.Create(TestAssets.Fixture());
        var ids = CheckpointFuzzer.ReadDocumentedIds(Path.Combine(TestAssets.RepositoryRoot, "en-US", "about_BertAdapt.help.txt"));
        var report = new CheckpointFuzzer(seeds, ids).Run(Seed, Cases, output.WriteLine);

        output.WriteLine(report.FiguresLine);
        output.WriteLine("error ids: " + string.Join(", ", report.ById.Select(p => $"{p.Key} {p.Value}")));
        output.WriteLine("valid models by file: " + string.Join(", ", report.ValidByKind.Select(p => $"{p.Key} {p.Value}")));
        foreach (var failure in report.Failures) output.WriteLine(failure);

        Assert.True(report.Crashes == 0 && report.UncleanErrors == 0 && report.OverBound == 0,
            $"{report.FiguresLine}\n{string.Join("\n", report.Failures)}");
        Assert.Equal(Cases, report.ValidModels + report.ErrorIds);
        // Every model, imported or given up half-way, was disposed at once, none left to the finalizer.
        Assert.Equal(0, report.LiveTensorGrowth);
        // The mutations must reach past the first check of each file: many different ids, and some damage a reader accepts.
        Assert.True(report.ById.Count >= 10, "only these ids were seen: " + string.Join(", ", report.ById.Keys));
        Assert.True(report.ValidModels > 0);
    }
}
