using System.Globalization;
using System.Numerics;
using System.Text;

namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// The classes of a classification task and their ids: what config.json's <c>id2label</c> and
/// <c>label2id</c> hold, and what the classifier's outputs mean.
/// </summary>
/// <remarks>
/// Built from training data, the labels are sorted, so the same labels give the same ids
/// whatever the row order: when every label is an integer ("-1", "0", "2", "10") numerically,
/// otherwise by Unicode code point (Python's sorted() on strings). That is the order Hugging
/// Face's run_glue and run_ner get from sorting the unique labels of a dataset, whose integer
/// columns hold numbers and whose text columns hold strings. Tags are sorted the same way: "O"
/// gets no special id, it lands wherever it sorts (after "B-…" and "I-…" tags in upper case).
/// </remarks>
public sealed class LabelMap
{
    const string Invalid = "FineTuneLabelMapInvalid";

    readonly string[] labels;
    readonly Dictionary<string, int> ids;

    /// <summary>A map whose ids are the positions of <paramref name="labelsById"/>; labels must be distinct and non-blank.</summary>
    public LabelMap(IEnumerable<string> labelsById)
    {
        labels = [.. labelsById];
        ids = new Dictionary<string, int>(labels.Length, StringComparer.Ordinal);
        for (int id = 0; id < labels.Length; id++)
        {
            if (string.IsNullOrWhiteSpace(labels[id]))
                throw new BertAdaptException(Invalid, BertAdaptErrorKind.InvalidData, $"Label {id} is blank; every class needs a name.", labels[id]);
            if (!ids.TryAdd(labels[id], id))
                throw new BertAdaptException(Invalid, BertAdaptErrorKind.InvalidData, $"The label '{labels[id]}' has two ids, {ids[labels[id]]} and {id}.", labels[id]);
        }
        Id2Label = Enumerable.Range(0, labels.Length).ToDictionary(id => id.ToString(CultureInfo.InvariantCulture), id => labels[id]);
        Label2Id = Enumerable.Range(0, labels.Length).ToDictionary(id => labels[id], id => id, StringComparer.Ordinal);
    }

    /// <summary>The labels in id order.</summary>
    public IReadOnlyList<string> Labels => labels;

    public int Count => labels.Length;

    /// <summary>config.json's <c>id2label</c>: ids written as strings ("0", "1", …), built in id order.</summary>
    public IReadOnlyDictionary<string, string> Id2Label { get; }

    /// <summary>config.json's <c>label2id</c>, built in id order.</summary>
    public IReadOnlyDictionary<string, int> Label2Id { get; }

    public bool TryGetId(string label, out int id) => ids.TryGetValue(label, out id);

    public string this[int id] => labels[id];

    /// <summary>The distinct <paramref name="labels"/> in the sorted order described on the class.</summary>
    public static LabelMap Sorted(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToList();
        distinct.Sort(distinct.All(IsInteger) ? CompareIntegers : CompareCodePoints);
        return new LabelMap(distinct);
    }

    /// <summary>
    /// The label map of training rows: the sorted union of their labels. Single-label
    /// classification needs at least two classes, multi-label at least one.
    /// </summary>
    public static LabelMap FromTraining(IEnumerable<LabeledRow> rows, FineTuneTask task)
    {
        if (task is FineTuneTask.Regression or FineTuneTask.TokenClassification)
            throw new ArgumentException($"{task} rows have no label map.", nameof(task));
        var map = Sorted(rows.SelectMany(r => r.Labels));
        return RequireClasses(map, task == FineTuneTask.MultiLabelClassification ? 1 : 2, task);
    }

    /// <summary>The tag map of training sentences: their sorted tags; at least two.</summary>
    public static LabelMap FromTraining(IEnumerable<TaggedSentence> sentences) =>
        RequireClasses(Sorted(sentences.SelectMany(s => s.Tags)), 2, FineTuneTask.TokenClassification);

    static LabelMap RequireClasses(LabelMap map, int least, FineTuneTask task) => map.Count >= least ? map
        : throw new BertAdaptException("FineTuneTooFewLabels", BertAdaptErrorKind.InvalidData,
            $"{task} needs at least {least} distinct {(least == 1 ? "label" : "labels")} in the training data; it has {map.Count}{(map.Count > 0 ? $" ({Describe(map.labels)})" : "")}.");

    /// <summary>
    /// The map a fine-tuned checkpoint's config.json gives as <c>id2label</c>: its keys must be
    /// the ids 0 … n−1 written as integers, each once.
    /// </summary>
    /// <param name="source">Where the map came from, for error messages ("'model/config.json'").</param>
    public static LabelMap FromId2Label(IReadOnlyDictionary<string, string> id2Label, string source)
    {
        if (id2Label.Count == 0)
            throw new BertAdaptException(Invalid, BertAdaptErrorKind.InvalidData, $"The id2label of {source} has no labels.", source);
        var byId = new string?[id2Label.Count];
        foreach (var (key, label) in id2Label)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id >= byId.Length || byId[id] is not null)
                throw new BertAdaptException(Invalid, BertAdaptErrorKind.InvalidData,
                    $"The id2label of {source} has the key \"{key}\"; its keys must be the ids 0 to {byId.Length - 1}, each once.", source);
            byId[id] = label;
        }
        try
        {
            return new LabelMap(byId!);
        }
        catch (BertAdaptException ex)
        {
            throw new BertAdaptException(Invalid, BertAdaptErrorKind.InvalidData, $"The id2label of {source} is not usable: {ex.Message}", source, ex);
        }
    }

    /// <summary>The labels for a message, the first ten quoted: "'neg', 'pos'".</summary>
    internal static string Describe(IReadOnlyList<string> labels) =>
        string.Join(", ", labels.Take(10).Select(l => $"'{l}'")) + (labels.Count > 10 ? $" and {labels.Count - 10} more" : "");

    internal string Describe() => Describe(labels);

    static bool IsInteger(string label)
    {
        var digits = label.AsSpan(label.StartsWith('-') ? 1 : 0);
        return !digits.IsEmpty && !digits.ContainsAnyExcept("0123456789");
    }

    /// <summary>By value; equal values ("1", "01") by their text, so the order is total.</summary>
    static int CompareIntegers(string a, string b)
    {
        int byValue = BigInteger.Parse(a, CultureInfo.InvariantCulture).CompareTo(BigInteger.Parse(b, CultureInfo.InvariantCulture));
        return byValue != 0 ? byValue : CompareCodePoints(a, b);
    }

    /// <summary>
    /// By Unicode code point, as Python compares strings. Ordinal UTF-16 order differs only
    /// where a surrogate pair (U+10000 and up) meets a character from U+E000 to U+FFFF.
    /// </summary>
    static int CompareCodePoints(string a, string b)
    {
        var x = a.EnumerateRunes();
        var y = b.EnumerateRunes();
        while (true)
        {
            bool moreX = x.MoveNext(), moreY = y.MoveNext();
            if (!moreX || !moreY) return moreX != moreY ? moreX.CompareTo(moreY) : string.CompareOrdinal(a, b);
            int order = x.Current.Value.CompareTo(y.Current.Value);
            if (order != 0) return order;
        }
    }
}
