namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>
/// The Hugging Face names of an ONNX file's initializers: a leading <c>bert.</c> dropped, the
/// graph's shape and axis constants left out, and anonymous MatMul/Gemm weights named after the
/// bias they feed.
/// </summary>
internal static class OnnxWeightNames
{
    internal static string StripPrefix(string name) => name.StartsWith("bert.", StringComparison.Ordinal) ? name["bert.".Length..] : name;

    /// <summary>Scalars, single values and short integer vectors: the graph's shape and axis constants, not weights.</summary>
    internal static bool IsGraphConstant(OnnxTensor t, SafeTensorDType dtype)
    {
        if (t.Dims.Count == 0) return true;
        long count = SafeTensorDTypes.ElementCount(t.Dims);
        if (count <= 1) return true;
        bool integer = dtype is SafeTensorDType.I64 or SafeTensorDType.I32 or SafeTensorDType.I16 or SafeTensorDType.I8
            or SafeTensorDType.U8 or SafeTensorDType.BOOL;
        return integer && t.Dims.Count == 1 && count <= 16;
    }

    /// <summary>
    /// Names anonymous Linear weights: MatMul(x, W) whose output is added to a named bias B, or
    /// Gemm(x, W, B), gives W the name of B with <c>.bias</c> replaced by <c>.weight</c>. A weight
    /// claimed for two different names keeps its own.
    /// </summary>
    internal static Dictionary<string, (string Name, bool Transposed)> TraceLinearWeights(OnnxGraph graph,
        Dictionary<string, OnnxTensor> initializers, Dictionary<string, List<OnnxNode>> consumers)
    {
        var result = new Dictionary<string, (string Name, bool Transposed)>(StringComparer.Ordinal);
        var ambiguous = new HashSet<string>(StringComparer.Ordinal);

        void Propose(string weight, string bias, bool transposed)
        {
            var name = StripPrefix(bias)[..^".bias".Length] + ".weight";
            if (result.TryGetValue(weight, out var existing) && existing != (name, transposed)) ambiguous.Add(weight);
            else result[weight] = (name, transposed);
        }

        bool IsBias(string name, long length, out OnnxTensor? bias)
        {
            bias = null;
            if (!name.EndsWith(".bias", StringComparison.Ordinal) || !initializers.TryGetValue(name, out var b)) return false;
            if (b.Dims.Count != 1 || b.Dims[0] != length) return false;
            bias = b;
            return true;
        }

        foreach (var node in graph.Nodes)
        {
            if (node.Domain is not ("" or "ai.onnx")) continue;
            if (node.OpType == "MatMul" && node.Inputs.Count == 2 && node.Outputs.Count >= 1
                && initializers.TryGetValue(node.Inputs[1], out var w) && w.Dims.Count == 2 && !IsNamedWeight(w.Name)
                && consumers.TryGetValue(node.Outputs[0], out var users))
            {
                foreach (var add in users)
                {
                    if (add.OpType != "Add" || add.Inputs.Count != 2) continue;
                    var other = add.Inputs[0] == node.Outputs[0] ? add.Inputs[1] : add.Inputs[0];
                    if (IsBias(other, w.Dims[1], out _)) Propose(w.Name, other, transposed: true);
                }
            }
            else if (node.OpType == "Gemm" && node.Inputs.Count == 3
                && initializers.TryGetValue(node.Inputs[1], out var g) && g.Dims.Count == 2 && !IsNamedWeight(g.Name))
            {
                bool transB = node.Attribute("transB")?.Int is long tb && tb != 0;
                long outputs = transB ? g.Dims[0] : g.Dims[1];
                if (IsBias(node.Inputs[2], outputs, out _)) Propose(g.Name, node.Inputs[2], transposed: !transB);
            }
        }
        foreach (var name in ambiguous) result.Remove(name);
        return result;
    }

    static bool IsNamedWeight(string name) => name.EndsWith(".weight", StringComparison.Ordinal);
}
