namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// The fine-tuning head a model already has, as far as its data is concerned: the task it was
/// trained for, its classes (config.json's <c>id2label</c>) and where the model came from, for
/// messages. A model without a head (pre-training only) has none: pass null.
/// </summary>
/// <param name="Task">The task of the head.</param>
/// <param name="Id2Label">config.json's <c>id2label</c>; null for a regression head.</param>
/// <param name="Source">Where the model came from ("'model/config.json'", a path), named in errors about the map.</param>
public sealed record FineTuneHead(FineTuneTask Task, IReadOnlyDictionary<string, string>? Id2Label, string Source);
