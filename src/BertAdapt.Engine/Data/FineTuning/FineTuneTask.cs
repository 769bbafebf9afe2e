namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>What a fine-tuned model predicts, and so how its data is labelled.</summary>
public enum FineTuneTask
{
    /// <summary>One class per text (or text pair), trained with cross-entropy.</summary>
    SequenceClassification,

    /// <summary>Any number of classes per text, each a yes/no target (binary cross-entropy).</summary>
    MultiLabelClassification,

    /// <summary>One real number per text (mean squared error).</summary>
    Regression,

    /// <summary>One tag per word, such as named-entity tags in BIO form.</summary>
    TokenClassification,
}

public static class FineTuneTasks
{
    /// <summary>
    /// The <c>problem_type</c> that Hugging Face's config.json gives a sequence model trained
    /// for <paramref name="task"/>; null for token classification, whose config has none.
    /// </summary>
    public static string? ProblemType(this FineTuneTask task) => task switch
    {
        FineTuneTask.SequenceClassification => "single_label_classification",
        FineTuneTask.MultiLabelClassification => "multi_label_classification",
        FineTuneTask.Regression => "regression",
        FineTuneTask.TokenClassification => null,
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, null),
    };

    /// <summary>The sequence task a config.json <c>problem_type</c> names; null for an unknown or absent one.</summary>
    public static FineTuneTask? FromProblemType(string? problemType) => problemType switch
    {
        "single_label_classification" => FineTuneTask.SequenceClassification,
        "multi_label_classification" => FineTuneTask.MultiLabelClassification,
        "regression" => FineTuneTask.Regression,
        _ => null,
    };

    /// <summary>True for the tasks whose labels are classes named in a <see cref="LabelMap"/>.</summary>
    public static bool HasLabelMap(this FineTuneTask task) => task != FineTuneTask.Regression;
}
