using BertAdapt.Engine.Modeling;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>The container a checkpoint's weights are stored in.</summary>
public enum CheckpointFormat
{
    SafeTensors,
    PyTorch,
    Onnx,
    /// <summary>Google's original TensorFlow checkpoint: an <c>.index</c> table and its data shards.</summary>
    TensorFlow,
}

/// <summary>
/// Where a checkpoint's files are: the directory (config.json and the tokenizer files) and the
/// one weights file chosen from it, in Hugging Face's order of preference.
/// </summary>
public sealed record CheckpointLocation(string Directory, string WeightsPath, CheckpointFormat Format)
{
    public const string PyTorchWeightsFile = "pytorch_model.bin";

    /// <summary>
    /// Resolves a directory (preferring <c>model.safetensors</c>, then <c>pytorch_model.bin</c>,
    /// then <c>model.onnx</c> or <c>onnx/model.onnx</c>, then a single <c>*.onnx</c>) or a weights file.
    /// </summary>
    public static CheckpointLocation Find(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        if (File.Exists(full))
            return new CheckpointLocation(System.IO.Path.GetDirectoryName(full)!, full, FormatOf(full)
                ?? throw new BertAdaptException("CheckpointFormatUnknown", BertAdaptErrorKind.InvalidArgument,
                    $"'{full}' is not a checkpoint weights file. Give a checkpoint directory, or a .safetensors, .bin, .onnx or TensorFlow .index file.", full));
        if (!System.IO.Directory.Exists(full))
            throw new BertAdaptException("CheckpointNotFound", BertAdaptErrorKind.ObjectNotFound,
                $"The checkpoint directory '{full}' does not exist.", full);

        foreach (var (file, format) in new[]
        {
            (HfCheckpointDirectory.WeightsFile, CheckpointFormat.SafeTensors),
            (PyTorchWeightsFile, CheckpointFormat.PyTorch),
            ("model.onnx", CheckpointFormat.Onnx),
            (System.IO.Path.Combine("onnx", "model.onnx"), CheckpointFormat.Onnx),
        })
        {
            var candidate = System.IO.Path.Combine(full, file);
            if (File.Exists(candidate)) return new CheckpointLocation(full, candidate, format);
        }
        var onnx = System.IO.Directory.GetFiles(full, "*.onnx");
        if (onnx.Length == 1) return new CheckpointLocation(full, onnx[0], CheckpointFormat.Onnx);
        if (TensorFlowIndexIn(full) is string index) return new CheckpointLocation(full, index, CheckpointFormat.TensorFlow);

        var sharded = System.IO.Directory.GetFiles(full, "*.index.json");
        throw new BertAdaptException("CheckpointWeightsNotFound", BertAdaptErrorKind.ObjectNotFound,
            sharded.Length > 0
                ? $"'{full}' holds a sharded checkpoint ({System.IO.Path.GetFileName(sharded[0])}), which BertAdapt does not read yet. Save it as one model.safetensors."
                : $"'{full}' has no model.safetensors, pytorch_model.bin, .onnx file or TensorFlow checkpoint (bert_model.ckpt.index).", full);
    }

    static CheckpointFormat? FormatOf(string file) => System.IO.Path.GetExtension(file).ToLowerInvariant() switch
    {
        ".safetensors" => CheckpointFormat.SafeTensors,
        ".bin" or ".pt" or ".pth" => CheckpointFormat.PyTorch,
        ".onnx" => CheckpointFormat.Onnx,
        ".index" => CheckpointFormat.TensorFlow,
        _ => null,
    };

    /// <summary>What Google's releases name a TensorFlow checkpoint's index and its config.</summary>
    public const string TensorFlowIndexFile = "bert_model.ckpt.index", TensorFlowConfigFile = "bert_config.json";

    /// <summary>bert_model.ckpt.index, else the one <c>*.index</c> table with a first data shard beside it.</summary>
    static string? TensorFlowIndexIn(string directory)
    {
        var named = System.IO.Path.Combine(directory, TensorFlowIndexFile);
        if (File.Exists(named)) return named;
        var tables = System.IO.Directory.GetFiles(directory, "*.index")
            .Where(f => System.IO.Directory.GetFiles(directory, System.IO.Path.GetFileName(TensorFlow.TfCheckpointSource.PrefixOf(f)) + ".data-00000-of-*").Length > 0)
            .ToList();
        return tables.Count == 1 ? tables[0] : null;
    }

    /// <summary>config.json, else (a TensorFlow release) bert_config.json, which has the same keys.</summary>
    public string ConfigPath
    {
        get
        {
            var config = System.IO.Path.Combine(Directory, HfCheckpointDirectory.ConfigFile);
            var google = System.IO.Path.Combine(Directory, TensorFlowConfigFile);
            return !File.Exists(config) && File.Exists(google) ? google : config;
        }
    }

    public ITensorSource Open() => Format switch
    {
        CheckpointFormat.SafeTensors => SafeTensorsSource.Open(WeightsPath),
        CheckpointFormat.PyTorch => PyTorch.PyTorchCheckpointReader.Open(WeightsPath),
        CheckpointFormat.TensorFlow => TensorFlow.TfCheckpointSource.Open(WeightsPath),
        _ => Onnx.OnnxBertReader.Open(WeightsPath),
    };

    /// <summary>config.json beside the weights; an ONNX export without one has its shape inferred from the graph.</summary>
    public BertConfig LoadConfig(ITensorSource source)
    {
        if (File.Exists(ConfigPath) || source is not Onnx.OnnxBertReader onnx) return BertConfig.Load(ConfigPath);
        return onnx.InferConfig(null);
    }
}
