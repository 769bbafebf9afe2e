using System.Diagnostics;
using System.Management.Automation;
using BertAdapt.Engine.Training;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// The progress bar of a training run: "Step 40 of 300", the percentage, and the seconds left at
/// this session's pace (a resumed run counts only the steps it took itself). Updated at most four
/// times a second, and always for the last step.
/// </summary>
internal sealed class TrainingProgress(Cmdlet cmdlet, int activityId, string activity)
{
    readonly ProgressRecord record = new(activityId, activity, "Starting");
    readonly Stopwatch throttle = Stopwatch.StartNew();
    int? firstStep;

    /// <param name="step">The run's step (resumed steps included) of <paramref name="total"/>.</param>
    /// <param name="detail">What follows "Step N of M" in the status: loss, throughput and so on.</param>
    public void Report(TrainingStepMetrics metrics, int step, int total, string detail)
    {
        firstStep ??= step;
        if (throttle.ElapsedMilliseconds < 250 && step < total) return;
        throttle.Restart();
        int taken = step - firstStep.Value + 1;
        double perStep = metrics.ElapsedSeconds / taken;
        record.StatusDescription = $"Step {step} of {total} | {detail}";
        record.PercentComplete = (int)Math.Clamp(100.0 * step / total, 0, 100);
        record.SecondsRemaining = double.IsFinite(perStep) ? (int)Math.Ceiling(perStep * (total - step)) : -1;
        cmdlet.WriteProgress(record);
    }

    public void Complete()
    {
        record.RecordType = ProgressRecordType.Completed;
        cmdlet.WriteProgress(record);
    }
}
