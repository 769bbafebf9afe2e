using System.Runtime.InteropServices;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// A Hugging Face checkpoint directory: config.json, model.safetensors, vocab.txt,
/// tokenizer_config.json and special_tokens_map.json, with <c>BertForPreTraining</c> names.
/// </summary>
public static class HfCheckpointDirectory
{
    public const string ConfigFile = "config.json", WeightsFile = "model.safetensors", VocabularyFile = "vocab.txt";

    /// <summary>
    /// Writes the model to <paramref name="directory"/> atomically: everything goes into a
    /// hidden temporary sibling that is renamed into place at the end. A failure leaves no
    /// trace, and an existing directory (replaced only with <paramref name="force"/>) survives
    /// until the new one is complete.
    /// </summary>
    public static void Export(BertModel model, string directory, bool force)
    {
        directory = Path.GetFullPath(directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        bool exists = Directory.Exists(directory) || File.Exists(directory);
        if (exists && !force)
            throw new BertAdaptException("CheckpointExists", BertAdaptErrorKind.ResourceExists,
                $"'{directory}' already exists. Use -Force to replace it.", directory);
        if (File.Exists(directory))
            throw new BertAdaptException("CheckpointPathIsFile", BertAdaptErrorKind.InvalidArgument,
                $"'{directory}' is a file, not a checkpoint directory.", directory);
        var parent = Path.GetDirectoryName(directory)!;
        if (!Directory.Exists(parent))
            throw new BertAdaptException("CheckpointParentNotFound", BertAdaptErrorKind.ObjectNotFound,
                $"The parent directory '{parent}' does not exist.", directory);

        var name = Path.GetFileName(directory);
        var staging = Path.Combine(parent, $".{name}.partial-{Guid.NewGuid():N}");
        var retired = Path.Combine(parent, $".{name}.replaced-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            WriteFiles(model, staging);
            if (exists) Directory.Move(directory, retired);
            Directory.Move(staging, directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(retired) && !Directory.Exists(directory)) Directory.Move(retired, directory);
            throw new BertAdaptException("CheckpointWriteFailed", BertAdaptErrorKind.WriteError,
                $"Could not write the checkpoint '{directory}': {ex.Message}", directory, ex);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        if (Directory.Exists(retired)) Directory.Delete(retired, recursive: true);
    }

    /// <summary>Writes the checkpoint files into an existing directory (callers make it atomic).</summary>
    public static void WriteFiles(BertModel model, string directory)
    {
        File.WriteAllText(Path.Combine(directory, ConfigFile), model.Config.ToJson(["BertForPreTraining"]));
        SafeTensorsWriter.Write(Path.Combine(directory, WeightsFile), TensorsOf(model.Module),
            new Dictionary<string, string> { ["format"] = "pt" });
        model.Vocabulary.Save(directory);
    }

    /// <summary>Every parameter as float32 bytes, on the CPU, under its HF name.</summary>
    static List<SafeTensorWriteItem> TensorsOf(nn.Module module)
    {
        using var scope = NewDisposeScope();
        var items = new List<SafeTensorWriteItem>();
        foreach (var (name, parameter) in module.named_parameters())
        {
            var host = parameter.detach().to(ScalarType.Float32).cpu().contiguous();
            items.Add(new SafeTensorWriteItem(name, SafeTensorDType.F32, host.shape, host.bytes.ToArray()));
        }
        return items;
    }

    /// <summary>Reads a checkpoint directory into a new model.</summary>
    public static BertModel Import(string directory)
    {
        directory = Path.GetFullPath(directory);
        if (!Directory.Exists(directory))
            throw new BertAdaptException("CheckpointNotFound", BertAdaptErrorKind.ObjectNotFound,
                $"The checkpoint directory '{directory}' does not exist.", directory);
        var config = BertConfig.Load(Path.Combine(directory, ConfigFile));
        var vocabulary = BertVocabulary.Load(Path.Combine(directory, VocabularyFile), BertVocabulary.ReadLowerCase(directory));
        if (vocabulary.Count != config.VocabSize)
            throw new BertAdaptException("VocabularySizeMismatch", BertAdaptErrorKind.InvalidData,
                $"config.json has vocab_size {config.VocabSize} but vocab.txt has {vocabulary.Count} tokens.", directory);

        var weightsPath = Path.Combine(directory, WeightsFile);
        using var reader = SafeTensorsReader.Open(weightsPath);
        var report = CheckAgainstLayout(reader, StateDictLayout.PreTraining(config), weightsPath);

        var model = BertModel.Create(config, vocabulary, seed: 0, source: directory);
        try
        {
            report.AddRange(CopyWeights(reader, model));
            model.LoadReport.AddRange(report);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Overwrites an existing model's weights from a checkpoint directory of the same shape
    /// (used to resume training). Every parameter must be present.
    /// </summary>
    public static void LoadWeights(BertModel model, string directory)
    {
        var weightsPath = Path.Combine(directory, WeightsFile);
        using var reader = SafeTensorsReader.Open(weightsPath);
        CheckAgainstLayout(reader, StateDictLayout.PreTraining(model.Config), weightsPath);
        var missing = CopyWeights(reader, model);
        if (missing.Count > 0)
            throw new BertAdaptException("CheckpointIncomplete", BertAdaptErrorKind.InvalidData,
                $"'{weightsPath}' lacks tensors the model needs: {string.Join("; ", missing)}", weightsPath);
    }

    /// <summary>Copies every tensor the checkpoint has; returns a line per parameter it lacks.</summary>
    static List<string> CopyWeights(SafeTensorsReader reader, BertModel model)
    {
        var missing = new List<string>();
        using (no_grad())
        {
            foreach (var (name, parameter) in model.Module.named_parameters())
            {
                if (reader.Entries.TryGetValue(name, out var entry)) CopyInto(reader, entry, parameter);
                else missing.Add($"Missing from the checkpoint, initialised: {name}");
            }
        }
        return missing;
    }

    /// <summary>
    /// Checks every tensor's dtype and shape against the config before anything is allocated.
    /// Returns the report lines (unexpected keys); a shape mismatch is an error naming the tensor.
    /// </summary>
    static List<string> CheckAgainstLayout(SafeTensorsReader reader, IReadOnlyDictionary<string, long[]> expected, string path)
    {
        var report = new List<string>();
        foreach (var (name, entry) in reader.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!expected.TryGetValue(name, out var shape))
            {
                if (!StateDictLayout.TiedAliases.Contains(name)) report.Add($"Unexpected key, ignored: {name}");
                continue;
            }
            if (entry.DType is not (SafeTensorDType.F32 or SafeTensorDType.F16 or SafeTensorDType.BF16))
                throw new BertAdaptException("CheckpointDTypeUnsupported", BertAdaptErrorKind.InvalidData,
                    $"'{path}': tensor {name} has dtype {entry.DType}; only F32, F16 and BF16 weights are supported.", path);
            if (!entry.Shape.SequenceEqual(shape))
                throw new BertAdaptException("CheckpointShapeMismatch", BertAdaptErrorKind.InvalidData,
                    $"'{path}': tensor {name} has shape [{string.Join(", ", entry.Shape)}] but the config requires [{string.Join(", ", shape)}].", path);
        }
        return report;
    }

    static void CopyInto(SafeTensorsReader reader, SafeTensorEntry entry, Tensor parameter)
    {
        using var scope = NewDisposeScope();
        var bytes = reader.ReadBytes(entry);
        var source = entry.DType switch
        {
            SafeTensorDType.F32 => tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), entry.Shape),
            SafeTensorDType.F16 => tensor(MemoryMarshal.Cast<byte, Half>(bytes).ToArray(), entry.Shape),
            _ => tensor(BFloat16ToSingle(MemoryMarshal.Cast<byte, ushort>(bytes)), entry.Shape),
        };
        parameter.copy_(source.to(parameter.dtype));
    }

    // bfloat16 is the top half of a float32, so widening is exact.
    static float[] BFloat16ToSingle(ReadOnlySpan<ushort> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = BitConverter.Int32BitsToSingle(values[i] << 16);
        return result;
    }
}
