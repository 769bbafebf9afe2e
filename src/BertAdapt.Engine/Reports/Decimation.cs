namespace BertAdapt.Engine.Reports;

/// <summary>A point of a chart series; a NaN Y marks a gap (nothing is drawn across it).</summary>
public readonly record struct ChartPoint(double X, double Y)
{
    public bool IsGap => !double.IsFinite(Y);
    /// <summary>The ends of an interval around Y, drawn by the intervals style; without them the point's Y is drawn alone.</summary>
    public double? Low { get; init; }
    public double? High { get; init; }
    /// <summary>This point's hover text, when the series has no <see cref="ChartSeries.Tooltip"/>.</summary>
    public string? Note { get; init; }
}

/// <summary>
/// Thins a long series for drawing with min/max buckets: each bucket of consecutive points
/// keeps its lowest and its highest point (in step order), so spikes and divergence stay
/// visible where averaging would hide them. Gaps (non-finite values) are kept as single gap
/// markers, so a decimated line breaks exactly where the original did.
/// </summary>
public static class Decimation
{
    public const int DefaultMaxPoints = 2000;

    public static List<ChartPoint> MinMax(IReadOnlyList<ChartPoint> points, int maxPoints = DefaultMaxPoints)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 4);
        var runs = FiniteRuns(points);
        int finite = runs.Sum(r => r.Count);
        // Every gap marker costs one point of the budget too.
        int budget = maxPoints - Math.Max(0, runs.Count - 1);
        if (finite + runs.Count - 1 <= maxPoints) return Join(runs, r => r);
        if (budget < 2 * runs.Count) return Join(runs.OrderByDescending(r => r.Count).Take(maxPoints / 3).OrderBy(r => r[0].X).ToList(), r => Ends(r));
        // Two points per run for sure, the rest shared out by length: the total stays within budget.
        long spare = budget - 2L * runs.Count;
        return Join(runs, r => Buckets(r, 2 + (int)(spare * r.Count / finite)));
    }

    /// <summary>The stretches of finite points between gaps, in order.</summary>
    static List<List<ChartPoint>> FiniteRuns(IReadOnlyList<ChartPoint> points)
    {
        var runs = new List<List<ChartPoint>>();
        List<ChartPoint>? current = null;
        foreach (var p in points)
        {
            if (p.IsGap || !double.IsFinite(p.X)) { current = null; continue; }
            if (current is null) runs.Add(current = []);
            current.Add(p);
        }
        return runs;
    }

    static List<ChartPoint> Join(List<List<ChartPoint>> runs, Func<List<ChartPoint>, List<ChartPoint>> thin)
    {
        var result = new List<ChartPoint>();
        foreach (var run in runs)
        {
            if (result.Count > 0) result.Add(new ChartPoint(run[0].X, double.NaN));
            result.AddRange(thin(run));
        }
        return result;
    }

    static List<ChartPoint> Ends(List<ChartPoint> run) => run.Count == 1 ? run : [run[0], run[^1]];

    /// <summary>At most <paramref name="target"/> points: min and max of each of target/2 equal buckets.</summary>
    static List<ChartPoint> Buckets(List<ChartPoint> run, int target)
    {
        if (run.Count <= target) return run;
        int buckets = Math.Max(1, target / 2);
        var kept = new List<ChartPoint>(target);
        for (int b = 0; b < buckets; b++)
        {
            int start = (int)((long)run.Count * b / buckets), end = (int)((long)run.Count * (b + 1) / buckets);
            int low = start, high = start;
            for (int i = start + 1; i < end; i++)
            {
                if (run[i].Y < run[low].Y) low = i;
                if (run[i].Y > run[high].Y) high = i;
            }
            kept.Add(run[Math.Min(low, high)]);
            if (low != high) kept.Add(run[Math.Max(low, high)]);
        }
        return kept;
    }
}
