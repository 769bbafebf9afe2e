using BertAdapt.Engine.Data;

namespace BertAdapt.Engine.Training;

/// <summary>Settings of one masked-LM training run. Defaults follow Hugging Face's run_mlm.</summary>
public sealed record MlmTrainingOptions : TrainingOptions
{
    public TrainingObjective Objective { get; init; } = TrainingObjective.Mlm;
    public bool WholeWordMask { get; init; }
    public double MaskProbability { get; init; } = 0.15;

    protected override IEnumerable<KeyValuePair<string, string>> ObjectiveSettings() =>
    [
        new("Objective", TrainingSettings.Text(Objective)),
        new("Whole-word masking", TrainingSettings.Text(WholeWordMask)),
        new("Mask probability", TrainingSettings.Text(MaskProbability)),
    ];
}
