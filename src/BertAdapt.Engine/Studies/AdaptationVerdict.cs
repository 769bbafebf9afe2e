namespace BertAdapt.Engine.Studies;

/// <summary>
/// A strategy's task metric against fine-tuning alone: Better or Worse when the 95% interval of
/// the difference of means excludes zero, WithinNoise when it holds zero; Baseline for
/// fine-tuning alone itself; Undetermined when there are too few seeds for an interval (fewer
/// than two on either side) or fine-tuning alone is not in the study.
/// </summary>
public enum AdaptationVerdict { Baseline, Better, Worse, WithinNoise, Undetermined }
