using System.Collections;
using System.Globalization;
using System.Management.Automation;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// Reads the text (and the other named properties) of one object from the pipeline: a string
/// is its own text, any other object gives the text of a named property. An object without the
/// property, or whose property holds no text, is a problem with that one item, reported as an
/// ErrorRecord for the cmdlet to write; it never becomes its string form ("@{summary=...}").
/// </summary>
internal static class PipelineItem
{
    public const string PropertyNotFound = "InputPropertyNotFound", NotText = "InputNotText";

    /// <summary>The text of <paramref name="item"/>: itself when it is a string, else its <paramref name="property"/>.</summary>
    public static bool TryGetText(PSObject? item, string property, string parameter, out string text, out ErrorRecord? error)
    {
        text = "";
        if (item?.BaseObject is string s) { text = s; error = null; return true; }
        if (!TryGetValue(item, property, parameter, out var value, out error)) return false;
        return TryAsText(item!, property, value, out text, out error);
    }

    /// <summary>The value of a property the user named (-IdProperty, -TextPairProperty); a missing property is an error.</summary>
    public static bool TryGetValue(PSObject? item, string property, string parameter, out object? value, out ErrorRecord? error)
    {
        value = null;
        error = null;
        if (item is null || item.BaseObject is null)
        {
            error = ErrorRecords.Create(NotText, ErrorCategory.InvalidArgument, "The input is null, so it has no text.");
            return false;
        }
        var found = item.Properties[property];
        if (found is null)
        {
            var names = item.Properties.Select(p => p.Name).ToList();
            var has = names.Count == 0 ? "it has no properties" : $"its properties are {string.Join(", ", names.Take(12))}{(names.Count > 12 ? ", ..." : "")}";
            error = ErrorRecords.Create(PropertyNotFound, ErrorCategory.InvalidArgument,
                $"The input ({Describe(item)}) has no '{property}' property ({parameter}); {has}. Name the right property with {parameter}.", item);
            return false;
        }
        value = found.Value is PSObject wrapped ? wrapped.BaseObject : found.Value;
        return true;
    }

    /// <summary>A property's value as text: a string, or a single number, date or flag in the invariant culture.</summary>
    public static bool TryAsText(PSObject item, string property, object? value, out string text, out ErrorRecord? error)
    {
        text = "";
        error = null;
        switch (value)
        {
            case string s:
                text = s;
                return true;
            case IConvertible scalar when value is not IEnumerable:
                text = Convert.ToString(scalar, CultureInfo.InvariantCulture) ?? "";
                return true;
            default:
                var what = value is null ? "is null" : $"holds a {value.GetType().FullName}";
                error = ErrorRecords.Create(NotText, ErrorCategory.InvalidArgument,
                    $"The '{property}' property of the input ({Describe(item)}) {what}, not a text.", item);
                return false;
        }
    }

    // A short description of an item for a message: its type and, for a pipeline row, its first properties.
    static string Describe(PSObject item)
    {
        var type = item.BaseObject is PSCustomObject ? "an object" : $"a {item.BaseObject.GetType().Name}";
        var shown = string.Join("; ", item.Properties.Take(3).Select(p => $"{p.Name}={Shorten(Convert.ToString(SafeValue(p), CultureInfo.InvariantCulture))}"));
        return shown.Length == 0 ? type : $"{type} with {shown}{(item.Properties.Count() > 3 ? "; ..." : "")}";
    }

    static object? SafeValue(PSPropertyInfo property)
    {
        try { return property.Value; }
        catch (GetValueException) { return "?"; }
    }

    static string Shorten(string? text) => text is null ? "" : text.Length <= 30 ? text : text[..27] + "...";
}
