namespace BertAdapt.Engine.Training;

/// <summary>Callbacks a caller (the cmdlet) uses to watch a run.</summary>
public sealed class TrainingCallbacks
{
    /// <summary>After each step: its metrics, the job's step count so far (resumed steps included), and the job's total.</summary>
    public Action<TrainingStepMetrics, int, int>? Step { get; init; }
    public Action<string>? Warning { get; init; }
    public Action<string>? Info { get; init; }
}
