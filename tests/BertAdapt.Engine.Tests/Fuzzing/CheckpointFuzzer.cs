using System.Diagnostics;
using System.Text.RegularExpressions;
using BertAdapt.Engine.Checkpoints;

namespace BertAdapt.Engine.Tests.Fuzzing;

/// <summary>What a fuzz run found; <see cref="Failures"/> holds the first of each bad outcome, with the case seed to reproduce it.</summary>
public sealed record FuzzReport(int Cases, int ValidModels, int ErrorIds, int UncleanErrors, int Crashes, int OverBound,
    IReadOnlyDictionary<string, int> ById, IReadOnlyDictionary<FuzzFileKind, int> ValidByKind, IReadOnlyList<string> Failures,
    long PeakWorkingSet, long WorkingSetGrowth, long MaxCaseAllocated, TimeSpan Elapsed, TimeSpan SlowestCase, string SlowestCaseName,
    long LiveTensorGrowth)
{
    public string FiguresLine =>
        $"fuzz: cases {Cases}, valid models {ValidModels}, error ids {ErrorIds}, unclean errors {UncleanErrors}, crashes {Crashes}, " +
        $"peak working set {PeakWorkingSet / 1048576.0:F0} MB; over the bound {OverBound}, working set grew {WorkingSetGrowth / 1048576.0:F0} MB after warm-up, " +
        $"largest managed allocation of a case {MaxCaseAllocated / 1048576.0:F1} MB, live tensors left {LiveTensorGrowth}, {Elapsed.TotalSeconds:F1} s, slowest case {SlowestCase.TotalMilliseconds:F0} ms ({SlowestCaseName})";
}

/// <summary>
/// Damages one checkpoint file per case (<see cref="FuzzFileKind"/>, in turn) and imports the
/// folder through <see cref="HfCheckpointDirectory.Import"/>, what Import-BertCheckpoint calls.
/// A case passes when it returns a model (disposed at once) or throws a
/// <see cref="BertAdaptException"/> whose ErrorId is in about_BertAdapt's ERROR IDS table with the
/// table's category, and no bug-shaped exception (null reference, index, cast) inside it. Anything
/// else is a crash (another exception type) or an unclean error. The bound: a case allocates at
/// most <see cref="CaseAllocationBound"/> of managed memory, and the working set grows at most
/// <see cref="WorkingSetGrowthBound"/> over the run (measured from after the first cases); the
/// report also counts the tensors of this thread left undisposed (<see cref="FuzzReport.LiveTensorGrowth"/>).
/// Case <c>i</c> of a run with seed <c>s</c> is <see cref="Mutate"/>(s, i): a failure names both.
/// </summary>
public sealed class CheckpointFuzzer(FuzzSeeds seeds, IReadOnlyDictionary<string, string> documentedIds)
{
    public const long CaseAllocationBound = 64L << 20, WorkingSetGrowthBound = 256L << 20;
    const int MaxFailuresKept = 20;

    static readonly Type[] BugShaped = [typeof(NullReferenceException), typeof(IndexOutOfRangeException), typeof(InvalidCastException), typeof(AccessViolationException)];

    /// <summary>The ERROR IDS table of en-US/about_BertAdapt.help.txt: id to category.</summary>
    public static IReadOnlyDictionary<string, string> ReadDocumentedIds(string aboutHelpPath)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        bool inSection = false;
        foreach (var line in File.ReadLines(aboutHelpPath))
        {
            if (Regex.IsMatch(line, "^[A-Z][A-Z /-]+$")) { inSection = line == "ERROR IDS"; continue; }
            var match = Regex.Match(line, @"^\s{8}(?<id>[A-Z]\w+)\s{2,}(?<category>[A-Z]\w+)\s{2,}\S");
            if (inSection && match.Success && match.Groups["id"].Value != "Id") ids[match.Groups["id"].Value] = match.Groups["category"].Value;
        }
        return ids;
    }

    /// <summary>The seed of case <paramref name="index"/> of a run seeded <paramref name="runSeed"/> (splitmix64, the same on every machine).</summary>
    public static int CaseSeed(int runSeed, int index)
    {
        ulong z = ((ulong)(uint)runSeed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }

    public static FuzzFileKind KindOf(int index) => FuzzFileKinds.All[index % FuzzFileKinds.All.Length];

    /// <summary>The damaged file of case <paramref name="index"/>: one to three mutations stacked, most of them aware of the file's format.</summary>
    public (byte[] Bytes, string What) Mutate(int runSeed, int index)
    {
        var kind = KindOf(index);
        var random = new Random(CaseSeed(runSeed, index));
        var bytes = seeds.Bytes(kind);
        int rounds = random.Next(10) switch { < 7 => 1, < 9 => 2, _ => 3 };
        var steps = new List<string>();
        for (int r = 0; r < rounds; r++)
        {
            string what;
            try
            {
                (bytes, what) = random.Next(10) < 3 ? ByteMutations.Apply(bytes, random) : kind switch
                {
                    FuzzFileKind.SafeTensors => SafeTensorsMutations.Apply(bytes, random),
                    FuzzFileKind.ZipBin => ZipMutations.Apply(bytes, random),
                    FuzzFileKind.LegacyBin => LegacyBin(bytes, random),
                    _ => JsonMutations.Apply(bytes, random),
                };
            }
            catch (Exception ex) when (r > 0)
            {
                // An earlier round broke the structure the format-aware mutation looks for.
                (bytes, what) = ByteMutations.Apply(bytes, random);
                what = $"({ex.GetType().Name} in the format-aware step) " + what;
            }
            steps.Add(what);
        }
        return (bytes, string.Join("; then ", steps));
    }

    /// <summary>The legacy format: five pickles (magic, protocol, system info, the state dict, the storage keys), then each storage's count and bytes.</summary>
    static (byte[], string) LegacyBin(byte[] bytes, Random random)
    {
        var ops = PickleMutations.Scan(bytes, 0, pickles: 5);
        if (random.Next(5) == 0 && ops.Count > 0 && ops[^1].End + 8 <= bytes.Length)
        {
            // The first storage's element count, just after the last pickle.
            var copy = (byte[])bytes.Clone();
            long value = ByteMutations.InterestingIntegers[random.Next(ByteMutations.InterestingIntegers.Length)];
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(copy.AsSpan(ops[^1].End), value);
            return (copy, $"first storage count at {ops[^1].End} -> {value}");
        }
        var (mutated, what) = PickleMutations.Apply(bytes, ops, random);
        return (mutated, "pickle " + what);
    }

    public FuzzReport Run(int runSeed, int cases, Action<string>? progress = null)
    {
        var byId = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var validByKind = FuzzFileKinds.All.ToDictionary(k => k, _ => 0);
        var failures = new List<string>();
        int valid = 0, ids = 0, unclean = 0, crashes = 0, overBound = 0;
        long peak = 0, baseline = 0, maxAllocated = 0;
        // Tensors of this thread not yet disposed: an import that failed half-way must not leave its model's behind.
        long liveBefore = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var slowest = TimeSpan.Zero;
        string slowestName = "";
        var clock = Stopwatch.StartNew();
        var caseClock = new Stopwatch();
        int warmup = Math.Min(cases, 60);

        void Fail(string what)
        {
            if (failures.Count < MaxFailuresKept) failures.Add(what);
        }

        try
        {
            for (int i = 0; i < cases; i++)
            {
                var kind = KindOf(i);
                var (bytes, what) = Mutate(runSeed, i);
                string name = $"case {i} of seed {runSeed} (case seed {CaseSeed(runSeed, i)}, {kind}: {what})";
                File.WriteAllBytes(Path.Combine(seeds.Folder(kind), kind.FileName()), bytes);
                long before = GC.GetAllocatedBytesForCurrentThread();
                caseClock.Restart();
                try
                {
                    // Half the cases as Import-BertCheckpoint -Force (unsupported tokenizer options are warnings), half without.
                    using var model = HfCheckpointDirectory.Import(seeds.Folder(kind), i % 4 < 2 ? _ => { } : null);
                    valid++;
                    validByKind[kind]++;
                }
                catch (BertAdaptException ex)
                {
                    string? problem = string.IsNullOrEmpty(ex.ErrorId) ? "it has no ErrorId"
                        : !documentedIds.TryGetValue(ex.ErrorId, out var category) ? $"its ErrorId {ex.ErrorId} is not in about_BertAdapt's ERROR IDS table"
                        : category != ex.Kind.ToString() ? $"its ErrorId {ex.ErrorId} has kind {ex.Kind}, the table says {category}"
                        : Inner(ex) is { } bug ? $"it wraps a {bug.GetType().Name} ({bug.Message}) at {Frame(bug)}"
                        : null;
                    if (problem is null)
                    {
                        ids++;
                        byId[ex.ErrorId] = byId.GetValueOrDefault(ex.ErrorId) + 1;
                    }
                    else
                    {
                        unclean++;
                        Fail($"unclean error: {name}: {problem}: {ex.Message}");
                    }
                }
                catch (Exception ex)
                {
                    crashes++;
                    Fail($"crash: {name}: {ex.GetType().FullName}: {FirstLine(ex.Message)}\n{ex.StackTrace}");
                }
                var elapsed = caseClock.Elapsed;
                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                maxAllocated = Math.Max(maxAllocated, allocated);
                if (elapsed > slowest) (slowest, slowestName) = (elapsed, name);
                long workingSet = Environment.WorkingSet;
                peak = Math.Max(peak, workingSet);
                if (i == warmup - 1) baseline = workingSet;
                if (allocated > CaseAllocationBound)
                {
                    overBound++;
                    Fail($"over the bound: {name}: allocated {allocated / 1048576.0:F1} MB of managed memory (bound {CaseAllocationBound >> 20} MB)");
                }
                if ((i + 1) % 1000 == 0) progress?.Invoke($"{i + 1} cases, {clock.Elapsed.TotalSeconds:F0} s, working set {workingSet / 1048576.0:F0} MB");
            }
        }
        finally
        {
            seeds.Restore();
        }
        long liveTensorGrowth = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount - liveBefore;
        long growth = baseline == 0 ? 0 : Math.Max(0, peak - baseline);
        if (growth > WorkingSetGrowthBound)
        {
            overBound++;
            Fail($"over the bound: the working set grew {growth / 1048576.0:F0} MB after case {warmup} (bound {WorkingSetGrowthBound >> 20} MB)");
        }
        return new FuzzReport(cases, valid, ids, unclean, crashes, overBound, byId, validByKind, failures, peak, growth, maxAllocated,
            clock.Elapsed, slowest, slowestName, liveTensorGrowth);
    }

    static Exception? Inner(Exception ex)
    {
        for (var inner = ex.InnerException; inner is not null; inner = inner.InnerException)
            if (BugShaped.Contains(inner.GetType())) return inner;
        return null;
    }

    static string FirstLine(string text) => text.Split('\n')[0];

    static string Frame(Exception ex) =>
        ex.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "(no stack)";
}
