using System.Diagnostics;
using System.Runtime.InteropServices;

namespace BertAdapt.Bench;

/// <summary>The CPU's own rates, per core: its clock, and the fp32 FMA and bf16 dot-product instructions' FLOPs per cycle.</summary>
public sealed record InstructionRates(string Model, int Family, string Flags, double ClockHz, double Fp32FlopsPerCycle, double Bf16FlopsPerCycle,
    double Fp32FlopsPerSecond, double Bf16FlopsPerSecond, double Bf16FlopsPerSecondAllCores, int Cores);

/// <summary>
/// Measures what the hardware itself can do, below any library: three tiny x86-64 loops written as
/// machine code (bytes from GNU as, the assembly beside each) and run from an executable page. A
/// chain of dependent 64-bit adds (one cycle each on every x86 core) gives the clock; twelve
/// independent accumulators of <c>vfmadd231ps zmm</c> (32 FLOPs each) and of <c>vdpbf16ps zmm</c>
/// (16 lanes × 2 bf16 products + 2 adds = 64 FLOPs each) give the FLOPs per cycle. Each loop runs
/// short (tens of ms) and the best of many repeats counts, so a core taken by another process
/// lengthens some repeats but not the best one. .NET has no bf16 intrinsics, hence the machine code.
/// Linux x86-64 with avx512f and avx512_bf16 only; null elsewhere.
/// </summary>
public static class InstructionPeak
{
    // mov eax,0x3f803f80; vpbroadcastd zmm30/zmm31,eax (bf16 pair 1.0,1.0); vpxor ymm0..ymm11 (zero the accumulators);
    // loop: 12 × OP zmm0..zmm11, zmm31, zmm30; dec rdi; jnz loop; vzeroupper; ret.   OP = vdpbf16ps here ...
    const string DotBf16 = "b8803f803f62627d487cf062627d487cf8c5fdefc0c5f5efc9c5edefd2c5e5efdbc5ddefe4c5d5efedc5cdeff6c5c5efffc4413defc0c44135efc9c4412defd2c44125efdb"
        + "6292064052c66292064052ce6292064052d66292064052de6292064052e66292064052ee6292064052f66292064052fe6212064052c66212064052ce6212064052d66212064052de48ffcf75b3c5f877c3";
    // ... and vfmadd231ps here.
    const string FmaFp32 = "b8803f803f62627d487cf062627d487cf8c5fdefc0c5f5efc9c5edefd2c5e5efdbc5ddefe4c5d5efedc5cdeff6c5c5efffc4413defc0c44135efc9c4412defd2c44125efdb"
        + "62920540b8c662920540b8ce62920540b8d662920540b8de62920540b8e662920540b8ee62920540b8f662920540b8fe62120540b8c662120540b8ce62120540b8d662120540b8de48ffcf75b3c5f877c3";
    // xor eax,eax; loop: 8 × add rax,rdi; dec rsi; jnz loop; ret  (returns rdi·8·rsi, so the chain is really computed).
    const string AddChain = "31c04801f84801f84801f84801f84801f84801f84801f84801f848ffce75e3c3";

    [DllImport("libc", SetLastError = true)] static extern IntPtr mmap(IntPtr address, UIntPtr length, int protection, int flags, int fd, IntPtr offset);
    [DllImport("libc")] static extern int munmap(IntPtr address, UIntPtr length);

    public static unsafe InstructionRates? Measure(int threads)
    {
        var cpu = CpuInfo();
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64
            || !cpu.Flags.Split(' ').Contains("avx512f") || !cpu.Flags.Split(' ').Contains("avx512_bf16")) return null;
        const int page = 4096;
        var memory = mmap(IntPtr.Zero, page, 0x7 /* read|write|exec */, 0x22 /* private|anonymous */, -1, IntPtr.Zero);
        if (memory == new IntPtr(-1)) return null;
        try
        {
            var code = Convert.FromHexString(DotBf16 + FmaFp32 + AddChain);
            Marshal.Copy(code, 0, memory, code.Length);
            var dot = (delegate* unmanaged<long, void>)memory;
            var fma = (delegate* unmanaged<long, void>)(memory + DotBf16.Length / 2);
            var add = (delegate* unmanaged<long, long, long>)(memory + (DotBf16.Length + FmaFp32.Length) / 2);

            const long chain = 2_000_000; // 16M dependent adds, ~4 ms
            if (add(3, chain) != 3 * 8 * chain) throw new InvalidOperationException("The add-chain kernel returned a wrong sum.");
            double clock = 8.0 * chain / Best(() => add(3, chain), 60);
            const long loops = 1_000_000; // 12M instructions, ~6 ms at 2 per cycle
            double fp32 = 12.0 * 32 * loops / Best(() => fma(loops), 40);
            double bf16 = 12.0 * 64 * loops / Best(() => dot(loops), 40);
            // All cores at once: the same loop on one thread per core, started together; the slowest thread's best round counts.
            double allCores = threads * 12.0 * 64 * loops / Best(() =>
                Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => dot(loops)), 40);
            return new InstructionRates(cpu.Model, cpu.Family, cpu.Flags, clock, fp32 / clock, bf16 / clock, fp32, bf16, allCores, threads);
        }
        finally { munmap(memory, page); }
    }

    static double Best(Action run, int repeats)
    {
        run();
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return best;
    }

    static double Best(Func<long> run, int repeats) => Best(() => { _ = run(); }, repeats);

    /// <summary>
    /// AMD's documented bf16 rate per core and cycle, and why: family 26 is Zen 5, whose server and
    /// desktop cores execute 512-bit operations natively on two FMA pipes (vdpbf16ps zmm: 16 lanes ×
    /// 2 products × 2 FLOPs, two a cycle); family 25 with avx512_bf16 is Zen 4, which runs them on
    /// 256-bit pipes, one zmm a cycle. NaN for other processors.
    /// </summary>
    public static (double FlopsPerCycle, string Why) DocumentedBf16(int family) => family switch
    {
        26 => (128, "Zen 5 (family 26): two 512-bit FMA pipes, vdpbf16ps zmm = 16 lanes x 2 products x 2 FLOPs, 2 a cycle"),
        25 => (64, "Zen 4 (family 25): 512-bit ops on two 256-bit FMA pipes, vdpbf16ps zmm = 64 FLOPs, 1 a cycle"),
        _ => (double.NaN, $"family {family}: no documented rate known to this bench"),
    };

    /// <summary>The model name, family/model numbers and flags of the first processor in /proc/cpuinfo.</summary>
    public static (string Model, int Family, string Flags) CpuInfo()
    {
        if (!File.Exists("/proc/cpuinfo")) return ("unknown", 0, "");
        var lines = File.ReadLines("/proc/cpuinfo").TakeWhile(l => l.Length > 0)
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
        string Get(string key) => lines.TryGetValue(key, out var v) ? v : "?";
        return ($"{Get("model name")} (family {Get("cpu family")}, model {Get("model")})", int.TryParse(Get("cpu family"), out var f) ? f : 0, Get("flags"));
    }
}
