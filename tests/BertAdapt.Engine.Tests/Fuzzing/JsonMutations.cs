using System.Text;
using System.Text.Json.Nodes;

namespace BertAdapt.Engine.Tests.Fuzzing;

/// <summary>
/// Structural damage to a JSON document: a value replaced by one readers mishandle (huge,
/// negative, fractional, NaN-ish, a string for a number, the wrong container), keys dropped,
/// duplicated or renamed, arrays nested past any sane depth, the root replaced. Values no
/// <see cref="JsonNode"/> can hold (1e400, NaN, duplicate keys) are spliced into the text through markers.
/// </summary>
public static class JsonMutations
{
    const string Marker = "@@FUZZ-VALUE@@", KeyMarker = "@@FUZZ-KEY@@";

    static readonly string[] Values =
    [
        "0", "-1", "1", "-0", "1.5", "-2.5e-300", "1e308", "1e400", "-1e400", "2147483647", "2147483648", "-2147483649", "4294967296",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "123456789012345678901234567890", "NaN", "Infinity", "-Infinity",
        "\"NaN\"", "\"Infinity\"", "\"12\"", "\"\"", "\"\\ud800\"", "\"\\u0000\"", "true", "false", "null", "[]", "{}", "[1,2,3]", "[\"a\"]",
        "{\"type\":\"WordPiece\"}", "\"BertForPreTraining\"", "\"bert\"", "\"[UNK]\"",
    ];

    static readonly int[] Depths = [2, 63, 64, 65, 200, 5000, 100_000];

    public static (byte[] Bytes, string What) Apply(byte[] data, Random random)
    {
        // A file an earlier mutation left unparsable (or with a duplicate key, which JsonNode finds only when walked) gets byte damage instead.
        JsonNode? root;
        var slots = new List<(JsonNode Container, object Key, JsonNode? Value)>();
        try
        {
            root = JsonNode.Parse(data);
            if (root is not null) Collect(root, slots);
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or ArgumentException or InvalidOperationException) { return ByteMutations.Apply(data, random); }
        if (root is null) return ByteMutations.Apply(data, random);
        if (slots.Count == 0 || random.Next(12) == 0) return Text(RootReplacement(root, random, out var what), what);

        var (container, key, value) = slots[random.Next(slots.Count)];
        switch (random.Next(8))
        {
            case 0:
            case 1:
            {
                string raw = Values[random.Next(Values.Length)];
                Set(container, key, Marker);
                return Text(Serialize(root).Replace(Quoted(Marker), raw), $"set {Describe(key)} to {raw}");
            }
            case 2:
                Remove(container, key);
                return Text(Serialize(root), $"removed {Describe(key)}");
            case 3 when container is JsonObject obj:
            {
                // A second member of the same name, with the same or another value.
                string raw = random.Next(2) == 0 ? value?.ToJsonString() ?? "null" : Values[random.Next(Values.Length)];
                obj[KeyMarker] = Marker;
                return Text(Serialize(root).Replace(Quoted(KeyMarker), Quoted((string)key)).Replace(Quoted(Marker), raw), $"duplicated key {Describe(key)} with {raw}");
            }
            case 4:
            {
                int depth = Depths[random.Next(Depths.Length)];
                Set(container, key, Marker);
                return Text(Serialize(root).Replace(Quoted(Marker), new string('[', depth) + new string(']', depth)), $"nested {Describe(key)} {depth} arrays deep");
            }
            case 5 when container is JsonObject obj:
            {
                string name = (string)key;
                string renamed = random.Next(3) switch { 0 => name.ToUpperInvariant(), 1 => name + "_", _ => " " + name };
                obj.Remove(name);
                obj[renamed] = value?.DeepClone();
                return Text(Serialize(root), $"renamed {Describe(key)} to '{renamed}'");
            }
            case 6:
            {
                // A long string, or a big array of numbers, where anything was.
                string raw = random.Next(2) == 0 ? Quoted(new string('x', 1 << random.Next(4, 17)))
                    : "[" + string.Join(",", Enumerable.Range(0, 1 << random.Next(4, 15)).Select(i => (i * 7919 % 1000).ToString())) + "]";
                Set(container, key, Marker);
                return Text(Serialize(root).Replace(Quoted(Marker), raw), $"set {Describe(key)} to {raw.Length} characters of {(raw[0] == '"' ? "string" : "array")}");
            }
            default:
                // Text-level damage to what is still a JSON file: a byte mutation of its serialised form.
                var (bytes, what) = ByteMutations.Apply(Encoding.UTF8.GetBytes(Serialize(root)), random);
                return (bytes, "re-serialised, then " + what);
        }
    }

    static string RootReplacement(JsonNode root, Random random, out string what)
    {
        switch (random.Next(4))
        {
            case 0: what = "wrapped the root in an array"; return "[" + Serialize(root) + "]";
            case 1: what = "replaced the root with a scalar"; return Values[random.Next(Values.Length)];
            case 2: what = "added unknown members"; return Serialize(root).TrimEnd().TrimEnd('}') + ",\"fuzz_unknown\":{\"a\":[1,{\"b\":null}]},\"\":0}";
            default: what = "emptied the root"; return root is JsonArray ? "[]" : "{}";
        }
    }

    static void Collect(JsonNode node, List<(JsonNode, object, JsonNode?)> slots)
    {
        if (node is JsonObject obj)
            foreach (var (index, (name, value)) in obj.ToList().Index())
            {
                // Big objects (a vocabulary) would drown everything else: sample a few of their members.
                if (obj.Count > 16 && index % (obj.Count / 8) != 0) continue;
                slots.Add((obj, name, value));
                if (value is not null) Collect(value, slots);
            }
        else if (node is JsonArray array)
            for (int i = 0; i < array.Count; i++)
            {
                if (array.Count > 16 && i % (array.Count / 8) != 0) continue;
                slots.Add((array, i, array[i]));
                if (array[i] is { } item) Collect(item, slots);
            }
    }

    static void Set(JsonNode container, object key, string value)
    {
        if (container is JsonObject obj) obj[(string)key] = value;
        else ((JsonArray)container)[(int)key] = value;
    }

    static void Remove(JsonNode container, object key)
    {
        if (container is JsonObject obj) obj.Remove((string)key);
        else ((JsonArray)container).RemoveAt((int)key);
    }

    static string Describe(object key) => key is string name ? $"'{name}'" : $"item {key}";

    static string Quoted(string text) => "\"" + text + "\"";

    static string Serialize(JsonNode root) => root.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    static (byte[], string) Text(string text, string what) => (Encoding.UTF8.GetBytes(text), what);
}
