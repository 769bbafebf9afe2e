namespace BertAdapt.Engine.Jobs;

/// <summary>
/// What one section of a job file may hold. The engine does not know the sections: the caller
/// describes them (the cmdlets do it from their own parameter metadata), so the two never drift.
/// </summary>
public sealed class JobSectionSchema
{
    /// <param name="name">The section's name, as written in the file (matched case-insensitively).</param>
    /// <param name="keys">Each allowed key and the type its value converts to (matched case-insensitively).</param>
    /// <param name="keySets">
    /// The combinations of keys that go together, like a cmdlet's parameter sets; the section must fit
    /// at least one. Null means any subset of the keys, with none required.
    /// </param>
    /// <param name="required">Whether the job file must have this section.</param>
    public JobSectionSchema(string name, IReadOnlyDictionary<string, Type> keys, IReadOnlyList<JobKeySet>? keySets = null, bool required = false)
    {
        Name = name;
        Keys = new Dictionary<string, Type>(keys, StringComparer.OrdinalIgnoreCase);
        KeySets = keySets ?? [new JobKeySet(keys.Keys, [])];
        Required = required;
    }

    public string Name { get; }
    public IReadOnlyDictionary<string, Type> Keys { get; }
    public IReadOnlyList<JobKeySet> KeySets { get; }
    public bool Required { get; }

    /// <summary>The key as the documentation spells it: camelCase.</summary>
    public static string DisplayName(string key) => key.Length == 0 ? key : char.ToLowerInvariant(key[0]) + key[1..];
}

/// <summary>Keys that may appear together, and those of them that must.</summary>
public sealed class JobKeySet
{
    public JobKeySet(IEnumerable<string> keys, IEnumerable<string> required)
    {
        Keys = new HashSet<string>(keys, StringComparer.OrdinalIgnoreCase);
        Required = new HashSet<string>(required, StringComparer.OrdinalIgnoreCase);
        Keys.UnionWith(Required);
    }

    public HashSet<string> Keys { get; }
    public HashSet<string> Required { get; }
}

/// <summary>
/// A further check of one converted value (for example a range); returns why it is not allowed,
/// or null when it is.
/// </summary>
public delegate string? JobValueCheck(string section, string key, object? value);
