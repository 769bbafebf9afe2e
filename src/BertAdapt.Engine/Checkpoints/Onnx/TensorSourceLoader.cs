using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Checkpoints.Onnx;

/// <summary>What <see cref="TensorSourceLoader.CopyInto"/> did: parameters filled, parameters the source lacks, and source tensors no parameter takes.</summary>
sealed record TensorCopyReport(IReadOnlyList<string> Filled, IReadOnlyList<string> Missing, IReadOnlyList<string> Unexpected);

/// <summary>
/// Copies the tensors of an <see cref="ITensorSource"/> into a module's parameters by name, a
/// small stand-in for the checkpoint import until ONNX is wired into it.
/// </summary>
static class TensorSourceLoader
{
    /// <summary>
    /// For every parameter of <paramref name="module"/> named <paramref name="prefix"/> + a source
    /// tensor's name, checks the shape and copies the values (converted to the parameter's dtype).
    /// A shape mismatch fails before anything is copied.
    /// </summary>
    public static TensorCopyReport CopyInto(ITensorSource source, nn.Module module, string prefix)
    {
        var parameters = module.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var unexpected = new List<string>();
        var plan = new List<(string Source, string Target)>();
        foreach (var (name, tensor) in source.Tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            if (!parameters.TryGetValue(prefix + name, out var parameter))
            {
                unexpected.Add(name);
                continue;
            }
            if (!tensor.Shape.SequenceEqual(parameter.shape))
                throw new BertAdaptException("CheckpointShapeMismatch", BertAdaptErrorKind.InvalidData,
                    $"'{source.Path}': tensor {name} has shape [{string.Join(", ", tensor.Shape)}] but {prefix + name} is [{string.Join(", ", parameter.shape)}].",
                    source.Path);
            plan.Add((name, prefix + name));
        }

        var filled = new List<string>();
        using (no_grad())
        {
            foreach (var (name, target) in plan)
            {
                using var scope = NewDisposeScope();
                var parameter = parameters[target];
                var values = new float[source.Tensors[name].ElementCount];
                source.ReadFloat32(name, values);
                parameter.copy_(tensor(values, parameter.shape).to(parameter.dtype, parameter.device));
                filled.Add(target);
            }
        }
        var missing = parameters.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && !filled.Contains(k)).Order(StringComparer.Ordinal).ToList();
        return new TensorCopyReport(filled, missing, unexpected);
    }
}
