namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>
/// The files of an ONNX export, laid out as Hugging Face Optimum lays out its exports:
/// <c>model.onnx</c> (<see cref="BertOnnxGraph"/>) beside <c>config.json</c> and the tokenizer
/// files, so that the folder alone tokenizes and runs, and Import-BertCheckpoint reads it back.
/// </summary>
public static class OnnxCheckpointFiles
{
    public const string ModelFile = "model.onnx";

    /// <summary>
    /// OnnxExportTooLarge when the model's graph would pass ONNX's 2 GiB limit for a file with its
    /// weights inside; reads no weights, so an export (or -WhatIf) can refuse before writing anything.
    /// </summary>
    public static void CheckSize(BertModel model, string target) => OnnxModelWriter.CheckSize(OnnxModelWriter.Size(BertOnnxGraph.Build(model)), target);

    /// <summary>
    /// Writes the files into an existing directory (the caller makes the write atomic). Returns the
    /// files hashed while they were written (model.onnx), by name, for a manifest.
    /// </summary>
    public static IReadOnlyDictionary<string, FileHash> WriteFiles(BertModel model, string directory)
    {
        var graph = BertOnnxGraph.Build(model);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["architecture"] = model.Architecture,
            ["outputs"] = string.Join(",", BertOnnxGraph.OutputsFor(model.GetTask())),
        };
        var hash = HashingWriteStream.WriteFile(Path.Combine(directory, ModelFile),
            stream => OnnxModelWriter.Write(stream, graph, CheckpointManifestWriter.EngineVersion, metadata, directory));
        HfCheckpointDirectory.WriteConfigAndVocabulary(model, directory);
        return new Dictionary<string, FileHash>(StringComparer.Ordinal) { [ModelFile] = hash };
    }
}
