namespace BertAdapt.Engine.Studies;

/// <summary>
/// What a model goes through before it is fine-tuned, in the study's comparison: nothing
/// (FineTuneOnly); masked-LM on the domain corpus (DomainMlm, Gururangan et al.'s DAPT); the same
/// with next-sentence prediction (DomainMlmNsp, BERT's original objective); masked-LM on the
/// task's own training text (TaskMlm, TAPT); or domain then task masked-LM, the budget split in
/// half (DomainThenTaskMlm).
/// </summary>
public enum AdaptationStrategy { FineTuneOnly, DomainMlm, DomainMlmNsp, TaskMlm, DomainThenTaskMlm }

/// <summary>Which corpus a pre-training stage reads.</summary>
public enum PretrainCorpus { Domain, Task }
