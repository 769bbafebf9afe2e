namespace BertAdapt.Engine.Studies;

/// <summary>
/// One fine-tuning run of a study: a strategy at a masking rate (null for FineTuneOnly) and a
/// seed, started from <paramref name="Pretrained"/>'s last stage, or from the base model.
/// </summary>
public sealed record FineTuneRun(string Folder, AdaptationStrategy Strategy, double? MaskProbability, long Seed, PretrainStage? Pretrained);
