using System.Globalization;

namespace BertAdapt.Bench;

/// <summary>
/// The share of CPU time the hypervisor gave to other guests ("steal", the 8th figure of
/// /proc/stat's cpu line) between two readings. On a shared host it tells a run that lost its
/// cores from one that was slow by itself; the load average cannot, since it counts only this
/// guest's own runnable threads. Null where /proc/stat does not exist (Windows, macOS).
/// </summary>
public sealed class CpuSteal
{
    readonly (long Steal, long Total)? start;
    (long Steal, long Total)? last;

    public CpuSteal() => start = last = Read();

    /// <summary>Steal as a percentage of all CPU time since the last call to this method (or construction).</summary>
    public double? PercentSinceLast()
    {
        var now = Read();
        var result = Percent(last, now);
        last = now;
        return result;
    }

    /// <summary>Steal as a percentage of all CPU time since construction.</summary>
    public double? PercentSinceStart() => Percent(start, Read());

    /// <summary>"steal 3.1%", or "steal ?" without /proc/stat.</summary>
    public static string Format(double? percent) => percent is double p ? $"steal {p.ToString("F1", CultureInfo.InvariantCulture)}%" : "steal ?";

    static double? Percent((long Steal, long Total)? before, (long Steal, long Total)? after)
    {
        if (before is not { } b || after is not { } a || a.Total <= b.Total) return null;
        return 100.0 * (a.Steal - b.Steal) / (a.Total - b.Total);
    }

    /// <summary>The aggregate cpu line's steal and the sum of its first eight figures (guest time is already inside user).</summary>
    static (long Steal, long Total)? Read()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path)) return null;
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal));
        if (line is null) return null;
        var figures = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        if (figures.Length < 8) return null;
        return (figures[7], figures.Sum());
    }
}
