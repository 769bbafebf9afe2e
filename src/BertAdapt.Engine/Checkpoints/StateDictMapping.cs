namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// Matches the tensor names a checkpoint file uses to the parameters of
/// <c>BertForPreTraining</c>, the way Hugging Face's loader does: TF-era LayerNorm names
/// (<c>gamma</c>/<c>beta</c>) are renamed, a bare <c>BertModel</c> (no <c>bert.</c> prefix) is
/// accepted, the <c>position_ids</c> buffer and the tied decoder's duplicate keys are ignored,
/// parameters the file lacks are listed as missing and names the model lacks as unexpected.
/// </summary>
public sealed class StateDictMapping
{
    static readonly string[] EncoderRoots = ["embeddings.", "encoder.", "pooler."];

    StateDictMapping(Dictionary<string, string> sourceOf, List<string> missing, List<string> unexpected, List<string> renamed)
    {
        SourceOf = sourceOf;
        Missing = missing;
        Unexpected = unexpected;
        Renamed = renamed;
    }

    /// <summary>Model parameter name → the name the file stores it under.</summary>
    public IReadOnlyDictionary<string, string> SourceOf { get; }

    /// <summary>Parameters the file does not have (they keep their fresh initialisation).</summary>
    public IReadOnlyList<string> Missing { get; }

    /// <summary>Names in the file that no parameter takes (ignored).</summary>
    public IReadOnlyList<string> Unexpected { get; }

    /// <summary>"old → new" for every name that had to be translated.</summary>
    public IReadOnlyList<string> Renamed { get; }

    /// <summary>Names that are deliberately not loaded and not worth a warning.</summary>
    public static bool IsIgnorable(string modelName) =>
        modelName is "bert.embeddings.position_ids" or "cls.predictions.decoder.weight" or "cls.predictions.decoder.bias";

    /// <param name="sourceNames">Every tensor name in the file.</param>
    /// <param name="parameters">The model's parameter names (e.g. <c>StateDictLayout.PreTraining</c>'s keys).</param>
    public static StateDictMapping Build(IEnumerable<string> sourceNames, IEnumerable<string> parameters)
    {
        var names = sourceNames.Order(StringComparer.Ordinal).ToList();
        var wanted = new HashSet<string>(parameters, StringComparer.Ordinal);
        // A bare BertModel: nothing under "bert." but the encoder's own roots at the top.
        bool bare = !names.Any(n => n.StartsWith("bert.", StringComparison.Ordinal))
            && names.Any(n => EncoderRoots.Any(r => n.StartsWith(r, StringComparison.Ordinal)));

        var sourceOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        var renamed = new List<string>();
        var ignored = new List<string>();
        foreach (var name in names)
        {
            var modelName = Translate(name, bare);
            if (wanted.Contains(modelName) && sourceOf.TryAdd(modelName, name))
            {
                if (modelName != name) renamed.Add($"{name} → {modelName}");
            }
            else if (IsIgnorable(modelName)) ignored.Add(name);
            else unexpected.Add(name);
        }

        // Some exports keep the MLM output bias only as the decoder's bias; it is the same tensor.
        const string bias = "cls.predictions.bias";
        if (wanted.Contains(bias) && !sourceOf.ContainsKey(bias))
        {
            var decoderBias = ignored.FirstOrDefault(n => Translate(n, bare) == "cls.predictions.decoder.bias");
            if (decoderBias is not null)
            {
                sourceOf[bias] = decoderBias;
                renamed.Add($"{decoderBias} → {bias}");
            }
        }

        var missing = wanted.Where(p => !sourceOf.ContainsKey(p)).Order(StringComparer.Ordinal).ToList();
        return new StateDictMapping(sourceOf, missing, unexpected, renamed);
    }

    static string Translate(string name, bool bare)
    {
        if (name.EndsWith(".gamma", StringComparison.Ordinal)) name = name[..^".gamma".Length] + ".weight";
        else if (name.EndsWith(".beta", StringComparison.Ordinal)) name = name[..^".beta".Length] + ".bias";
        if (bare && EncoderRoots.Any(r => name.StartsWith(r, StringComparison.Ordinal))) name = "bert." + name;
        return name;
    }

    /// <summary>Load warnings in the spirit of Hugging Face's, one line per kind.</summary>
    /// <param name="reportMissing">Which missing parameters matter (default: all).</param>
    public IEnumerable<string> ReportLines(string path, Func<string, bool>? reportMissing = null)
    {
        var missing = Missing.Where(reportMissing ?? (_ => true)).ToList();
        if (missing.Count > 0)
            yield return $"{missing.Count} parameter(s) are not in '{path}' and were newly initialised: {string.Join(", ", missing)}";
        if (Unexpected.Count > 0)
            yield return $"{Unexpected.Count} tensor(s) in '{path}' are not used by BertForPreTraining and were ignored: {string.Join(", ", Unexpected)}";
    }
}
