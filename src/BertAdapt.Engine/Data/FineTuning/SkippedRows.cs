namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// The rows left out of a data set because they were invalid (with SkipInvalidRows): how many,
/// and the first few reasons, each led by where the row is ("train.csv:12 'text' is empty").
/// Without SkipInvalidRows the same check throws instead, so one place words both.
/// </summary>
public sealed class SkippedRows
{
    /// <summary>How many reasons are kept for a report.</summary>
    public const int KeptReasons = 5;

    readonly List<string> reasons = [];

    public int Count { get; private set; }

    /// <summary>The first <see cref="KeptReasons"/> rows' reasons, in the order they were found.</summary>
    public IReadOnlyList<string> FirstReasons => reasons;

    /// <summary>"skipped 3 rows: train.csv:12 'text' is empty; …", or "no rows skipped".</summary>
    public override string ToString() => Count switch
    {
        0 => "no rows skipped",
        _ => $"skipped {Count} {(Count == 1 ? "row" : "rows")}: {string.Join("; ", reasons)}{(Count > reasons.Count ? "; …" : "")}",
    };

    /// <summary>All the skipped rows of several steps (reading, then labelling), in order.</summary>
    public static SkippedRows Combine(params SkippedRows[] parts)
    {
        var all = new SkippedRows();
        foreach (var part in parts)
        {
            all.Count += part.Count;
            foreach (var reason in part.reasons)
                if (all.reasons.Count < KeptReasons) all.reasons.Add(reason);
        }
        return all;
    }

    /// <summary>
    /// Skips the row at <paramref name="source"/> when <paramref name="skip"/> is set; otherwise
    /// throws <paramref name="errorId"/> (InvalidData) saying where the row is and what is wrong.
    /// </summary>
    /// <param name="reason">What is wrong, as a phrase: "'text' is empty".</param>
    internal void Reject(string errorId, string source, string reason, bool skip, object? target)
    {
        if (!skip)
            throw new BertAdaptException(errorId, BertAdaptErrorKind.InvalidData, $"Invalid row at {source}: {reason}.", target);
        Count++;
        if (reasons.Count < KeptReasons) reasons.Add($"{source} {reason}");
    }

    internal const string RowInvalid = "FineTuneRowInvalid";
    internal const string LabelUnknown = "FineTuneLabelUnknown";
}

/// <summary>Rows (or sentences) read from one source, and those left out as invalid.</summary>
public sealed record FineTuneData<T>(IReadOnlyList<T> Items, SkippedRows Skipped);
