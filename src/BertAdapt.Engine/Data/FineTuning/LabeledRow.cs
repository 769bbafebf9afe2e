namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// One labelled text (or text pair) of a sequence task, as read: nothing is tokenized yet.
/// </summary>
/// <param name="Text">The text, as it was in the file (not trimmed).</param>
/// <param name="TextPair">The second text of a pair task (such as entailment), or null.</param>
/// <param name="Label">
/// The label as text, trimmed: the class of a single-label row, the number of a regression
/// row, the labels joined by the read options' separator for a multi-label row; null for an
/// unlabelled row (read without a label column, for prediction).
/// </param>
/// <param name="Source">Where the row came from: "file:line" (1-based) or "input object N".</param>
public sealed record LabeledRow(string Text, string? TextPair, string? Label, string Source)
{
    readonly IReadOnlyList<string>? labels;

    /// <summary>
    /// The row's labels: for multi-label rows each label once, in the order first given (empty
    /// when none applies); otherwise <see cref="Label"/> alone, or none.
    /// </summary>
    public IReadOnlyList<string> Labels
    {
        get => labels ?? (Label is null ? [] : [Label]);
        init => labels = value;
    }

    /// <summary>A regression row's target, <see cref="Label"/> read as an invariant-culture number.</summary>
    public double? Value { get; init; }
}

/// <summary>
/// One sentence of a token-classification file: its words and one tag per word.
/// </summary>
/// <param name="Source">"file:line" of the sentence's first word.</param>
public sealed record TaggedSentence(IReadOnlyList<string> Words, IReadOnlyList<string> Tags, string Source);
