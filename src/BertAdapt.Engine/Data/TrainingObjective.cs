namespace BertAdapt.Engine.Data;

/// <summary>What a pre-training run learns: masked LM alone, or masked LM with next-sentence prediction.</summary>
public enum TrainingObjective { Mlm, MlmNsp }
