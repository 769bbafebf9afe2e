namespace BertAdapt.Engine.Training;

public enum ScheduleKind { Linear, Cosine, Constant }

/// <summary>
/// Linear warmup from zero to the peak, then: linear decay to zero at the last step, cosine
/// decay to zero, or constant.
/// </summary>
public sealed record LearningRateSchedule(ScheduleKind Kind, double PeakLearningRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>The learning rate for optimizer step <paramref name="step"/> (0-based).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps) return PeakLearningRate * (step + 1) / WarmupSteps;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        return Kind switch
        {
            ScheduleKind.Linear => PeakLearningRate * Math.Max(0.0, 1.0 - progress),
            ScheduleKind.Cosine => PeakLearningRate * 0.5 * (1.0 + Math.Cos(Math.PI * Math.Min(1.0, progress))),
            _ => PeakLearningRate,
        };
    }
}
