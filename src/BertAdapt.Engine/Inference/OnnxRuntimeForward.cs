using BertAdapt.Engine.Checkpoints.Onnx;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Inference;

/// <summary>
/// <see cref="InferenceRuntime.OnnxRuntime"/>: ONNX Runtime on the CPU runs the module's own ONNX
/// export of the model, written to memory, never to disk. The encoder graph (for embeddings and
/// fill-mask) and the graph with the task head (for the classifiers) are each built when first
/// needed, from the weights as they are then, with as many intra-op threads as libtorch has then
/// (-Threads). Fill-mask runs the MLM head, which the export leaves out, in libtorch on the masked
/// rows only.
/// </summary>
/// <remarks>
/// ONNX Runtime's threads spin between runs only when OMP_WAIT_POLICY is ACTIVE, the same choice
/// the module makes for libtorch's OpenMP threads (spinning steals cores on a shared machine).
/// </remarks>
internal sealed class OnnxRuntimeForward(BertModel model) : BatchForward
{
    /// <summary>ONNX Runtime's native library is missing from the module folder or cannot be loaded.</summary>
    public const string LoadFailedErrorId = "OnnxRuntimeLoadFailed";

    /// <summary>Where OnnxModelWriter.CheckSize's refusal points a model too large for one ONNX message.</summary>
    const string TooLargeAdvice = "Run it with -Runtime LibTorch (the default) instead.";

    InferenceSession? encoder;
    InferenceSession? withHead;
    // Created with the first session: ONNX Runtime's native library loads at the first call into it.
    RunOptions? runOptions;

    public override Tensor LastHidden(Tensor ids, Tensor types, Tensor mask) =>
        Run(encoder ??= Open(withTaskHead: false), ids, types, mask, BertOnnxGraph.LastHiddenState);

    public override Tensor ClassifierLogits(Tensor ids, Tensor types, Tensor mask)
    {
        // The libtorch model says ModelHasNoClassifier, as the default runtime does.
        if (model.GetTask() is null) return model.Module.ClassifierLogits(ids, types, mask);
        return Run(withHead ??= Open(withTaskHead: true), ids, types, mask, BertOnnxGraph.Logits);
    }

    public override Tensor MaskedLmLogits(Tensor ids, Tensor types, Tensor mask, Tensor flatPositions) =>
        model.Module.MaskedLogits(LastHidden(ids, types, mask), flatPositions);

    Tensor Run(InferenceSession session, Tensor ids, Tensor types, Tensor mask, string output)
    {
        var shape = ids.shape;
        using var idsValue = OrtValue.CreateTensorValueFromMemory(Values(ids), shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(Values(types), shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(Values(mask), shape);
        var inputs = new Dictionary<string, OrtValue>(StringComparer.Ordinal)
        {
            [BertOnnxGraph.InputIds] = idsValue,
            [BertOnnxGraph.TokenTypeIds] = typesValue,
            [BertOnnxGraph.AttentionMask] = maskValue,
        };
        using var outputs = session.Run(runOptions!, inputs, [output]);
        var result = outputs[0];
        return tensor(result.GetTensorDataAsSpan<float>().ToArray(), result.GetTensorTypeAndShape().Shape, device: model.Module.Device);
    }

    static long[] Values(Tensor batch) => batch.cpu().data<long>().ToArray();

    InferenceSession Open(bool withTaskHead)
    {
        var graph = BertOnnxGraph.Build(model, withTaskHead);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        long size = OnnxModelWriter.Size(graph);
        OnnxModelWriter.CheckSize(size, "-Runtime OnnxRuntime", TooLargeAdvice);
        using var stream = new MemoryStream((int)size);
        OnnxModelWriter.Write(stream, graph, "", metadata, "-Runtime OnnxRuntime");
        var bytes = stream.Length == stream.Capacity ? stream.GetBuffer() : stream.ToArray();
        try
        {
            runOptions ??= new RunOptions();
            using var options = new SessionOptions
            {
                IntraOpNumThreads = get_num_threads(),
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            if (!Spins) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
            return new InferenceSession(bytes, options);
        }
        // The managed package reports a missing or unloadable native library as the failed type
        // initializer of its P/Invoke class, and the same exception again on every later call.
        catch (TypeInitializationException ex) when (ex.InnerException is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw LoadFailed(ex.InnerException);
        }
        catch (DllNotFoundException ex)
        {
            throw LoadFailed(ex);
        }
    }

    static BertAdaptException LoadFailed(Exception cause)
    {
        var library = OperatingSystem.IsWindows() ? "onnxruntime.dll" : "libonnxruntime.so";
        // The loader's message lists every path it tried, a line each, most of them places the module
        // never put the library; the lines about the module's own folder say what went wrong.
        var lines = cause.Message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var folder = Path.GetDirectoryName(typeof(InferenceSession).Assembly.Location);
        var own = string.IsNullOrEmpty(folder) ? [] : lines.Where(line => line.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal)).ToArray();
        var reason = string.Join(" ", own.Length > 0 ? own : lines);
        return new BertAdaptException(LoadFailedErrorId, BertAdaptErrorKind.ResourceUnavailable,
            $"-Runtime OnnxRuntime could not load ONNX Runtime's native library ({library}): {reason} "
            + "The module folder is incomplete or damaged: build or install it again, or run with -Runtime LibTorch (the default).",
            library, cause);
    }

    static bool Spins => string.Equals(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")?.Trim(), "ACTIVE", StringComparison.OrdinalIgnoreCase);

    public override void Dispose()
    {
        encoder?.Dispose();
        withHead?.Dispose();
        runOptions?.Dispose();
    }
}
