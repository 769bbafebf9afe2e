namespace BertAdapt.Engine.Evaluation;

/// <summary>
/// Entity-level metrics for token classification (named-entity recognition) with BIO tags.
/// </summary>
/// <remarks>
/// <para>Tags are <c>O</c>, <c>B-TYPE</c> or <c>I-TYPE</c> (case-sensitive; the type is everything
/// after the first hyphen and may itself contain hyphens). Grouping follows the lenient
/// conlleval rules, which read both IOB2 and IOB1 data:</para>
/// <list type="bullet">
/// <item>an entity starts at <c>B-X</c>, and at <c>I-X</c> when the tag before it is <c>O</c>,
/// the start of the sentence, or a tag of another type;</item>
/// <item>an entity ends before <c>O</c>, before any <c>B-</c> tag (so <c>B-X B-X</c> is two
/// entities), before <c>I-Y</c> with Y ≠ X, and at the end of the sentence.</item>
/// </list>
/// <para>IOBES/BILOU prefixes (<c>E-</c>, <c>S-</c>, <c>L-</c>, <c>U-</c>) are not supported.
/// Any tag that is not one of the three forms above — a bare type such as <c>PER</c>, an empty
/// type such as <c>B-</c>, a lowercase <c>o</c>, an empty string — is rejected with an
/// <see cref="ArgumentException"/> that names where it was found, rather than guessed at.</para>
/// </remarks>
public static class TokenClassificationMetrics
{
    /// <summary>Groups one sentence's tags into entities, in order of their start.</summary>
    /// <exception cref="ArgumentException">A tag is not <c>O</c>, <c>B-TYPE</c> or <c>I-TYPE</c>.</exception>
    public static IReadOnlyList<EntitySpan> ExtractEntities(IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return Extract(tags, sentence: null, nameof(tags));
    }

    /// <summary>
    /// Scores predicted tag sequences against gold ones, sentence by sentence (entities never
    /// cross a sentence boundary).
    /// </summary>
    /// <exception cref="ArgumentException">The sentence counts or the lengths of a sentence differ,
    /// there are no tokens at all, or a tag is malformed.</exception>
    public static TokenClassificationReport Evaluate(IReadOnlyList<IReadOnlyList<string>> gold, IReadOnlyList<IReadOnlyList<string>> predicted)
    {
        ArgumentNullException.ThrowIfNull(gold);
        ArgumentNullException.ThrowIfNull(predicted);
        if (gold.Count != predicted.Count)
            throw new ArgumentException($"There are {gold.Count} gold sentences but {predicted.Count} predicted sentences.", nameof(predicted));

        var counts = new SortedDictionary<string, int[]>(StringComparer.Ordinal); // type -> [gold, predicted, correct]
        int[] CountsOf(string type)
        {
            if (!counts.TryGetValue(type, out var c)) counts[type] = c = new int[3];
            return c;
        }
        int tokens = 0, matchingTags = 0, goldEntities = 0, predictedEntities = 0, correctEntities = 0;
        for (int s = 0; s < gold.Count; s++)
        {
            var g = gold[s] ?? throw new ArgumentException($"Gold sentence {s} is null.", nameof(gold));
            var p = predicted[s] ?? throw new ArgumentException($"Predicted sentence {s} is null.", nameof(predicted));
            if (g.Count != p.Count)
                throw new ArgumentException($"Sentence {s} has {g.Count} gold tags but {p.Count} predicted tags.", nameof(predicted));
            var goldSpans = Extract(g, s, nameof(gold));
            var predictedSpans = Extract(p, s, nameof(predicted));
            tokens += g.Count;
            for (int t = 0; t < g.Count; t++)
                if (string.Equals(g[t], p[t], StringComparison.Ordinal)) matchingTags++;
            foreach (var span in goldSpans) CountsOf(span.Type)[0]++;
            foreach (var span in predictedSpans) CountsOf(span.Type)[1]++;
            // Spans within one sentence are distinct, so a set lookup counts each match once.
            var goldSet = new HashSet<EntitySpan>(goldSpans);
            foreach (var span in predictedSpans)
            {
                if (!goldSet.Contains(span)) continue;
                CountsOf(span.Type)[2]++;
                correctEntities++;
            }
            goldEntities += goldSpans.Count;
            predictedEntities += predictedSpans.Count;
        }
        if (tokens == 0) throw new ArgumentException("There is nothing to evaluate: the sentences have no tokens.", nameof(gold));

        var perType = new List<EntityTypeMetrics>(counts.Count);
        double macroSum = 0;
        foreach (var (type, c) in counts)
        {
            var (precision, recall, f1) = Prf.Of(c[2], c[1], c[0]);
            perType.Add(new EntityTypeMetrics(type, precision, recall, f1, Support: c[0], Predicted: c[1], Correct: c[2]));
            macroSum += f1;
        }
        var micro = Prf.Of(correctEntities, predictedEntities, goldEntities);
        return new TokenClassificationReport(
            Sentences: gold.Count,
            Tokens: tokens,
            TokenAccuracy: (double)matchingTags / tokens,
            GoldEntities: goldEntities,
            PredictedEntities: predictedEntities,
            CorrectEntities: correctEntities,
            Precision: micro.Precision,
            Recall: micro.Recall,
            F1: micro.F1,
            MacroF1: perType.Count == 0 ? 0 : macroSum / perType.Count,
            PerType: perType);
    }

    static List<EntitySpan> Extract(IReadOnlyList<string> tags, int? sentence, string parameter)
    {
        var spans = new List<EntitySpan>();
        string? openType = null;
        int openStart = 0;
        for (int i = 0; i < tags.Count; i++)
        {
            var (prefix, type) = Parse(tags[i], i, sentence, parameter);
            // Continue the open entity only on I- of the same type; anything else closes it.
            if (prefix == 'I' && openType is not null && string.Equals(type, openType, StringComparison.Ordinal)) continue;
            if (openType is not null) spans.Add(new EntitySpan(openType, openStart, i));
            openType = type; // null for O; B-X and a fresh I-X both open an entity here
            openStart = i;
        }
        if (openType is not null) spans.Add(new EntitySpan(openType, openStart, tags.Count));
        return spans;
    }

    static (char Prefix, string? Type) Parse(string? tag, int position, int? sentence, string parameter)
    {
        if (tag == "O") return ('O', null);
        if (tag is { Length: > 2 } && (tag[0] == 'B' || tag[0] == 'I') && tag[1] == '-') return (tag[0], tag[2..]);
        string where = sentence is int s ? $"sentence {s}, token {position}" : $"token {position}";
        string shown = tag is null ? "null" : $"'{tag}'";
        throw new ArgumentException(
            $"Tag {shown} at {where} is not a BIO tag: expected 'O', 'B-TYPE' or 'I-TYPE' (IOBES and bare types are not supported).",
            parameter);
    }
}
