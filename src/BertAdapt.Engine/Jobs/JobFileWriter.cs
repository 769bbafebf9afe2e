using System.Collections;
using System.Globalization;
using System.Text;

namespace BertAdapt.Engine.Jobs;

/// <summary>
/// Writes a job file that <see cref="JobFileParser"/> reads back to the same values: a comment,
/// then each section's settings, keys in camelCase, strings single-quoted (so that no text is
/// read as a number, a boolean or null), numbers in the invariant culture (doubles round-trip),
/// lists in brackets and encodings by name.
/// </summary>
public static class JobFileWriter
{
    public static string Text(IEnumerable<string> comment, IEnumerable<(string Section, IEnumerable<KeyValuePair<string, object?>> Settings)> sections)
    {
        var text = new StringBuilder();
        foreach (var line in comment) text.Append("# ").Append(line).Append('\n');
        foreach (var (section, settings) in sections)
        {
            text.Append(section).Append(":\n");
            foreach (var (key, value) in settings)
                text.Append("  ").Append(JobSectionSchema.DisplayName(key)).Append(": ").Append(Value(value)).Append('\n');
        }
        return text.ToString();
    }

    static string Value(object? value) => value switch
    {
        null => "null",
        string text => "'" + text.Replace("'", "''") + "'",
        bool flag => flag ? "true" : "false",
        Enum name => name.ToString(),
        double number => number.ToString("R", CultureInfo.InvariantCulture),
        float number => number.ToString("R", CultureInfo.InvariantCulture),
        Encoding encoding => encoding.WebName,
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(Value)) + "]",
        _ => Value(value.ToString()),
    };
}
