using System.Text.RegularExpressions;

namespace BertAdapt.Engine.Checkpoints.TensorFlow;

/// <summary>
/// Hugging Face's names for the variables of Google's TensorFlow BERT, by the rules of its
/// converter: <c>/</c> separates modules, <c>layer_3</c> is <c>layer.3</c>, <c>kernel</c>,
/// <c>gamma</c> and <c>output_weights</c> are <c>weight</c>, <c>beta</c> and
/// <c>output_bias</c> are <c>bias</c>, an <c>*_embeddings</c> table is that module's
/// <c>weight</c>, and a <c>kernel</c> ([in, out] in TensorFlow) is transposed to PyTorch's
/// [out, in]. Optimizer slots and the step counter are not weights.
/// </summary>
internal static partial class TfNames
{
    [GeneratedRegex(@"^([A-Za-z]+)_(\d+)$")]
    private static partial Regex Numbered();

    /// <summary>Whether a variable is training state rather than a weight (Adam's moments, the step counter).</summary>
    public static bool IsTrainingState(string name) =>
        name is "global_step" || name.EndsWith("/adam_m", StringComparison.Ordinal) || name.EndsWith("/adam_v", StringComparison.Ordinal)
        || name.StartsWith("AdamWeightDecayOptimizer", StringComparison.Ordinal);

    /// <summary>The Hugging Face name of a TensorFlow variable, and whether its matrix is transposed.</summary>
    public static (string Name, bool Transpose) ToHuggingFace(string name)
    {
        var parts = new List<string>();
        bool transpose = false;
        var pieces = name.Split('/');
        for (int i = 0; i < pieces.Length; i++)
        {
            var piece = pieces[i];
            bool last = i == pieces.Length - 1;
            if (Numbered().Match(piece) is { Success: true } numbered)
            {
                parts.Add(numbered.Groups[1].Value);
                parts.Add(numbered.Groups[2].Value);
                continue;
            }
            switch (piece)
            {
                case "kernel": parts.Add("weight"); transpose = last; break;
                case "gamma" or "output_weights": parts.Add("weight"); break;
                case "beta" or "output_bias": parts.Add("bias"); break;
                default:
                    parts.Add(piece);
                    if (last && piece.EndsWith("_embeddings", StringComparison.Ordinal)) parts.Add("weight");
                    break;
            }
        }
        return (string.Join('.', parts), transpose);
    }
}
