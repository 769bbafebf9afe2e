using BertAdapt.Engine.Data;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// One pre-training run of a study: a strategy's stage (DomainThenTaskMlm has two), its corpus,
/// objective, masking rate, seed, steps, and the folder under the study's runs folder.
/// </summary>
/// <param name="Previous">The stage this one starts from (DomainThenTaskMlm's task stage starts from its domain stage); null for the base model.</param>
public sealed record PretrainStage(string Folder, AdaptationStrategy Strategy, int Stage, PretrainCorpus Corpus, TrainingObjective Objective,
    double MaskProbability, long Seed, int Steps, PretrainStage? Previous);
