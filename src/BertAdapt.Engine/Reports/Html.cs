using System.Globalization;
using System.Text;

namespace BertAdapt.Engine.Reports;

/// <summary>Escaping and number formatting for the report, culture-invariant so reports compare across machines.</summary>
public static class Html
{
    /// <summary>
    /// Escapes text for element content and quoted attribute values. Control characters other
    /// than tab and newline become U+FFFD, since they are not allowed in HTML at all.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            escaped.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                '\t' or '\n' => c.ToString(),
                _ when char.IsControl(c) => "\uFFFD",
                _ => c.ToString(),
            });
        }
        return escaped.ToString();
    }

    /// <summary>
    /// A number as a person reads it on an axis or in a table: "0", "2.5", "0.031", "5e-5",
    /// "12k", "1.5M"; <paramref name="resolution"/> (a tick step) decides the decimals.
    /// </summary>
    public static string Number(double value, double resolution = 0)
    {
        if (double.IsNaN(value)) return "n/a";
        if (double.IsInfinity(value)) return value > 0 ? "∞" : "−∞";
        if (value == 0) return "0";
        double magnitude = Math.Abs(value);
        if (resolution <= 0) resolution = magnitude;
        if (magnitude >= 1e6) return (value / 1e6).ToString(resolution >= 1e6 ? "0.#" : "0.##", CultureInfo.InvariantCulture) + "M";
        if (magnitude >= 1e4) return (value / 1e3).ToString(resolution >= 1e3 ? "0.#" : "0.##", CultureInfo.InvariantCulture) + "k";
        // Tiny values, or an axis of tiny steps (learning rates), read best all in one exponent style.
        if (magnitude < 1e-3 || resolution < 1e-3) return value.ToString("0.##e-0", CultureInfo.InvariantCulture);
        int decimals = Math.Clamp((int)Math.Ceiling(-Math.Log10(resolution) - 1e-9), 0, 4);
        // Steps like 2.5 or 0.25 need one more decimal than their power of ten.
        if (Math.Abs(resolution / Math.Pow(10, -decimals) - Math.Round(resolution / Math.Pow(10, -decimals))) > 1e-6) decimals = Math.Min(decimals + 1, 4);
        return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>A value with a fixed number of significant digits, for the summary ("3.142", "0.0271").</summary>
    public static string Significant(double value, int digits = 4)
    {
        if (!double.IsFinite(value) || value == 0) return Number(value);
        double magnitude = Math.Abs(value);
        if (magnitude >= 1e6 || magnitude < 1e-3) return value.ToString("0.###e-0", CultureInfo.InvariantCulture);
        int decimals = Math.Clamp(digits - 1 - (int)Math.Floor(Math.Log10(magnitude)), 0, 8);
        return value.ToString("N" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>"42 s", "3 min 05 s", "2 h 07 min".</summary>
    public static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0) return "n/a";
        if (seconds < 60) return seconds.ToString(seconds < 10 ? "0.0" : "0", CultureInfo.InvariantCulture) + " s";
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours} h {t.Minutes:00} min")
            : string.Create(CultureInfo.InvariantCulture, $"{t.Minutes} min {t.Seconds:00} s");
    }
}
