using System.Globalization;

namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// Turns one row's cells into a <see cref="LabeledRow"/> by the rules every source shares, or
/// rejects it (<see cref="SkippedRows.Reject"/>): texts must be non-blank strings; a label
/// must be present and non-blank, one value for single-label, a number for regression, and a
/// list or separated string (possibly empty: no label applies) for multi-label.
/// </summary>
sealed class LabeledRowBuilder(FineTuneTask task, FineTuneReadOptions options)
{
    readonly List<LabeledRow> rows = [];
    readonly SkippedRows skipped = new();

    public FineTuneData<LabeledRow> Result() => new(rows, skipped);

    /// <summary>Rejects a row the source could not even split into cells (bad JSON).</summary>
    public void Reject(string source, string reason, object? target) =>
        skipped.Reject(SkippedRows.RowInvalid, source, reason, options.SkipInvalidRows, target);

    /// <param name="pair">Null when no pair column is read.</param>
    /// <param name="label">Null when no label column is read.</param>
    public void Add(string source, TableCell text, TableCell? pair, TableCell? label, object? target)
    {
        var problem = TextProblem(text, options.TextColumn)
            ?? (pair is { } p ? TextProblem(p, options.TextPairColumn!) : null);
        LabeledRow? row = null;
        if (problem is null)
        {
            row = new LabeledRow(text.Text, pair?.Text, null, source);
            if (label is { } cell) row = WithLabel(row, cell, out problem);
        }
        if (problem is null) rows.Add(row!);
        else Reject(source, problem, target);
    }

    static string? TextProblem(TableCell cell, string column) => cell.Kind switch
    {
        CellKind.String when string.IsNullOrWhiteSpace(cell.Text) => $"'{column}' is empty",
        CellKind.String => null,
        CellKind.Missing => $"'{column}' is {cell.What}",
        _ => $"'{column}' is {cell.What}, not text",
    };

    LabeledRow? WithLabel(LabeledRow row, TableCell cell, out string? problem)
    {
        var column = options.LabelColumn!;
        problem = null;
        if (cell.Kind == CellKind.Missing)
        {
            problem = $"'{column}' is {cell.What}";
            return null;
        }
        if (cell.Kind == CellKind.Other)
        {
            problem = $"'{column}' is {cell.What}, not a label";
            return null;
        }
        if (task == FineTuneTask.MultiLabelClassification)
        {
            var labels = MultiLabels(cell, out problem);
            return labels is null ? null : row with { Label = string.Join(options.LabelSeparator, labels), Labels = labels };
        }
        if (cell.Kind == CellKind.List)
        {
            problem = $"'{column}' is {cell.What}, but a {task} row has one label";
            return null;
        }
        var label = cell.Text.Trim();
        if (label.Length == 0)
        {
            problem = $"'{column}' is empty";
            return null;
        }
        if (task != FineTuneTask.Regression) return row with { Label = label };
        if (!TryParseValue(label, out double value))
        {
            problem = $"'{column}' is \"{label}\", not a finite number";
            return null;
        }
        return row with { Label = label, Value = value };
    }

    /// <summary>
    /// A multi-label cell's labels, trimmed, each once. A string is split on the separator; a
    /// blank string or an empty list means no label applies; an empty label between two
    /// separators, or a blank list item, is a problem (a likely typo, not a label).
    /// </summary>
    List<string>? MultiLabels(TableCell cell, out string? problem)
    {
        problem = null;
        IEnumerable<string> parts = cell.Kind switch
        {
            CellKind.List => cell.Items!,
            CellKind.String when string.IsNullOrWhiteSpace(cell.Text) => [],
            CellKind.String => cell.Text.Split(options.LabelSeparator),
            _ => [cell.Text],
        };
        var labels = new List<string>();
        foreach (var part in parts)
        {
            var label = part.Trim();
            if (label.Length == 0)
            {
                problem = cell.Kind == CellKind.List
                    ? $"'{options.LabelColumn}' holds an empty label"
                    : $"'{options.LabelColumn}' has an empty label between separators ('{options.LabelSeparator}')";
                return null;
            }
            if (!labels.Contains(label, StringComparer.Ordinal)) labels.Add(label);
        }
        return labels;
    }

    /// <summary>A regression target: an invariant-culture number ("0.5", "-1e3"), finite.</summary>
    internal static bool TryParseValue(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
