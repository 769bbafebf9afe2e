using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

/// <summary>
/// Dropout whose masks come from the owning model's <see cref="DropoutRandom"/> rather than
/// libtorch's process-wide generator: in training mode each element is zeroed with probability
/// <c>p</c> and the rest are scaled by 1 / (1 − p); in eval mode (or with p = 0) it is the identity.
/// It has no parameters or buffers, so it adds nothing to a state dict.
/// </summary>
public sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    readonly DropoutRandom random;

    public SeededDropout(double probability, DropoutRandom random) : base(nameof(SeededDropout))
    {
        if (probability is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(probability), probability, "Dropout must be in [0, 1).");
        Probability = probability;
        this.random = random;
    }

    public double Probability { get; }

    /// <summary>Whether a forward pass now drops anything (training mode and p above zero).</summary>
    public bool Active => training && Probability > 0;

    public override Tensor forward(Tensor input)
    {
        if (!Active) return input;
        using var scope = NewDisposeScope();
        return input.mul(random.Mask(input, 1 - Probability)).MoveToOuterDisposeScope();
    }
}
