namespace BertAdapt.Engine.Training;

/// <summary>Linear warmup from zero to the peak, then linear decay to zero at the last step.</summary>
public sealed record LinearSchedule(double PeakLearningRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>The learning rate for optimizer step <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return PeakLearningRate * (step + 1) / WarmupSteps;
        int decaySteps = Math.Max(1, TotalSteps - WarmupSteps);
        return PeakLearningRate * Math.Max(0.0, (double)(TotalSteps - step) / decaySteps);
    }
}
