using System.Globalization;
using BertAdapt.Engine.Data.FineTuning;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>
/// A model's eval-mode forward pass as an ONNX graph of standard operators (opset 17), computed
/// as Hugging Face's <c>modeling_bert.py</c> computes it. Inputs are <c>input_ids</c>,
/// <c>attention_mask</c> and <c>token_type_ids</c>, int64 [batch_size, sequence_length] with both
/// axes dynamic, as Hugging Face's exporters name them. Outputs follow the task head:
/// <list type="bullet">
/// <item>no fine-tuning head (a pre-trained encoder): <c>last_hidden_state</c> [batch, sequence, hidden] and <c>pooler_output</c> [batch, hidden];</item>
/// <item>sequence classification, multi-label and regression: <c>logits</c> [batch, labels] from the pooled output;</item>
/// <item>token classification: <c>logits</c> [batch, sequence, labels].</item>
/// </list>
/// The pre-training heads (MLM, NSP) are not part of any export, as Hugging Face's
/// feature-extraction export leaves them out. Weights are float32 initializers under Hugging
/// Face's names; a Linear weight that feeds a MatMul is stored [in, out] under its name with
/// <see cref="TransposedSuffix"/>, which is how an importer (ours included) recognises it.
/// </summary>
static class BertOnnxGraph
{
    public const string InputIds = "input_ids", AttentionMask = "attention_mask", TokenTypeIds = "token_type_ids";
    public const string LastHiddenState = "last_hidden_state", PoolerOutput = "pooler_output", Logits = "logits";
    public const string BatchAxis = "batch_size", SequenceAxis = "sequence_length";

    /// <summary>Added to the name of a Linear weight stored [in, out] for MatMul.</summary>
    public const string TransposedSuffix = "_transposed";

    /// <summary>The names of the graph's outputs for a model with this task head (null: none).</summary>
    public static IReadOnlyList<string> OutputsFor(FineTuneTask? task) => task is null ? [LastHiddenState, PoolerOutput] : [Logits];

    /// <param name="withTaskHead">False: the encoder's outputs (<see cref="LastHiddenState"/>, <see cref="PoolerOutput"/>) even when the model has a task head.</param>
    public static OnnxGraphBuilder Build(BertModel model, bool withTaskHead = true)
    {
        var config = model.Config;
        var module = model.Module;
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var g = new OnnxGraphBuilder(model.Architecture);
        var task = withTaskHead ? model.GetTask() : null;

        string Weight(string name, bool transposed = false)
        {
            var parameter = parameters[name];
            var dims = parameter.shape.ToArray();
            if (transposed) dims = [dims[1], dims[0]];
            return g.Initializer(transposed ? name + TransposedSuffix : name, OnnxDataType.Float, dims, stream => WriteFloat32(stream, parameter, transposed));
        }
        string Linear(string x, string prefix) => g.Node("Add", [g.Node("MatMul", [x, Weight(prefix + ".weight", transposed: true)]), Weight(prefix + ".bias")]);
        string LayerNorm(string x, string prefix) => g.Node("LayerNormalization", [x, Weight(prefix + ".weight"), Weight(prefix + ".bias")], null,
            ("axis", -1L), ("epsilon", (float)config.LayerNormEps));
        string Activation(string x) => config.HiddenAct switch
        {
            "gelu" => Gelu(g, x),
            "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => TanhGelu(g, x),
            "relu" => g.Node("Relu", [x]),
            var other => throw new InvalidOperationException($"hidden_act '{other}' has no ONNX form here."),
        };

        var ids = g.Input(InputIds, OnnxDataType.Int64, BatchAxis, SequenceAxis);
        var mask = g.Input(AttentionMask, OnnxDataType.Int64, BatchAxis, SequenceAxis);
        var types = g.Input(TokenTypeIds, OnnxDataType.Int64, BatchAxis, SequenceAxis);

        // Embeddings: word + position (rows 0 .. sequence_length-1) + token type, then LayerNorm.
        var length = g.Node("Shape", [ids], null, ("start", 1L), ("end", 2L));
        var positions = g.Node("Slice", [Weight("bert.embeddings.position_embeddings.weight"), g.Int64s(0), length, g.Int64s(0)]);
        var words = g.Node("Gather", [Weight("bert.embeddings.word_embeddings.weight"), ids]);
        var typeRows = g.Node("Gather", [Weight("bert.embeddings.token_type_embeddings.weight"), types]);
        var hidden = LayerNorm(g.Node("Add", [g.Node("Add", [words, positions]), typeRows]), "bert.embeddings.LayerNorm");

        // Hugging Face's extended attention mask: (1 - mask) * the float32 minimum, [batch, 1, 1, sequence], added to the scores.
        var keep = g.Node("Unsqueeze", [g.Node("Cast", [mask], null, ("to", (long)OnnxDataType.Float)), g.Int64s(1, 2)]);
        var additiveMask = g.Node("Mul", [g.Node("Sub", [g.Scalar(1f), keep]), g.Scalar(float.MinValue)]);

        int heads = config.NumAttentionHeads, headSize = config.HeadSize;
        var splitShape = g.Int64s(0, 0, heads, headSize);
        var mergeShape = g.Int64s(0, 0, config.HiddenSize);
        var scale = g.Scalar((float)Math.Sqrt(headSize));
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var prefix = $"bert.encoder.layer.{layer.ToString(CultureInfo.InvariantCulture)}";
            string Heads(string projection, long[] perm) =>
                g.Node("Transpose", [g.Node("Reshape", [Linear(hidden, $"{prefix}.attention.self.{projection}"), splitShape])], null, ("perm", perm));
            var query = Heads("query", [0, 2, 1, 3]);
            var keyT = Heads("key", [0, 2, 3, 1]);
            var value = Heads("value", [0, 2, 1, 3]);
            var scores = g.Node("Add", [g.Node("Div", [g.Node("MatMul", [query, keyT]), scale]), additiveMask]);
            var probabilities = g.Node("Softmax", [scores], null, ("axis", -1L));
            var context = g.Node("Reshape", [g.Node("Transpose", [g.Node("MatMul", [probabilities, value])], null, ("perm", new long[] { 0, 2, 1, 3 })), mergeShape]);
            var attended = LayerNorm(g.Node("Add", [Linear(context, $"{prefix}.attention.output.dense"), hidden]), $"{prefix}.attention.output.LayerNorm");
            var expanded = Activation(Linear(attended, $"{prefix}.intermediate.dense"));
            hidden = LayerNorm(g.Node("Add", [Linear(expanded, $"{prefix}.output.dense"), attended]), $"{prefix}.output.LayerNorm");
        }

        string Pooled(string? output) => g.Node("Tanh", [g.Node("Gemm",
            [g.Node("Gather", [hidden, g.Int64Scalar(0)], null, ("axis", 1L)), Weight("bert.pooler.dense.weight"), Weight("bert.pooler.dense.bias")],
            null, ("transB", 1L))], output);

        switch (task)
        {
            case null:
                g.Node("Identity", [hidden], LastHiddenState);
                g.Output(LastHiddenState, OnnxDataType.Float, BatchAxis, SequenceAxis, config.HiddenSize);
                Pooled(PoolerOutput);
                g.Output(PoolerOutput, OnnxDataType.Float, BatchAxis, config.HiddenSize);
                break;
            case FineTuneTask.TokenClassification:
                var tagWeight = Weight("classifier.weight", transposed: true);
                g.Node("Add", [g.Node("MatMul", [hidden, tagWeight]), Weight("classifier.bias")], Logits);
                g.Output(Logits, OnnxDataType.Float, BatchAxis, SequenceAxis, parameters["classifier.bias"].shape[0]);
                break;
            default:
                g.Node("Gemm", [Pooled(null), Weight("classifier.weight"), Weight("classifier.bias")], Logits, ("transB", 1L));
                g.Output(Logits, OnnxDataType.Float, BatchAxis, parameters["classifier.bias"].shape[0]);
                break;
        }
        return g;
    }

    /// <summary>Exact GELU, x · ½ · (1 + erf(x / √2)), as BERT's "gelu" is.</summary>
    static string Gelu(OnnxGraphBuilder g, string x)
    {
        var erf = g.Node("Erf", [g.Node("Div", [x, g.Scalar(MathF.Sqrt(2f))])]);
        return g.Node("Mul", [g.Node("Mul", [x, g.Scalar(0.5f)]), g.Node("Add", [erf, g.Scalar(1f)])]);
    }

    /// <summary>The tanh approximation: ½x · (1 + tanh(√(2/π) · (x + 0.044715 x³))).</summary>
    static string TanhGelu(OnnxGraphBuilder g, string x)
    {
        var cube = g.Node("Mul", [g.Node("Mul", [x, x]), x]);
        var inner = g.Node("Mul", [g.Node("Add", [x, g.Node("Mul", [cube, g.Scalar(0.044715f)])]), g.Scalar(MathF.Sqrt(2f / MathF.PI))]);
        return g.Node("Mul", [g.Node("Mul", [x, g.Scalar(0.5f)]), g.Node("Add", [g.Node("Tanh", [inner]), g.Scalar(1f)])]);
    }

    /// <summary>A parameter's values as little-endian float32, on the CPU, optionally transposed ([out, in] to [in, out]).</summary>
    static void WriteFloat32(Stream stream, Tensor parameter, bool transposed)
    {
        using var scope = NewDisposeScope();
        var source = parameter.detach();
        if (transposed) source = source.t();
        var host = source.to(ScalarType.Float32).cpu().contiguous();
        stream.Write(host.bytes);
    }
}
