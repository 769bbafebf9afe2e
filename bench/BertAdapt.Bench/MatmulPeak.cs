using System.Diagnostics;
using static TorchSharp.torch;

namespace BertAdapt.Bench;

/// <summary>One matmul shape in one dtype: its rate (2·m·k·n FLOPs over the median and the best time) and whether its product was right.</summary>
public sealed record MatmulRow(string Type, long M, long K, long N, int Runs, double MedianSeconds, double BestSeconds,
    double FlopsPerSecond, double BestFlopsPerSecond, double RelativeError, double ErrorBound)
{
    public bool Correct => RelativeError <= ErrorBound;
    public string Shape => M == K && K == N ? $"{M}²" : $"{M}x{K}·{K}x{N}";
}

/// <summary>
/// libtorch's matmul rate, measured so that it cannot flatter itself: several sizes, square and the
/// encoder's own shapes; every timed product is computed in full (the whole result is reduced, not
/// one element read) and checked against a float64 product of the same inputs (rounded to the
/// dtype first), by the relative Frobenius error. A bf16 product rounds its output to 8 significant
/// bits (relative error up to 2^-9 per element, about 0.1-0.2% in the Frobenius norm for random
/// inputs); the bound is 1%. float32 is held to 1e-4. A product that was not computed, or computed
/// wrongly, reads as an error near 1.
/// </summary>
public static class MatmulPeak
{
    /// <summary>(m, k, n): squares, then base's FFN and QKV shapes for 1,024 tokens (B=8, T=128).</summary>
    public static readonly (long M, long K, long N)[] Shapes =
        [(512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048), (4096, 4096, 4096), (1024, 768, 3072), (1024, 3072, 768), (1024, 768, 2304)];

    public static List<MatmulRow> Measure(ScalarType type, int threads, bool quick)
    {
        TorchSharp.torch.set_num_threads(threads);
        var rows = new List<MatmulRow>();
        foreach (var (m, k, n) in Shapes)
        {
            if (quick && m == 4096 && type == ScalarType.Float32) continue; // 1 s a product; the other sizes already show the plateau
            rows.Add(Run(type, m, k, n, runs: m * k * n >= 4096L * 4096 * 4096 ? 4 : 8));
        }
        return rows;
    }

    static MatmulRow Run(ScalarType type, long m, long k, long n, int runs)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var a = randn(m, k).to(type);
        var b = randn(k, n).to(type);
        var times = new List<double>();
        Tensor? product = null;
        for (int i = 0; i < runs + 2; i++)
        {
            var clock = Stopwatch.StartNew();
            var c = matmul(a, b);
            _ = c.sum().to(ScalarType.Float64).item<double>(); // the whole product, not c[0, 0]
            if (i >= 2) times.Add(clock.Elapsed.TotalSeconds);
            product?.Dispose();
            product = c;
        }
        using var exact = matmul(a.to(ScalarType.Float64), b.to(ScalarType.Float64));
        double error = (product!.to(ScalarType.Float64) - exact).norm().item<double>() / exact.norm().item<double>();
        double flops = 2.0 * m * k * n;
        return new MatmulRow(type == ScalarType.BFloat16 ? "bf16" : "fp32", m, k, n, runs, TrainingBench.Median(times), times.Min(),
            flops / TrainingBench.Median(times), flops / times.Min(), error, type == ScalarType.BFloat16 ? 1e-2 : 1e-4);
    }

    /// <summary>The peak the MFU divides by: the highest median rate among the correct products; NaN when none was correct.</summary>
    public static double Trusted(IEnumerable<MatmulRow> rows) =>
        rows.Where(r => r.Correct).Select(r => r.FlopsPerSecond).DefaultIfEmpty(double.NaN).Max();
}
