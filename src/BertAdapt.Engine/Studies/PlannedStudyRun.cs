namespace BertAdapt.Engine.Studies;

/// <summary>
/// One run of a study as <see cref="StudyEstimate"/> plans it: its folder (under runs/, or
/// base-model), kind (Base, Pretrain, FineTune), strategy, masking rate and seed, and the steps,
/// tokens and seconds it is expected to take. Steps of fine-tuning and every token count come
/// from a sample of the data, so they are estimates unless the files were read whole.
/// </summary>
public sealed record PlannedStudyRun(int Number, string Folder, string Kind, AdaptationStrategy? Strategy, double? MaskProbability, long? Seed,
    int Steps, long Tokens, double EstimatedSeconds, string Description)
{
    public TimeSpan EstimatedTime => TimeSpan.FromSeconds(Math.Round(EstimatedSeconds, 1));
}
