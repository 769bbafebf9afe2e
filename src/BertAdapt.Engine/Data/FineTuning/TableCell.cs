using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace BertAdapt.Engine.Data.FineTuning;

enum CellKind
{
    /// <summary>Absent, or null.</summary>
    Missing,
    /// <summary>Text: a CSV/TSV cell, a JSON string, a .NET string.</summary>
    String,
    /// <summary>A number or true/false, kept as invariant text.</summary>
    Scalar,
    /// <summary>A JSON array or .NET sequence of strings, numbers or true/false.</summary>
    List,
    /// <summary>Anything else (a JSON object, an array of arrays, some other .NET type).</summary>
    Other,
}

/// <summary>
/// One column's value of one row, whatever the source format, so that one set of rules
/// (<see cref="LabeledRowBuilder"/>) checks CSV, JSON Lines and pipeline rows alike.
/// </summary>
/// <param name="Text">The string, or a scalar as invariant text ("0.5", "true").</param>
/// <param name="What">How error messages describe a value that is not text ("the number 5", "null", "an array").</param>
readonly record struct TableCell(CellKind Kind, string Text = "", IReadOnlyList<string>? Items = null, string What = "")
{
    public static TableCell Missing(string what = "missing") => new(CellKind.Missing, What: what);

    public static TableCell Of(string text) => new(CellKind.String, text, What: "text");

    public static TableCell Of(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined => Missing(),
        JsonValueKind.Null => Missing("null"),
        JsonValueKind.String => Of(value.GetString()!),
        JsonValueKind.Number => new(CellKind.Scalar, value.GetRawText(), What: $"the number {value.GetRawText()}"),
        JsonValueKind.True or JsonValueKind.False => new(CellKind.Scalar, value.GetRawText(), What: value.GetRawText()),
        JsonValueKind.Array => ListOf(value.EnumerateArray().Select(Of).ToList(), "an array"),
        _ => new(CellKind.Other, What: $"a JSON {value.ValueKind}"),
    };

    /// <summary>A pipeline property's value: strings, numbers, booleans and sequences of them.</summary>
    public static TableCell Of(object? value) => value switch
    {
        null or DBNull => Missing("null"),
        string text => Of(text),
        char c => Of(c.ToString()),
        bool b => new(CellKind.Scalar, b ? "true" : "false", What: b ? "true" : "false"),
        sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal or BigInteger =>
            new(CellKind.Scalar, Convert.ToString(value, CultureInfo.InvariantCulture)!, What: $"the number {Convert.ToString(value, CultureInfo.InvariantCulture)}"),
        IDictionary => new(CellKind.Other, What: $"a {value.GetType().Name}"),
        IEnumerable items => ListOf(items.Cast<object?>().Select(Of).ToList(), "a list"),
        _ => new(CellKind.Other, What: $"a {value.GetType().Name}"),
    };

    static TableCell ListOf(List<TableCell> items, string what)
    {
        foreach (var item in items)
            if (item.Kind is not (CellKind.String or CellKind.Scalar)) return new(CellKind.Other, What: $"{what} holding {item.What}");
        return new(CellKind.List, Items: items.Select(i => i.Text).ToList(), What: what);
    }
}
