using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// Writes <see cref="CheckpointManifest.FileName"/> into a checkpoint directory being made: the
/// size and SHA-256 of every other file in it, the module version, and the model's lineage.
/// </summary>
public static class CheckpointManifestWriter
{
    /// <summary>What the manifest's "format" says, so a reader knows the file for what it is.</summary>
    public const string Format = "bertadapt-checkpoint-manifest";
    public const int FormatVersion = 1;

    // Relaxed escaping keeps a path such as run[1].txt or a non-ASCII name readable as written.
    static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

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
    /// Writes the manifest into <paramref name="directory"/>, listing every other file there, so it
    /// must come last. Files in <paramref name="known"/> were hashed while they were written and
    /// are not read again; the rest are hashed now, streamed.
    /// </summary>
    public static void Write(BertModel model, string directory, IReadOnlyDictionary<string, FileHash> known)
    {
        var files = new SortedDictionary<string, FileHash>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(directory, file).Replace(Path.DirectorySeparatorChar, '/');
            if (relative == CheckpointManifest.FileName) continue;
            files[relative] = known.TryGetValue(relative, out var hash) ? hash : FileHash.Of(file);
        }
        var lineage = model.GetLineage();
        using var stream = new FileStream(Path.Combine(directory, CheckpointManifest.FileName), FileMode.CreateNew, FileAccess.Write);
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("format", Format);
            json.WriteNumber("format_version", FormatVersion);
            json.WriteString("module", "BertAdapt");
            json.WriteString("module_version", EngineVersion);
            json.WriteString("architecture", model.Architecture);
            json.WriteStartObject("files");
            foreach (var (name, hash) in files)
            {
                json.WriteStartObject(name);
                json.WriteNumber("size", hash.Size);
                json.WriteString("sha256", hash.Sha256);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteString("source", model.Source);
            json.WritePropertyName("base_checkpoint");
            WriteReference(json, lineage.Base);
            json.WriteStartArray("earlier_checkpoints");
            foreach (var earlier in lineage.EarlierBases) WriteReference(json, earlier);
            json.WriteEndArray();
            json.WriteNumber("base_steps", lineage.BaseSteps);
            json.WriteNumber("steps_trained", model.StepsTrained);
            json.WriteNumber("total_steps", lineage.BaseSteps + model.StepsTrained);
            json.WriteStartArray("trained_on");
            foreach (var file in lineage.TrainedOn)
            {
                json.WriteStartObject();
                json.WriteString("path", file.Path);
                if (file.Size is long size) json.WriteNumber("size", size); else json.WriteNull("size");
                WriteText(json, "sha256", file.Sha256);
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

    static void WriteReference(Utf8JsonWriter json, CheckpointReference? reference)
    {
        if (reference is null) { json.WriteNullValue(); return; }
        json.WriteStartObject();
        json.WriteString("path", reference.Path);
        WriteText(json, "file", reference.File);
        WriteText(json, "sha256", reference.Sha256);
        json.WriteEndObject();
    }

    static void WriteText(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name); else json.WriteString(name, value);
    }
}
