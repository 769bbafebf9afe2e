using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data.FineTuning;

/// <summary>
/// Labelled rows or tagged sentences, tokenized, truncated and label-mapped once, held in
/// memory as <see cref="FineTuneExample"/>s, with what the encoding left out or cut.
/// </summary>
public sealed class FineTuneExamples : IFineTuneExamples
{
    readonly List<FineTuneExample> examples = [];
    readonly List<string> sources = [];
    readonly SkippedRows skipped = new();
    readonly long[]? counts;

    FineTuneExamples(FineTuneTask task, LabelMap? labels, int maxLength)
    {
        Task = task;
        Labels = labels;
        MaxLength = maxLength;
        counts = labels is null ? null : new long[labels.Count];
    }

    public FineTuneTask Task { get; }

    /// <summary>The label (or tag) map the examples' ids refer to; null for regression.</summary>
    public LabelMap? Labels { get; }

    public int MaxLength { get; }

    public long Count => examples.Count;

    public FineTuneExample Get(long index) => examples[checked((int)index)];

    /// <summary>Where example <paramref name="index"/> was read ("file:line", "input object N").</summary>
    public string SourceOf(long index) => sources[checked((int)index)];

    /// <summary>How many examples lost tokens to <see cref="MaxLength"/>.</summary>
    public int Truncated { get; private set; }

    /// <summary>Rows left out, with SkipInvalidRows, for labels the map lacks (or a regression label that is no number).</summary>
    public SkippedRows Skipped => skipped;

    /// <summary>
    /// Per label id, how often it is a target: rows per class (single-label), rows where the
    /// label is on (multi-label), labelled positions per tag (token classification, after
    /// truncation, ignored positions not counted). Null for regression. Unlabelled rows count
    /// nowhere. <see cref="ClassWeights.Auto"/> takes these.
    /// </summary>
    public IReadOnlyList<long>? LabelCounts => counts;

    void Add(FineTuneExample example, string source, bool truncated)
    {
        examples.Add(example);
        sources.Add(source);
        if (truncated) Truncated++;
    }

    void Tally(int labelId) => counts![labelId]++;

    /// <summary>
    /// Encodes the rows of a sequence task: [CLS] A [SEP] (B [SEP]), cut to MaxLength by
    /// "longest_first": one token at a time from the end of the longer text, from B when the
    /// two are as long (as Hugging Face's Python tokenizers do), so a long text never starves a short
    /// one. A single text is cut from its end.
    /// </summary>
    /// <param name="labels">The class map for the classification tasks (required); ignored for regression.</param>
    public static FineTuneExamples FromRows(IEnumerable<LabeledRow> rows, FineTuneTask task, LabelMap? labels, BertVocabulary vocabulary, FineTuneEncodingOptions? options = null)
    {
        if (task == FineTuneTask.TokenClassification)
            throw new ArgumentException("Token classification examples are encoded with FromSentences.", nameof(task));
        if (task.HasLabelMap() && labels is null)
            throw new ArgumentNullException(nameof(labels), $"{task} needs a label map.");
        options ??= FineTuneEncodingOptions.Default;
        var set = new FineTuneExamples(task, task.HasLabelMap() ? labels : null, SequenceLength.Validate(options.MaxLength));
        foreach (var row in rows)
        {
            if (!set.TryLabel(row, options.SkipInvalidRows, out int classLabel, out float[]? targets)) continue;
            var a = vocabulary.Encode(row.Text);
            var b = row.TextPair is null ? null : vocabulary.Encode(row.TextPair);
            var (ids, types, truncated) = Assemble(vocabulary, a, b, set.MaxLength);
            set.Add(new FineTuneExample(ids, types, classLabel, targets, null, null), row.Source, truncated);
        }
        return set;
    }

    /// <summary>
    /// [CLS] A [SEP] or [CLS] A [SEP] B [SEP] with token types 0 and 1, cut to
    /// <paramref name="maxLength"/> by longest_first; the one place sequence inputs are laid out,
    /// for training and inference alike.
    /// </summary>
    internal static (int[] Ids, int[] Types, bool Truncated) Assemble(BertVocabulary vocabulary, IReadOnlyList<int> a, IReadOnlyList<int>? b, int maxLength)
    {
        int specials = b is null ? 2 : 3;
        var (keepA, keepB) = LongestFirst(a.Count, b?.Count ?? 0, maxLength - specials);
        var ids = new int[keepA + keepB + specials];
        var types = new int[ids.Length];
        ids[0] = vocabulary.ClsId;
        for (int i = 0; i < keepA; i++) ids[1 + i] = a[i];
        ids[1 + keepA] = vocabulary.SepId;
        if (b is not null)
        {
            for (int i = 0; i < keepB; i++) ids[2 + keepA + i] = b[i];
            ids[^1] = vocabulary.SepId;
            types.AsSpan(2 + keepA).Fill(1);
        }
        return (ids, types, keepA + keepB < a.Count + (b?.Count ?? 0));
    }

    /// <summary>How many tokens of each text stay within <paramref name="budget"/>, by longest_first.</summary>
    internal static (int A, int B) LongestFirst(int a, int b, int budget)
    {
        while (a + b > budget)
        {
            if (a > b) a--;
            else b--;
        }
        return (a, b);
    }

    /// <summary>A row's class id (single-label) or targets (multi-label, regression); false when the row is rejected.</summary>
    bool TryLabel(LabeledRow row, bool skip, out int classLabel, out float[]? targets)
    {
        classLabel = -1;
        targets = null;
        if (row.Label is null) return true;
        switch (Task)
        {
            case FineTuneTask.Regression:
                if (row.Value is { } value || LabeledRowBuilder.TryParseValue(row.Label, out value))
                {
                    targets = [(float)value];
                    return true;
                }
                skipped.Reject(SkippedRows.RowInvalid, row.Source, $"the label \"{row.Label}\" is not a finite number", skip, row.Source);
                return false;
            case FineTuneTask.MultiLabelClassification:
                var hot = new float[Labels!.Count];
                foreach (var label in row.Labels)
                {
                    if (!TryId(label, row.Source, skip, out int id)) return false;
                    hot[id] = 1;
                }
                for (int id = 0; id < hot.Length; id++) if (hot[id] != 0) Tally(id);
                targets = hot;
                return true;
            default:
                if (!TryId(row.Label, row.Source, skip, out classLabel)) return false;
                Tally(classLabel);
                return true;
        }
    }

    bool TryId(string label, string source, bool skip, out int id)
    {
        if (Labels!.TryGetId(label, out id)) return true;
        skipped.Reject(SkippedRows.LabelUnknown, source, $"the label '{label}' is not one of the {Labels.Count} labels ({Labels.Describe()})", skip, source);
        return false;
    }

    /// <summary>
    /// Encodes tagged sentences: each word tokenized on its own (a word with no WordPiece, such
    /// as a lone control character, becomes one [UNK] so that words and tags stay aligned),
    /// [CLS] pieces [SEP], cut to MaxLength (possibly inside a word), with the tag on the
    /// first piece of each word (see <see cref="FineTuneEncodingOptions.LabelAllSubTokens"/>)
    /// and <see cref="FineTuneExample.IgnoredLabel"/> on [CLS] and [SEP].
    /// </summary>
    public static FineTuneExamples FromSentences(IEnumerable<TaggedSentence> sentences, LabelMap tags, BertVocabulary vocabulary, FineTuneEncodingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tags);
        options ??= FineTuneEncodingOptions.Default;
        var set = new FineTuneExamples(FineTuneTask.TokenClassification, tags, SequenceLength.Validate(options.MaxLength));
        var continuation = ContinuationTags(tags, options.LabelAllSubTokens);
        var ids = new List<int>();
        var labels = new List<int>();
        var words = new List<int>();
        foreach (var sentence in sentences)
        {
            if (sentence.Words.Count != sentence.Tags.Count)
                throw new ArgumentException($"The sentence at {sentence.Source} has {sentence.Words.Count} words but {sentence.Tags.Count} tags.", nameof(sentences));
            var tagIds = new int[sentence.Tags.Count];
            bool known = true;
            for (int w = 0; w < tagIds.Length && known; w++)
                known = set.TryId(sentence.Tags[w], sentence.Source, options.SkipInvalidRows, out tagIds[w]);
            if (!known) continue;

            ids.Clear(); labels.Clear(); words.Clear();
            ids.Add(vocabulary.ClsId); labels.Add(FineTuneExample.IgnoredLabel); words.Add(-1);
            int body = set.MaxLength - 1;
            bool truncated = false;
            for (int w = 0; w < tagIds.Length && !truncated; w++)
            {
                var pieces = vocabulary.Encode(sentence.Words[w]);
                if (pieces.Count == 0) pieces = [vocabulary.UnknownId];
                for (int p = 0; p < pieces.Count; p++)
                {
                    if (ids.Count == body) { truncated = true; break; }
                    ids.Add(pieces[p]);
                    words.Add(w);
                    labels.Add(p == 0 ? tagIds[w] : continuation?[tagIds[w]] ?? FineTuneExample.IgnoredLabel);
                }
            }
            ids.Add(vocabulary.SepId); labels.Add(FineTuneExample.IgnoredLabel); words.Add(-1);
            foreach (var label in labels) if (label >= 0) set.Tally(label);
            set.Add(new FineTuneExample([.. ids], new int[ids.Count], -1, null, [.. labels], [.. words]), sentence.Source, truncated);
        }
        return set;
    }

    /// <summary>The tag of a word's later sub-tokens, by its first sub-token's tag: null when they are ignored.</summary>
    static int[]? ContinuationTags(LabelMap tags, bool labelAll)
    {
        if (!labelAll) return null;
        var map = new int[tags.Count];
        for (int id = 0; id < map.Length; id++)
            map[id] = tags[id].StartsWith("B-", StringComparison.Ordinal) && tags.TryGetId("I-" + tags[id][2..], out int inside) ? inside : id;
        return map;
    }
}
