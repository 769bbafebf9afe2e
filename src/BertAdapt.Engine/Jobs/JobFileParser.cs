using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace BertAdapt.Engine.Jobs;

/// <summary>
/// Reads a YAML job file against a schema and checks all of it before anything runs: a job
/// that a scheduler starts at 3 a.m. should fail at once on a typo, not after an hour of
/// training. Every problem names its line and column.
/// </summary>
public static class JobFileParser
{
    public static JobFile Parse(string path, IReadOnlyList<JobSectionSchema> schema, JobValueCheck? check = null)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new BertAdaptException("JobFileNotFound", BertAdaptErrorKind.ObjectNotFound, $"The job file '{full}' does not exist.", full);
        string text;
        try
        {
            text = File.ReadAllText(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BertAdaptException("JobFileUnreadable", BertAdaptErrorKind.ReadError, $"Cannot read the job file '{full}': {ex.Message}", full, ex);
        }
        return ParseText(text, full, schema, check);
    }

    /// <summary>Parses job text; <paramref name="path"/> is where it came from (it names the file in errors and anchors relative paths).</summary>
    public static JobFile ParseText(string text, string path, IReadOnlyList<JobSectionSchema> schema, JobValueCheck? check = null)
    {
        var errors = new List<JobFileError>();
        var root = Load(text, path);
        if (root is not YamlMappingNode mapping)
        {
            var mark = MarkOf(root);
            throw new JobFileException(path, [new($"The job file must be a mapping of sections ({NearMiss.Names(schema.Select(s => s.Name), "and")}), not {JobValueConverter.KindOf(root)}, at {mark}.", mark)]);
        }

        var found = new Dictionary<JobSectionSchema, JobSection>();
        var written = new Dictionary<JobSectionSchema, YamlScalarNode>();
        foreach (var (keyNode, value) in mapping.Children)
        {
            var mark = MarkOf(keyNode);
            if (keyNode is not YamlScalarNode { Value: string name })
            {
                errors.Add(new($"Section names must be plain names, not {JobValueConverter.KindOf(keyNode)}, at {mark}.", mark));
                continue;
            }
            var section = schema.FirstOrDefault(s => s.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (section is null)
            {
                errors.Add(new($"Unknown section '{name}' at {mark}. " + NearMiss.Hint(name, schema.Select(s => s.Name), "Sections are"), mark));
                continue;
            }
            if (written.TryGetValue(section, out var first))
            {
                errors.Add(new($"Section '{name}' at {mark} repeats '{first.Value}' from {MarkOf(first)}.", mark));
                continue;
            }
            written[section] = (YamlScalarNode)keyNode;
            if (ReadSection(section, name, mark, value, errors, check) is JobSection read)
                found[section] = read;
        }
        var rootMark = MarkOf(mapping);
        foreach (var missing in schema.Where(s => s.Required && !written.ContainsKey(s)))
            errors.Add(new($"The job file has no '{missing.Name}' section.", rootMark));

        if (errors.Count > 0)
            throw new JobFileException(path, errors);
        return new JobFile(path, schema.Where(found.ContainsKey).Select(s => found[s]).ToList());
    }

    static YamlNode Load(string text, string path)
    {
        var scanner = new Scanner(new StringReader(text));
        var stream = new YamlStream();
        try
        {
            stream.Load(new Parser(scanner));
        }
        catch (YamlException ex)
        {
            var mark = new JobFileMark((int)ex.Start.Line, (int)ex.Start.Column);
            var end = new JobFileMark((int)ex.End.Line, (int)ex.End.Column);
            // A scanner error starts at the token it was reading and ends where it gave up (a tab, the end of the file).
            var where = end.Line > mark.Line ? $"from {mark} to {end}" : $"at {mark}";
            const string duplicate = "Duplicate key ";
            var message = ex.Message.StartsWith(duplicate, StringComparison.Ordinal)
                ? $"Duplicate key '{ex.Message[duplicate.Length..]}' at {mark}."
                : $"The YAML is malformed {where}: {ex.Message}";
            throw new JobFileException(path, [new(message, mark)], ex);
        }
        catch (InvalidOperationException ex)
        {
            // YamlDotNet's scanner fails this way (without a mark) inside an unclosed [ or {.
            var mark = new JobFileMark((int)scanner.CurrentPosition.Line, (int)scanner.CurrentPosition.Column);
            throw new JobFileException(path, [new($"The YAML is malformed at {mark}: a '[' or '{{' before it is not closed.", mark)], ex);
        }
        if (stream.Documents.Count == 0)
            throw new JobFileException(path, [new("The job file is empty.", new(1, 1))]);
        if (stream.Documents.Count > 1)
        {
            var mark = MarkOf(stream.Documents[1].RootNode);
            throw new JobFileException(path, [new($"The job file holds {stream.Documents.Count} YAML documents; a second one starts at {mark}. A job file holds one.", mark)]);
        }
        return stream.Documents[0].RootNode;
    }

    static JobSection? ReadSection(JobSectionSchema schema, string name, JobFileMark mark, YamlNode value, List<JobFileError> errors, JobValueCheck? check)
    {
        if (JobValueConverter.IsNull(value))
            value = new YamlMappingNode();
        if (value is not YamlMappingNode mapping)
        {
            errors.Add(new($"Section '{name}' at {mark} must be a mapping of settings, not {JobValueConverter.KindOf(value)}.", mark));
            return null;
        }

        var settings = new List<JobSetting>();
        var spelled = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int before = errors.Count;
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            var keyMark = MarkOf(keyNode);
            if (keyNode is not YamlScalarNode { Value: string written })
            {
                errors.Add(new($"Keys in section '{name}' must be plain names, not {JobValueConverter.KindOf(keyNode)}, at {keyMark}.", keyMark));
                continue;
            }
            var key = schema.Keys.Keys.FirstOrDefault(k => k.Equals(written, StringComparison.OrdinalIgnoreCase));
            if (key is null)
            {
                errors.Add(new($"Unknown key '{written}' in section '{name}' at {keyMark}. "
                    + NearMiss.Hint(written, schema.Keys.Keys.Select(JobSectionSchema.DisplayName), $"The keys of '{name}' are"), keyMark));
                continue;
            }
            if (settings.FirstOrDefault(s => s.Key == key) is JobSetting earlier)
            {
                errors.Add(new($"'{written}' at {keyMark} repeats '{spelled[key]}' from {earlier.Mark} in section '{name}'.", keyMark));
                continue;
            }
            var converted = JobValueConverter.Convert(valueNode, schema.Keys[key], out var problem);
            if (problem is not null)
            {
                errors.Add(new($"'{written}' at {MarkOf(problem.Node)} {problem.Message}.", MarkOf(problem.Node)));
                continue;
            }
            if (check?.Invoke(schema.Name, key, converted) is string why)
            {
                errors.Add(new($"'{written}' at {MarkOf(valueNode)} is not allowed: {why}", MarkOf(valueNode)));
                continue;
            }
            spelled[key] = written;
            settings.Add(new JobSetting(key, converted, keyMark));
        }
        // Which keys go together only means something once each key is known to be valid.
        if (errors.Count == before)
            CheckKeySets(schema, name, mark, settings, spelled, errors);
        return new JobSection(schema.Name, mark, settings);
    }

    /// <summary>The section must fit one key set, as a cmdlet call must fit one parameter set.</summary>
    static void CheckKeySets(JobSectionSchema schema, string name, JobFileMark mark, List<JobSetting> settings, Dictionary<string, string> spelled, List<JobFileError> errors)
    {
        var given = settings.Select(s => s.Key).ToList();
        var fitting = schema.KeySets.Where(set => given.All(set.Keys.Contains)).ToList();
        if (fitting.Any(set => set.Required.All(given.Contains)))
            return;
        if (fitting.Count > 0)
        {
            var options = fitting.Select(set => NearMiss.Names(set.Required.Where(r => !given.Contains(r))
                .OrderBy(r => r, StringComparer.OrdinalIgnoreCase).Select(r => $"'{JobSectionSchema.DisplayName(r)}'"), "and")).Distinct();
            errors.Add(new($"Section '{name}' at {mark} needs {NearMiss.Names(options, "or")}.", mark));
            return;
        }
        for (int j = 1; j < settings.Count; j++)
            for (int i = 0; i < j; i++)
                if (!schema.KeySets.Any(set => set.Keys.Contains(given[i]) && set.Keys.Contains(given[j])))
                {
                    errors.Add(new($"'{spelled[given[j]]}' at {settings[j].Mark} cannot be used with '{spelled[given[i]]}' (at {settings[i].Mark}) in section '{name}'.", settings[j].Mark));
                    return;
                }
        errors.Add(new($"The keys of section '{name}' at {mark} cannot all be used together.", mark));
    }

    static JobFileMark MarkOf(YamlNode node) => new((int)node.Start.Line, (int)node.Start.Column);
}
