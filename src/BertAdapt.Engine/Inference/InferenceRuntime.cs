namespace BertAdapt.Engine.Inference;

/// <summary>What runs the model's forward pass for the inference tasks of <see cref="BertPredictor"/>.</summary>
public enum InferenceRuntime
{
    /// <summary>libtorch, through TorchSharp, on the model's device: the default.</summary>
    LibTorch,

    /// <summary>
    /// ONNX Runtime on the CPU, running the module's own ONNX export of the model
    /// (<see cref="Checkpoints.Onnx.BertOnnxGraph"/>), built in memory when the first batch runs.
    /// </summary>
    OnnxRuntime,
}
