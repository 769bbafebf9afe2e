using BertAdapt.Engine.Checkpoints.Onnx;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// A Hugging Face checkpoint directory: config.json, model.safetensors, vocab.txt,
/// tokenizer_config.json and special_tokens_map.json, with <c>BertForPreTraining</c> names. An
/// export adds <see cref="CheckpointManifest.FileName"/> (hashes and lineage), which an import checks.
/// </summary>
public static class HfCheckpointDirectory
{
    public const string ConfigFile = "config.json", WeightsFile = "model.safetensors", VocabularyFile = "vocab.txt";

    /// <summary>
    /// Writes the model to <paramref name="directory"/> atomically: everything goes into a
    /// hidden temporary sibling that is renamed into place at the end. A failure leaves no
    /// trace, and an existing directory (replaced only with <paramref name="force"/>) survives
    /// until the new one is complete. Missing parent folders are created, as Hugging Face's
    /// save_pretrained does. What an export that was killed left of the same name is cleared first
    /// (see <see cref="StagingFolders.Recover"/>), and <paramref name="info"/> hears of it.
    /// The checkpoint carries a manifest (<see cref="CheckpointManifest"/>): the weights are hashed
    /// as they are written, the small files after.
    /// </summary>
    /// <param name="format">What the weights are written as: model.safetensors (the default) or model.onnx (see <see cref="OnnxCheckpointFiles"/>).</param>
    public static void Export(BertModel model, string directory, bool force, Action<string>? info = null,
        CheckpointExportFormat format = CheckpointExportFormat.SafeTensors)
    {
        directory = CheckpointFolder(directory);
        if (format == CheckpointExportFormat.Onnx) OnnxCheckpointFiles.CheckSize(model, directory);
        var parent = Path.GetDirectoryName(directory)!;
        var name = Path.GetFileName(directory);
        foreach (var line in StagingFolders.Recover(parent, name)) info?.Invoke(line);
        bool exists = CheckDestination(directory, force);
        try
        {
            Directory.CreateDirectory(parent);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BertAdaptException("CheckpointWriteFailed", BertAdaptErrorKind.WriteError,
                $"Could not create the folder '{parent}' for the checkpoint '{directory}': {ex.Message}", directory, ex);
        }

        var staging = StagingFolders.NewPath(parent, name, StagingFolders.Partial);
        var retired = StagingFolders.NewPath(parent, name, StagingFolders.Replaced);
        try
        {
            Directory.CreateDirectory(staging);
            var hashed = format == CheckpointExportFormat.Onnx ? OnnxCheckpointFiles.WriteFiles(model, staging) : WriteFiles(model, staging);
            CheckpointManifestWriter.Write(model, staging, hashed);
            if (exists) SharingViolationRetry.Run(() => Directory.Move(directory, retired));
            SharingViolationRetry.Run(() => Directory.Move(staging, directory));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            if (Directory.Exists(retired) && !Directory.Exists(directory)) SharingViolationRetry.Run(() => Directory.Move(retired, directory));
            throw new BertAdaptException("CheckpointWriteFailed", BertAdaptErrorKind.WriteError,
                $"Could not write the checkpoint '{directory}': {ex.Message}", directory, ex);
        }
        finally
        {
            if (Directory.Exists(staging)) SharingViolationRetry.TryRun(() => Directory.Delete(staging, recursive: true));
        }
        // The new checkpoint is in place; an old file someone still holds open only delays the cleanup.
        if (Directory.Exists(retired)) SharingViolationRetry.TryRun(() => Directory.Delete(retired, recursive: true));
    }

    /// <summary>
    /// The full path of the folder to write, without a trailing separator. A checkpoint is staged
    /// beside its folder and renamed into place, so the root of a drive is CheckpointPathInvalid.
    /// </summary>
    static string CheckpointFolder(string directory)
    {
        var trimmed = directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var full = trimmed.Length == 0 ? Path.GetPathRoot(Path.GetFullPath(directory)) ?? directory : Path.GetFullPath(trimmed);
        if (trimmed.Length == 0 || Path.GetDirectoryName(full) is null || Path.GetFileName(full).Length == 0)
            throw new BertAdaptException("CheckpointPathInvalid", BertAdaptErrorKind.InvalidArgument,
                $"'{full}' is the root of a drive; a checkpoint is a folder inside one, such as '{Path.Combine(full, "my-model")}'.", full);
        return full;
    }

    /// <summary>
    /// Checks that <see cref="Export"/> could write <paramref name="directory"/>, writing nothing:
    /// CheckpointExists (without <paramref name="force"/>), CheckpointPathIsFile, or
    /// CheckpointPathNotWritable. Returns whether something is there to be replaced.
    /// </summary>
    public static bool CheckDestination(string directory, bool force)
    {
        directory = CheckpointFolder(directory);
        bool exists = Directory.Exists(directory) || File.Exists(directory);
        if (exists && !force)
            throw new BertAdaptException("CheckpointExists", BertAdaptErrorKind.ResourceExists,
                $"'{directory}' already exists. Use -Force to replace it.", directory);
        // CheckpointPathIsFile for a file there; the checkpoint is staged beside its final name, so the new entry is made in the parent.
        OutputLocation.CheckDirectory(directory, "CheckpointPath", "The checkpoint directory", intoItself: false);
        return exists;
    }

    /// <summary>
    /// Writes the checkpoint files into an existing directory (callers make it atomic). Returns
    /// the files hashed while they were written (the weights), by name, for a manifest.
    /// </summary>
    public static IReadOnlyDictionary<string, FileHash> WriteFiles(BertModel model, string directory)
    {
        var weights = HashingWriteStream.WriteFile(Path.Combine(directory, WeightsFile),
            stream => SafeTensorsWriter.Write(stream, TensorsOf(model), new Dictionary<string, string> { ["format"] = "pt" }));
        WriteConfigAndVocabulary(model, directory);
        return new Dictionary<string, FileHash>(StringComparer.Ordinal) { [WeightsFile] = weights };
    }

    /// <summary>config.json (architectures set to the model's Hugging Face class) and the tokenizer files.</summary>
    public static void WriteConfigAndVocabulary(BertModel model, string directory)
    {
        File.WriteAllText(Path.Combine(directory, ConfigFile), model.Config.ToJson([model.Architecture]));
        model.Vocabulary.Save(directory);
    }

    /// <summary>
    /// Whether a parameter belongs in the model's Hugging Face layout: a fine-tuned model is
    /// written as BertForSequenceClassification / BertForTokenClassification, which have no
    /// pre-training heads (and the token classifier no pooler).
    /// </summary>
    public static bool IsExported(BertModel model, string name) => model.GetTask() switch
    {
        null => true,
        Data.FineTuning.FineTuneTask.TokenClassification => !name.StartsWith("cls.", StringComparison.Ordinal) && !name.StartsWith("bert.pooler.", StringComparison.Ordinal),
        _ => !name.StartsWith("cls.", StringComparison.Ordinal),
    };

    /// <summary>Every exported parameter as float32 bytes, on the CPU, under its HF name.</summary>
    static List<SafeTensorWriteItem> TensorsOf(BertModel model)
    {
        using var scope = NewDisposeScope();
        var items = new List<SafeTensorWriteItem>();
        foreach (var (name, parameter) in model.Module.named_parameters())
        {
            if (!IsExported(model, name)) continue;
            var host = parameter.detach().to(ScalarType.Float32).cpu().contiguous();
            items.Add(new SafeTensorWriteItem(name, SafeTensorDType.F32, host.shape, host.bytes.ToArray()));
        }
        return items;
    }

    /// <summary>
    /// Reads a checkpoint into a new model. <paramref name="path"/> is a checkpoint directory
    /// (<c>model.safetensors</c>, else <c>pytorch_model.bin</c>, else an ONNX export) or one
    /// weights file inside it. Parameters the file lacks (for example the MLM head of a bare
    /// encoder) keep their initialisation and are listed in <see cref="BertModel.LoadReport"/>,
    /// as are tensors nothing uses; a tensor whose shape disagrees with the config is an error.
    /// A checkpoint with a manifest (one this module exported) has every file it lists checked
    /// first, unless <paramref name="skipHashCheck"/>: a missing or changed file is
    /// CheckpointHashMismatch. The model's lineage starts from the checkpoint (see <see cref="BertModel.Lineage"/>).
    /// </summary>
    /// <param name="path">The checkpoint directory or one weights file inside it.</param>
    /// <param name="unsupportedTokenizerOption">
    /// Told of each tokenizer option BertAdapt cannot honour, which is then left at BERT's
    /// default; null makes such an option TokenizerOptionUnsupported.
    /// </param>
    /// <param name="skipHashCheck">Loads without checking the files against the manifest's hashes.</param>
    public static BertModel Import(string path, Action<string>? unsupportedTokenizerOption = null, bool skipHashCheck = false)
    {
        var location = CheckpointLocation.Find(path);
        var manifest = ReadManifest(location.Directory, skipHashCheck, out var manifestNote);
        if (!skipHashCheck) manifest?.Verify(location.Directory);
        using var source = location.Open();
        var config = location.LoadConfig(source);
        var googleCase = location.Format == CheckpointFormat.TensorFlow ? GoogleReleaseLowerCases(location.Directory) : null;
        var vocabulary = TokenizerFiles.LoadVocabulary(location.Directory, unsupportedTokenizerOption, googleCase?.LowerCase);
        if (vocabulary.Count != config.VocabSize)
            throw new BertAdaptException("VocabularySizeMismatch", BertAdaptErrorKind.InvalidData,
                $"The model's vocab_size is {config.VocabSize} but the vocabulary in '{location.Directory}' has {vocabulary.Count} tokens.", location.Directory);

        var head = ClassifierIn(source, config);
        ImportSizeLimit.CheckConfig(config, head?.Outputs, location.Directory);
        var layout = StateDictLayout.PreTraining(config, head?.Outputs);
        var mapping = StateDictMapping.Build(source.Tensors.Keys, layout.Keys);
        CheckAgainstLayout(source, mapping, layout);
        double present = mapping.SourceOf.Values.Sum(name => (double)source.Tensors[name].ElementCount);
        ImportSizeLimit.CheckAgainstWeights(config, head?.Outputs, present, location.Directory);

        var model = BertModel.Create(config, vocabulary, seed: 0, source: location.Directory);
        try
        {
            if (head is var (outputs, tokenLevel))
            {
                model.Module.AttachClassifier(outputs, tokenLevel, seed: 0);
                model.RefreshParameterCount();
            }
            CopyWeights(source, mapping, model);
            if (googleCase is { Note: var note }) model.LoadReport.Add(note);
            // A fine-tuned checkpoint has no pre-training heads by design; only report what its own layout lacks.
            model.LoadReport.AddRange(mapping.ReportLines(source.Path, missing => IsExported(model, missing)));
            if (manifestNote is not null) model.LoadReport.Add(manifestNote);
            StartLineage(model, location, manifest, verified: !skipHashCheck);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The checkpoint's manifest, or null without one. With <paramref name="skipHashCheck"/>, a
    /// malformed manifest is set aside rather than an error, and <paramref name="note"/> says
    /// what was not checked (the import reports it as a warning).
    /// </summary>
    static CheckpointManifest? ReadManifest(string directory, bool skipHashCheck, out string? note)
    {
        note = null;
        if (!skipHashCheck) return CheckpointManifest.Read(directory);
        try
        {
            var manifest = CheckpointManifest.Read(directory);
            if (manifest is not null)
                note = $"The hashes in '{Path.Combine(directory, CheckpointManifest.FileName)}' were not checked (-SkipHashCheck): the files may differ from what was exported.";
            return manifest;
        }
        catch (BertAdaptException ex) when (ex.ErrorId == "CheckpointManifestInvalid")
        {
            note = $"'{ex.Target}' is not a readable manifest; it was ignored (-SkipHashCheck), and so is the lineage it records.";
            return null;
        }
    }

    /// <summary>
    /// The imported model's lineage: the checkpoint is its base, identified by the SHA-256 of its
    /// weights file (taken from a verified manifest, otherwise hashed now); a manifest's bases,
    /// files, runs and steps are carried forward.
    /// </summary>
    static void StartLineage(BertModel model, CheckpointLocation location, CheckpointManifest? manifest, bool verified)
    {
        var lineage = model.GetLineage();
        var weights = Path.GetRelativePath(location.Directory, location.WeightsPath).Replace(Path.DirectorySeparatorChar, '/');
        string? sha256 = null;
        if (verified && manifest is not null && manifest.Files.TryGetValue(weights, out var listed)) sha256 = listed.Sha256;
        else
        {
            try { sha256 = FileHash.Of(location.WeightsPath).Sha256; }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The weights were just read; a hash that cannot be taken leaves the base named by its path alone.
            }
        }
        lineage.Base = new CheckpointReference(location.Directory, weights, sha256);
        if (manifest is null) return;
        lineage.EarlierBases.AddRange(manifest.EarlierBases);
        if (manifest.Base is not null) lineage.EarlierBases.Add(manifest.Base);
        lineage.BaseSteps = manifest.TotalSteps;
        foreach (var file in manifest.TrainedOn) lineage.Add(file);
        lineage.Runs.AddRange(manifest.Runs);
    }

    /// <summary>
    /// Google's TensorFlow releases carry no tokenizer config; whether they lower-case is in their
    /// name (uncased_L-12_H-768_A-12, cased_L-12_H-768_A-12), as Google's README tells users to
    /// pass --do_lower_case by it. A name that says neither is lower-cased, BERT's default. Null
    /// when the folder has tokenizer files, which then say it.
    /// </summary>
    static (bool LowerCase, string Note)? GoogleReleaseLowerCases(string directory)
    {
        if (File.Exists(Path.Combine(directory, TokenizerFiles.TokenizerConfigFile)) || File.Exists(Path.Combine(directory, TokenizerFiles.TokenizerJsonFile)))
            return null;
        var name = Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        bool uncased = name.Contains("uncased", StringComparison.OrdinalIgnoreCase);
        bool cased = !uncased && name.Contains("cased", StringComparison.OrdinalIgnoreCase);
        string why = cased ? " ('cased')" : uncased ? " ('uncased')" : ", which says neither (BERT's default)";
        return (!cased, $"'{directory}' is a TensorFlow checkpoint without tokenizer_config.json: do_lower_case is taken as {(cased ? "false" : "true")} "
            + $"from its name{why}; add a tokenizer_config.json to say otherwise.");
    }

    /// <summary>
    /// The fine-tuning head a checkpoint carries (<c>classifier.weight</c> [labels, hidden]):
    /// token-level when config.json names BertForTokenClassification. Labels missing from the
    /// config get Hugging Face's default names (LABEL_0, ...); a label count that disagrees with
    /// the tensor is an error.
    /// </summary>
    static (int Outputs, bool TokenLevel)? ClassifierIn(ITensorSource source, BertConfig config)
    {
        if (!source.Tensors.TryGetValue("classifier.weight", out var weight)) return null;
        if (weight.Shape.Length != 2 || weight.Shape[1] != config.HiddenSize || weight.Shape[0] is < 1 or > 100_000)
            throw new BertAdaptException("CheckpointShapeMismatch", BertAdaptErrorKind.InvalidData,
                $"'{source.Path}': tensor classifier.weight has shape [{string.Join(", ", weight.Shape)}] but the config requires [labels, {config.HiddenSize}].", source.Path);
        int outputs = (int)weight.Shape[0];
        bool tokenLevel = config.Architectures?.Contains("BertForTokenClassification") == true;
        var task = BertModel.TaskOf(config, tokenLevel, outputs);
        if (task != Data.FineTuning.FineTuneTask.Regression)
        {
            if (config.Id2Label is null) config.SetLabels(Enumerable.Range(0, outputs).Select(i => $"LABEL_{i}").ToList());
            else if (config.Id2Label.Count != outputs)
                throw new BertAdaptException("CheckpointShapeMismatch", BertAdaptErrorKind.InvalidData,
                    $"'{source.Path}': tensor classifier.weight has {outputs} outputs but config.json's id2label has {config.Id2Label.Count} labels.", source.Path);
        }
        return (outputs, tokenLevel);
    }

    /// <summary>
    /// Overwrites an existing model's weights from a checkpoint directory of the same shape
    /// (used to resume training). Every parameter must be present.
    /// </summary>
    public static void LoadWeights(BertModel model, string directory)
    {
        using var source = SafeTensorsSource.Open(Path.Combine(directory, WeightsFile));
        var layout = StateDictLayout.PreTraining(model.Config, model.Module.Classifier is { } c ? (int)c.Weight.shape[0] : null);
        var mapping = StateDictMapping.Build(source.Tensors.Keys, layout.Keys);
        CheckAgainstLayout(source, mapping, layout);
        if (mapping.Missing.Any(name => IsExported(model, name)))
            throw new BertAdaptException("CheckpointIncomplete", BertAdaptErrorKind.InvalidData,
                $"'{source.Path}' lacks tensors the model needs: {string.Join(", ", mapping.Missing.Where(name => IsExported(model, name)))}", source.Path);
        CopyWeights(source, mapping, model);
    }

    /// <summary>
    /// Checks the dtype and shape of every tensor the model will take, before anything is
    /// allocated. A shape mismatch is an error naming the tensor.
    /// </summary>
    static void CheckAgainstLayout(ITensorSource source, StateDictMapping mapping, IReadOnlyDictionary<string, long[]> layout)
    {
        foreach (var (parameter, name) in mapping.SourceOf.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var tensor = source.Tensors[name];
            var shape = layout[parameter];
            var label = name == parameter ? name : $"{name} (for {parameter})";
            if (!Float32Conversion.IsFloatingPoint(tensor.DType))
                throw new BertAdaptException("CheckpointDTypeUnsupported", BertAdaptErrorKind.InvalidData,
                    $"'{source.Path}': unsupported dtype {tensor.DTypeText} for tensor {label}: the model's weights must be F32, F16, BF16 or F64.", source.Path);
            if (!tensor.Shape.SequenceEqual(shape))
                throw new BertAdaptException("CheckpointShapeMismatch", BertAdaptErrorKind.InvalidData,
                    $"'{source.Path}': tensor {label} has shape [{string.Join(", ", tensor.Shape)}] but the config requires [{string.Join(", ", shape)}].", source.Path);
        }
    }

    static void CopyWeights(ITensorSource source, StateDictMapping mapping, BertModel model)
    {
        using var _ = no_grad();
        foreach (var (name, parameter) in model.Module.named_parameters())
        {
            if (!mapping.SourceOf.TryGetValue(name, out var sourceName)) continue;
            using var scope = NewDisposeScope();
            var values = new float[parameter.numel()];
            source.ReadFloat32(sourceName, values);
            parameter.copy_(tensor(values, parameter.shape).to(parameter.dtype, parameter.device));
        }
    }
}
