namespace BertAdapt.Engine.Data.Overlap;

/// <summary>One held-out text (a validation or test example) that a training corpus must not contain.</summary>
/// <param name="Source">Where it is: "file:line N" or "file, record N".</param>
/// <param name="Text">The text as read.</param>
public sealed record HeldOutText(string Source, string Text);
