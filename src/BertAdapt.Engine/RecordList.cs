namespace BertAdapt;

/// <summary>
/// A list of records (training steps, evaluations) whose string form says how many it holds:
/// a model's Export-Csv row gets <c>6 steps</c> in its History column rather than a type name, and
/// the records themselves are one <c>$model.History | Export-Csv</c> away.
/// </summary>
public sealed class RecordList<T> : List<T>
{
    readonly string singular, plural;

    public RecordList(string singular, string plural) => (this.singular, this.plural) = (singular, plural);

    public override string ToString() => $"{Count} {(Count == 1 ? singular : plural)}";
}
