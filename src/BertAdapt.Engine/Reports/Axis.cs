namespace BertAdapt.Engine.Reports;

/// <summary>
/// A chart axis: a domain widened to round tick values (1, 2, 2.5 or 5 times a power of ten,
/// about five of them), or on a log axis the 1-2-5 values of each decade.
/// </summary>
public sealed class Axis
{
    readonly bool log;

    Axis(double min, double max, double step, IReadOnlyList<double> ticks, bool log)
    {
        Min = min;
        Max = max;
        Step = step;
        Ticks = ticks;
        this.log = log;
    }

    public double Min { get; }
    public double Max { get; }
    /// <summary>The distance between ticks (linear axes), which decides how many decimals a label needs.</summary>
    public double Step { get; }
    public IReadOnlyList<double> Ticks { get; }

    /// <summary>Where a value sits between Min (0) and Max (1).</summary>
    public double Fraction(double value) => log
        ? (Math.Log10(value) - Math.Log10(Min)) / (Math.Log10(Max) - Math.Log10(Min))
        : (value - Min) / (Max - Min);

    public string Label(double value) => Html.Number(value, log ? value : Step);

    /// <summary>A linear axis over [low, high]; integer axes (steps) never get fractional ticks.</summary>
    public static Axis Linear(double low, double high, bool integer, int targetTicks = 5)
    {
        if (high - low < 1e-12 * Math.Max(1, Math.Abs(high)))
        {
            // One value (a single step, or a flat line): centre it in a small range.
            double pad = integer ? 1 : Math.Abs(low) > 0 ? Math.Abs(low) * 0.1 : 1;
            (low, high) = (low - pad, high + pad);
            if (integer && low < 0 && high - 1 >= 0) low = 0;
        }

        double step = NiceStep((high - low) / targetTicks);
        if (integer) step = Math.Max(1, step);
        double min = Math.Floor(low / step) * step, max = Math.Ceiling(high / step) * step;
        var ticks = new List<double>();
        for (int i = 0; min + i * step <= max + step * 1e-9; i++) ticks.Add(Clean(min + i * step, step));
        return new Axis(min, max, step, ticks, log: false);
    }

    /// <summary>
    /// A categorical axis of <paramref name="count"/> positions 0, 1, 2, ..., each a tick, with half
    /// a position of room either side so the first and last are not drawn on the frame.
    /// </summary>
    public static Axis Positions(int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return new Axis(-0.5, count - 0.5, 1, Enumerable.Range(0, count).Select(i => (double)i).ToList(), log: false);
    }

    /// <summary>A log axis over [low, high] (both positive), bounded by the nearest 1-2-5 values.</summary>
    public static Axis Log(double low, double high)
    {
        int first = (int)Math.Floor(Math.Log10(low)), last = (int)Math.Ceiling(Math.Log10(high));
        // Wide ranges label the decades only, so the labels do not crowd.
        double[] mantissas = last - first > 3 ? [1] : [1, 2, 5];
        var candidates = new List<double>();
        for (int e = first; e <= last; e++)
            foreach (var m in mantissas) candidates.Add(m * Math.Pow(10, e));
        double min = candidates.Where(c => c <= low * (1 + 1e-9)).DefaultIfEmpty(Math.Pow(10, first)).Max();
        double max = candidates.Where(c => c >= high * (1 - 1e-9)).DefaultIfEmpty(Math.Pow(10, last)).Min();
        if (max <= min) max = min * 10;
        var ticks = candidates.Where(c => c >= min * (1 - 1e-9) && c <= max * (1 + 1e-9)).ToList();
        return new Axis(min, max, 0, ticks, log: true);
    }

    static double NiceStep(double rough)
    {
        if (!(rough > 0) || !double.IsFinite(rough)) return 1;
        double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double scaled = rough / power;
        double nice = scaled <= 1 ? 1 : scaled <= 2 ? 2 : scaled <= 2.5 ? 2.5 : scaled <= 5 ? 5 : 10;
        return nice * power;
    }

    /// <summary>Removes float noise such as 0.30000000000000004 from a tick value.</summary>
    static double Clean(double value, double step) => Math.Abs(value) < step * 1e-9 ? 0 : Math.Round(value / step) * step;
}
