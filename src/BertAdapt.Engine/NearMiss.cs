namespace BertAdapt.Engine;

/// <summary>
/// "Did you mean ...?" for a misspelt name: the closest candidate by edit distance, with case,
/// '_' and '-' ignored, when it is close enough to be a slip rather than another word.
/// </summary>
public static class NearMiss
{
    /// <summary>The closest candidate, or null when none is within a slip's distance.</summary>
    public static string? Closest(string written, IEnumerable<string> candidates)
    {
        var folded = Fold(written);
        var best = candidates.Select(c => (Name: c, Distance: Distance(folded, Fold(c)))).MinBy(c => c.Distance);
        return best.Name is not null && best.Distance <= Math.Max(2, folded.Length / 3) ? best.Name : null;
    }

    /// <summary>"Did you mean 'x'?" for a near miss, else <paramref name="listIntro"/> and every candidate.</summary>
    public static string Hint(string written, IEnumerable<string> candidates, string listIntro)
    {
        var all = candidates.ToList();
        return Closest(written, all) is string best
            ? $"Did you mean '{best}'?"
            : $"{listIntro} {Names(all.Select(c => $"'{c}'"), "and")}.";
    }

    /// <summary>"a, b and c".</summary>
    public static string Names(IEnumerable<string> names, string conjunction)
    {
        var list = names.ToList();
        return list.Count <= 1 ? string.Concat(list) : $"{string.Join(", ", list[..^1])} {conjunction} {list[^1]}";
    }

    static string Fold(string s) => s.Replace("_", "").Replace("-", "").ToLowerInvariant();

    /// <summary>Levenshtein distance.</summary>
    static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
