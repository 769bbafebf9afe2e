namespace BertAdapt.Engine.Training;

/// <summary>
/// Dynamic loss scaling for float16 training, which GPUs before Ampere need (they have no
/// bfloat16): float16 cannot hold gradients below about 6e-8, so the loss is multiplied by a
/// large scale before back-propagation and the gradients divided by it afterwards. When the
/// scaled gradients overflow (inf or NaN), the step is skipped and the scale halved; after
/// <see cref="GrowthInterval"/> good steps in a row it is doubled again. The same rule as
/// PyTorch's GradScaler, which TorchSharp lacks.
/// </summary>
public sealed class LossScaler(double scale)
{
    public const double DefaultInitialScale = 65536;
    public const int GrowthInterval = 2000;

    /// <summary>Below this the overflow is not the scale's fault: the run has diverged.</summary>
    public const double MinimumScale = 1.0 / 65536;

    public double Scale { get; private set; } = scale;

    /// <summary>Good steps since the scale last changed.</summary>
    public int GoodSteps { get; private set; }

    public bool Exhausted => Scale < MinimumScale;

    public static LossScaler Restore(double scale, int goodSteps) => new(scale) { GoodSteps = goodSteps };

    /// <summary>After a step whose unscaled gradients were finite (true) or overflowed (false).</summary>
    public void Update(bool finite)
    {
        if (!finite)
        {
            Scale /= 2;
            GoodSteps = 0;
        }
        else if (++GoodSteps >= GrowthInterval)
        {
            Scale *= 2;
            GoodSteps = 0;
        }
    }
}
