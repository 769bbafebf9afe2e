namespace BertAdapt.Engine.Checkpoints;

/// <summary>What <see cref="HfCheckpointDirectory.Export"/> writes the weights as; the folder's other files are the same.</summary>
public enum CheckpointExportFormat
{
    /// <summary>A Hugging Face checkpoint: <c>model.safetensors</c>, which <c>from_pretrained</c> loads (the default).</summary>
    SafeTensors,
    /// <summary>
    /// <c>model.onnx</c>, the eval-mode forward pass as a standard ONNX graph that ONNX Runtime
    /// runs, with dynamic batch and sequence axes and the task head's outputs (see Onnx.BertOnnxGraph).
    /// </summary>
    Onnx,
}
