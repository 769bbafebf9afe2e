using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// bertadapt_manifest.json, written into every checkpoint <see cref="HfCheckpointDirectory.Export"/>
/// makes: the size and SHA-256 of each other file in the directory, the engine version that wrote
/// it, and the model's lineage (base checkpoint and its hash, trained-on files with their hashes,
/// each run's settings, the steps). Importing checks the hashes when the file is there; Hugging
/// Face's from_pretrained ignores it.
/// </summary>
public sealed class CheckpointManifest
{
    public const string FileName = "bertadapt_manifest.json";
    const string Format = "bertadapt-checkpoint-manifest";
    const int FormatVersion = 1;

    static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The SHA-256 of the manifest file itself: what a model imported from it records as its base's hash.</summary>
    public required string Sha256 { get; init; }
    /// <summary>Each listed file by its path relative to the checkpoint ('/'-separated), with its size and hash.</summary>
    public required IReadOnlyDictionary<string, FileHash> Files { get; init; }
    public string? ModuleVersion { get; init; }
    /// <summary>The steps the checkpoint's model had been trained in all, its base's included.</summary>
    public int TotalSteps { get; init; }
    public IReadOnlyList<TrainedFile> TrainedOn { get; init; } = [];
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Runs { get; init; } = [];

    /// <summary>The engine's version, as its assembly states it.</summary>
    public static string EngineVersion
    {
        get
        {
            var assembly = typeof(BertModel).Assembly;
            return assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? assembly.GetName().Version?.ToString() ?? "unknown";
        }
    }

    /// <summary>
    /// Writes the manifest into <paramref name="directory"/>, listing every other file there.
    /// Files in <paramref name="known"/> were hashed while they were written and are not read
    /// again; the rest (config and tokenizer files) are hashed now, streamed.
    /// </summary>
    public static void Write(BertModel model, string directory, IReadOnlyDictionary<string, FileHash> known)
    {
        var files = new SortedDictionary<string, FileHash>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/');
            if (relative == FileName) continue;
            files[relative] = known.TryGetValue(relative, out var hash) ? hash : FileHash.Of(file);
        }
        var lineage = model.GetLineage();
        using var stream = new FileStream(Path.Combine(directory, FileName), FileMode.CreateNew, FileAccess.Write);
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("format_version", FormatVersion);
            json.WriteString("module", "BertAdapt");
            json.WriteString("module_version", EngineVersion);
            json.WriteString("architecture", model.Architecture);
            json.WriteStartObject("files");
            foreach (var (name, hash) in files) WriteHash(json, name, hash.Size, hash.Sha256);
            json.WriteEndObject();
            json.WriteString("source", model.Source);
            if (lineage.BaseCheckpoint is null) json.WriteNull("base_checkpoint");
            else
            {
                json.WriteStartObject("base_checkpoint");
                json.WriteString("path", lineage.BaseCheckpoint);
                if (lineage.BaseSha256 is null) json.WriteNull("sha256"); else json.WriteString("sha256", lineage.BaseSha256);
                if (lineage.BaseHashOf is null) json.WriteNull("hash_of"); else json.WriteString("hash_of", lineage.BaseHashOf);
                json.WriteEndObject();
            }
            json.WriteNumber("base_steps", lineage.BaseSteps);
            json.WriteNumber("steps_trained", model.StepsTrained);
            json.WriteNumber("total_steps", lineage.BaseSteps + model.StepsTrained);
            json.WriteStartArray("trained_on");
            foreach (var file in lineage.TrainedOn)
            {
                json.WriteStartObject();
                json.WriteString("path", file.Path);
                if (file.Size is long size) json.WriteNumber("size", size); else json.WriteNull("size");
                if (file.Sha256 is null) json.WriteNull("sha256"); else json.WriteString("sha256", file.Sha256);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("training_runs");
            foreach (var run in lineage.Runs)
            {
                json.WriteStartObject();
                foreach (var (key, value) in run) json.WriteString(key, value);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        stream.Flush(flushToDisk: true);
    }

    static void WriteHash(Utf8JsonWriter json, string name, long size, string sha256)
    {
        json.WriteStartObject(name);
        json.WriteNumber("size", size);
        json.WriteString("sha256", sha256);
        json.WriteEndObject();
    }

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
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("files", out var filesElement) || filesElement.ValueKind != JsonValueKind.Object)
                throw Invalid(path, "it has no \"files\" object");
            var files = new Dictionary<string, FileHash>(StringComparer.Ordinal);
            foreach (var entry in filesElement.EnumerateObject())
            {
                if (!IsInside(entry.Name)) throw Invalid(path, $"the file name \"{entry.Name}\" is not a path inside the checkpoint");
                if (entry.Value.ValueKind != JsonValueKind.Object || !entry.Value.TryGetProperty("size", out var size) || !size.TryGetInt64(out var length)
                    || !entry.Value.TryGetProperty("sha256", out var sha) || sha.ValueKind != JsonValueKind.String || sha.GetString()!.Length != 64)
                    throw Invalid(path, $"the entry for \"{entry.Name}\" needs a size and a 64-digit sha256");
                files[entry.Name] = new FileHash(length, sha.GetString()!.ToLowerInvariant());
            }
            var trainedOn = new List<TrainedFile>();
            if (root.TryGetProperty("trained_on", out var trained) && trained.ValueKind == JsonValueKind.Array)
                foreach (var item in trained.EnumerateArray())
                    if (item.ValueKind == JsonValueKind.Object && Text(item, "path") is string filePath)
                        trainedOn.Add(new TrainedFile(filePath,
                            item.TryGetProperty("size", out var s) && s.TryGetInt64(out var n) ? n : null, Text(item, "sha256")));
            var runs = new List<IReadOnlyDictionary<string, string>>();
            if (root.TryGetProperty("training_runs", out var runsElement) && runsElement.ValueKind == JsonValueKind.Array)
                foreach (var run in runsElement.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object))
                    runs.Add(run.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!));
            return new CheckpointManifest
            {
                Sha256 = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant(),
                Files = files,
                ModuleVersion = Text(root, "module_version"),
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

    static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    static bool IsInside(string relative) =>
        relative.Length > 0 && !Path.IsPathRooted(relative) && !relative.Contains('\\')
        && relative.Split('/').All(part => part.Length > 0 && part != "." && part != "..");

    static BertAdaptException Invalid(string path, string why) => new("CheckpointManifestInvalid", BertAdaptErrorKind.InvalidData,
        $"'{path}' is not a BertAdapt checkpoint manifest: {why}. Use -SkipHashCheck to load the checkpoint without it.", path);

    /// <summary>
    /// Checks every listed file against its size and SHA-256 (streamed, one file at a time): a
    /// missing or changed file is CheckpointHashMismatch naming it. Sizes are compared first, so
    /// a truncated weights file fails without being read.
    /// </summary>
    public void Verify(string directory)
    {
        var listed = Files.OrderBy(f => f.Key, StringComparer.Ordinal)
            .Select(f => (Name: f.Key, Path: Path.Combine(directory, f.Key.Replace('/', Path.DirectorySeparatorChar)), Expected: f.Value)).ToList();
        foreach (var (name, path, expected) in listed)
        {
            if (!File.Exists(path))
                throw Mismatch(path, $"'{path}' is missing: the checkpoint's {FileName} lists {name}");
            long size = new FileInfo(path).Length;
            if (size != expected.Size)
                throw Mismatch(path, $"'{path}' has changed since the checkpoint was written: it is {size:N0} bytes, {FileName} says {expected.Size:N0}");
        }
        foreach (var (name, path, expected) in listed)
        {
            var actual = FileHash.Of(path);
            if (actual.Sha256 != expected.Sha256)
                throw Mismatch(path, $"'{path}' has changed since the checkpoint was written: its sha256 is {actual.Sha256}, {FileName} says {expected.Sha256}");
        }
    }

    static BertAdaptException Mismatch(string path, string what) => new("CheckpointHashMismatch", BertAdaptErrorKind.InvalidData,
        $"{what}. Use -SkipHashCheck to load it anyway.", path);
}
