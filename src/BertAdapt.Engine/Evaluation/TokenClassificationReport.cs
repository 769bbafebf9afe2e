using System.Globalization;

namespace BertAdapt.Engine.Evaluation;

/// <summary>
/// One entity in a tag sequence: its type and the tokens it covers, from
/// <see cref="Start"/> up to but not including <see cref="End"/>.
/// </summary>
public sealed record EntitySpan(string Type, int Start, int End)
{
    public int Length => End - Start;
}

/// <summary>
/// Entity-level scores of one entity type. <see cref="Support"/> counts the gold entities of
/// the type, <see cref="Predicted"/> the predicted ones, <see cref="Correct"/> those predicted
/// with exactly the gold type, start and end. A ratio whose denominator is zero is 0.
/// </summary>
public sealed record EntityTypeMetrics(string Type, double Precision, double Recall, double F1, int Support, int Predicted, int Correct)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Type}: P {Precision:F3} R {Recall:F3} F1 {F1:F3} n {Support}");
}

/// <summary>
/// How well predicted tag sequences find the gold entities (see
/// <see cref="TokenClassificationMetrics"/> for how tags become entities).
/// </summary>
/// <remarks>
/// <see cref="Precision"/>, <see cref="Recall"/> and <see cref="F1"/> are micro figures over all
/// entities: a predicted entity counts only if a gold entity has the same type, start and end.
/// <see cref="MacroF1"/> is the unweighted mean of the per-type F1 over the types that occur in
/// the gold or predicted tags (0 when there are no entities at all).
/// <see cref="TokenAccuracy"/> is the share of tokens whose predicted tag equals the gold tag.
/// <see cref="PerType"/> is in ordinal order of the type names.
/// </remarks>
public sealed record TokenClassificationReport(
    int Sentences,
    int Tokens,
    double TokenAccuracy,
    int GoldEntities,
    int PredictedEntities,
    int CorrectEntities,
    double Precision,
    double Recall,
    double F1,
    double MacroF1,
    IReadOnlyList<EntityTypeMetrics> PerType)
{
    /// <summary>Every entity type's figures (an evaluation's Report column in Export-Csv).</summary>
    public override string ToString() => string.Join("; ", PerType);
}
