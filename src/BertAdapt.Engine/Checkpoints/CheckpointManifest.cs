using System.Text.Json;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// bertadapt_manifest.json as read back from a checkpoint (<see cref="CheckpointManifestWriter"/>
/// writes it into every checkpoint this module makes): the size and SHA-256 of each other file in
/// the directory, the module version that wrote it, and the model's lineage. Importing checks the
/// hashes when the file is there (<see cref="Verify"/>); Hugging Face's from_pretrained ignores it.
/// </summary>
public sealed class CheckpointManifest
{
    public const string FileName = "bertadapt_manifest.json";

    /// <summary>Each listed file by its path relative to the checkpoint ('/'-separated), with its size and hash.</summary>
    public required IReadOnlyDictionary<string, FileHash> Files { get; init; }
    public string? ModuleVersion { get; init; }
    /// <summary>The checkpoint the manifest's model was imported from, and those before it (oldest first).</summary>
    public CheckpointReference? Base { get; init; }
    public IReadOnlyList<CheckpointReference> EarlierBases { get; init; } = [];
    /// <summary>The steps the checkpoint's model had been trained in all, its bases' included.</summary>
    public int TotalSteps { get; init; }
    public IReadOnlyList<TrainedFile> TrainedOn { get; init; } = [];
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Runs { get; init; } = [];

    /// <summary>The manifest in <paramref name="directory"/>, or null when there is none; a malformed one is CheckpointManifestInvalid.</summary>
    public static CheckpointManifest? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        var bytes = File.ReadAllBytes(path);
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "format") != CheckpointManifestWriter.Format)
                throw Invalid(path, $"it does not say \"format\": \"{CheckpointManifestWriter.Format}\"");
            if (!root.TryGetProperty("files", out var filesElement) || filesElement.ValueKind != JsonValueKind.Object)
                throw Invalid(path, "it has no \"files\" object");
            var files = new Dictionary<string, FileHash>(StringComparer.Ordinal);
            foreach (var entry in filesElement.EnumerateObject())
            {
                if (!IsInside(entry.Name)) throw Invalid(path, $"the file name \"{entry.Name}\" is not a path inside the checkpoint");
                if (entry.Value.ValueKind != JsonValueKind.Object || !entry.Value.TryGetProperty("size", out var size) || !size.TryGetInt64(out var length)
                    || length < 0 || Text(entry.Value, "sha256") is not string sha || !IsSha256(sha))
                    throw Invalid(path, $"the entry for \"{entry.Name}\" needs a size and a 64-digit sha256");
                files[entry.Name] = new FileHash(length, sha.ToLowerInvariant());
            }
            var trainedOn = new List<TrainedFile>();
            foreach (var item in Objects(root, "trained_on"))
                if (Text(item, "path") is string filePath)
                    trainedOn.Add(new TrainedFile(filePath, item.TryGetProperty("size", out var s) && s.TryGetInt64(out var n) ? n : null, Text(item, "sha256")));
            var runs = Objects(root, "training_runs")
                .Select(run => (IReadOnlyDictionary<string, string>)run.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String)
                    .ToDictionary(p => p.Name, p => p.Value.GetString()!))
                .ToList();
            return new CheckpointManifest
            {
                Files = files,
                ModuleVersion = Text(root, "module_version"),
                Base = root.TryGetProperty("base_checkpoint", out var b) ? Reference(b) : null,
                EarlierBases = Objects(root, "earlier_checkpoints").Select(Reference).OfType<CheckpointReference>().ToList(),
                TotalSteps = root.TryGetProperty("total_steps", out var steps) && steps.TryGetInt32(out var total) && total >= 0 ? total : 0,
                TrainedOn = trainedOn,
                Runs = runs,
            };
        }
        catch (JsonException ex)
        {
            throw new BertAdaptException("CheckpointManifestInvalid", BertAdaptErrorKind.InvalidData,
                $"'{path}' is not valid JSON: {ex.Message} Use -SkipHashCheck to load the checkpoint without it.", path, ex);
        }
    }

    static IEnumerable<JsonElement> Objects(JsonElement root, string name) =>
        root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList()
            : [];

    static CheckpointReference? Reference(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && Text(element, "path") is string path
            ? new CheckpointReference(path, Text(element, "file"), Text(element, "sha256"))
            : null;

    static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    static bool IsSha256(string text) => text.Length == 64 && text.All(Uri.IsHexDigit);

    static bool IsInside(string relative) =>
        relative.Length > 0 && !Path.IsPathRooted(relative) && !relative.Contains('\\')
        && relative.Split('/').All(part => part.Length > 0 && part != "." && part != "..");

    static BertAdaptException Invalid(string path, string why) => new("CheckpointManifestInvalid", BertAdaptErrorKind.InvalidData,
        $"'{path}' is not a BertAdapt checkpoint manifest: {why}. Use -SkipHashCheck to load the checkpoint without it.", path);

    /// <summary>
    /// Checks every listed file against its size and SHA-256 (streamed, one file at a time): a
    /// missing or changed file is CheckpointHashMismatch naming it. Sizes are compared first, so
    /// a truncated weights file fails without being read. Files the manifest does not list are
    /// not checked.
    /// </summary>
    public void Verify(string directory)
    {
        if (FindChange(directory) is var (path, what)) throw Mismatch(path, what);
    }

    /// <summary>
    /// What <see cref="Verify"/> checks, as a finding: the first missing or changed file and what
    /// is wrong with it, or null when every listed file is as written.
    /// </summary>
    public (string Path, string What)? FindChange(string directory)
    {
        var listed = Files.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => (Name: f.Key, Path: Path.Combine(directory, f.Key.Replace('/', Path.DirectorySeparatorChar)), Expected: f.Value)).ToList();
        foreach (var (name, path, expected) in listed)
        {
            if (!File.Exists(path))
                return (path, $"'{path}' is missing: the checkpoint's {FileName} lists {name}");
            long size = new FileInfo(path).Length;
            if (size != expected.Size)
                return (path, $"'{path}' has changed since the checkpoint was written: it is {size:N0} bytes, {FileName} says {expected.Size:N0}");
        }
        foreach (var (_, path, expected) in listed)
        {
            var actual = FileHash.Of(path);
            if (actual.Sha256 != expected.Sha256)
                return (path, $"'{path}' has changed since the checkpoint was written: its sha256 is {actual.Sha256}, {FileName} says {expected.Sha256}");
        }
        return null;
    }

    static BertAdaptException Mismatch(string path, string what) => new("CheckpointHashMismatch", BertAdaptErrorKind.InvalidData,
        $"{what}. Use -SkipHashCheck to load it anyway.", path);
}
