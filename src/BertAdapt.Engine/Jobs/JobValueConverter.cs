using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BertAdapt.Engine.Jobs;

/// <summary>Why a value does not convert, and the node to point at (an element, for a list).</summary>
internal sealed record JobValueProblem(YamlNode Node, string Message);

/// <summary>
/// Converts YAML nodes to parameter types. Numbers and booleans are read with the invariant
/// culture whether or not they are quoted, as PowerShell would convert them; anything else that
/// does not fit the type is a problem, never a silent default.
/// </summary>
internal static class JobValueConverter
{
    public static object? Convert(YamlNode node, Type type, out JobValueProblem? problem)
    {
        problem = null;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(object))
            return Plain(node, out problem);
        if (type.IsArray)
            return ConvertArray(node, type.GetElementType()!, out problem);
        if (node is not YamlScalarNode scalar)
        {
            problem = new(node, $"must be {Describe(type)}, not {KindOf(node)}");
            return null;
        }
        if (IsNull(scalar))
        {
            problem = new(node, "has no value");
            return null;
        }
        var value = ConvertScalar(scalar.Value!, type);
        if (value is null) problem = new(node, $"must be {Describe(type)}, not '{scalar.Value}'");
        return value;
    }

    static Array? ConvertArray(YamlNode node, Type elementType, out JobValueProblem? problem)
    {
        problem = null;
        // A single value stands for a one-element list, as it does when binding a PowerShell parameter.
        var items = node switch
        {
            YamlSequenceNode sequence => sequence.Children.ToList(),
            YamlScalarNode => [node],
            _ => null,
        };
        if (items is null || items.Count == 0)
        {
            problem = new(node, items is null ? $"must be a list of {Plural(elementType)}, not {KindOf(node)}" : "is an empty list");
            return null;
        }
        var array = Array.CreateInstance(elementType, items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            var value = Convert(items[i], elementType, out problem);
            if (problem is not null)
                return null;
            array.SetValue(value, i);
        }
        return array;
    }

    static object? ConvertScalar(string text, Type type)
    {
        var invariant = CultureInfo.InvariantCulture;
        if (type == typeof(string)) return text;
        if (type == typeof(bool))
            return text.Equals("true", StringComparison.OrdinalIgnoreCase) ? true
                : text.Equals("false", StringComparison.OrdinalIgnoreCase) ? false : null;
        if (type.IsEnum)
            return Enum.GetNames(type).FirstOrDefault(n => n.Equals(text, StringComparison.OrdinalIgnoreCase)) is string name
                ? Enum.Parse(type, name) : null;
        if (IsInteger(type))
        {
            try
            {
                return long.TryParse(text, NumberStyles.AllowLeadingSign, invariant, out var whole)
                    ? System.Convert.ChangeType(whole, type, invariant) : null;
            }
            catch (OverflowException)
            {
                return null;
            }
        }
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
            return double.TryParse(text, NumberStyles.Float, invariant, out var number) && double.IsFinite(number)
                ? System.Convert.ChangeType(number, type, invariant) : null;
        if (type == typeof(System.Text.Encoding))
            return Data.Corpora.TextEncodings.FromName(text);
        return null;
    }

    /// <summary>
    /// A value of type object (such as New-BertModel's -Config): a plain scalar is typed the way
    /// YAML's core schema types it, a quoted one stays text, and mappings become dictionaries.
    /// </summary>
    static object? Plain(YamlNode node, out JobValueProblem? problem)
    {
        problem = null;
        switch (node)
        {
            case YamlMappingNode mapping:
                var table = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (key, child) in mapping.Children)
                {
                    if (key is not YamlScalarNode { Value: string name })
                    {
                        problem = new(key, "has a key that is not a plain name");
                        return null;
                    }
                    table[name] = Plain(child, out problem);
                    if (problem is not null) return null;
                }
                return table;
            case YamlSequenceNode sequence:
                var list = new object?[sequence.Children.Count];
                for (int i = 0; i < list.Length; i++)
                {
                    list[i] = Plain(sequence.Children[i], out problem);
                    if (problem is not null) return null;
                }
                return list;
            case YamlScalarNode scalar when scalar.Style is ScalarStyle.Plain or ScalarStyle.Any:
                if (IsNull(scalar)) return null;
                var text = scalar.Value!;
                return ConvertScalar(text, typeof(bool))
                    ?? ConvertScalar(text, typeof(int))
                    ?? ConvertScalar(text, typeof(long))
                    ?? ConvertScalar(text, typeof(double))
                    ?? text;
            case YamlScalarNode quoted:
                return quoted.Value;
            default:
                problem = new(node, "is not a value");
                return null;
        }
    }

    /// <summary>YAML's null: an empty plain value, ~ or null.</summary>
    public static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any } scalar
        && (string.IsNullOrEmpty(scalar.Value) || scalar.Value is "~" or "null" or "Null" or "NULL");

    static bool IsInteger(Type type) => Type.GetTypeCode(type) is TypeCode.Byte or TypeCode.SByte or TypeCode.Int16
        or TypeCode.UInt16 or TypeCode.Int32 or TypeCode.UInt32 or TypeCode.Int64 or TypeCode.UInt64;

    public static string KindOf(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        _ => "a single value",
    };

    public static string Describe(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray) return $"one or more {Plural(type.GetElementType()!)}";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type));
        if (type == typeof(bool)) return "true or false";
        if (IsInteger(type)) return "an integer";
        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal)) return "a number";
        if (type == typeof(string)) return "a single value";
        if (type == typeof(System.Text.Encoding)) return "an encoding: " + Data.Corpora.TextEncodings.Choices;
        return $"a {type.Name}";
    }

    static string Plural(Type type) => type == typeof(string) ? "values" : IsInteger(type) ? "integers" : $"{type.Name} values";
}
