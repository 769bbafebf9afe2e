using System.Globalization;

namespace BertAdapt;

/// <summary>
/// A list whose string form is its items joined by a separator, numbers in the invariant culture.
/// The objects the cmdlets write use it for list-valued properties: Export-Csv writes a property
/// by its ToString(), so the column reads <c>disk|network</c> instead of <c>System.String[]</c>,
/// while ConvertTo-Json, which enumerates lists, still writes a JSON array.
/// </summary>
public sealed class DelimitedList<T> : List<T>
{
    readonly string separator;

    public DelimitedList(string separator) => this.separator = separator;

    public DelimitedList(IEnumerable<T> items, string separator) : base(items) => this.separator = separator;

    public override string ToString() =>
        string.Join(separator, this.Select(item => item is IFormattable formattable ? formattable.ToString(null, CultureInfo.InvariantCulture) : item?.ToString()));
}
