namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// The tokens a vocabulary extension adds, in order, as the tokenizer sees them (normalised as
/// <see cref="BertVocabulary.Encode"/> normalises text), and those it skips because the
/// vocabulary has them or they repeat an earlier one.
/// </summary>
public sealed record VocabularyPlan(IReadOnlyList<string> Added, IReadOnlyList<string> Skipped)
{
    /// <summary>
    /// What adding <paramref name="tokens"/> to <paramref name="vocabulary"/> would do. Throws for
    /// a token the tokenizer could never produce; every token is checked first, so a bad one
    /// changes nothing.
    /// </summary>
    public static VocabularyPlan For(BertVocabulary vocabulary, IEnumerable<string> tokens)
    {
        var add = new List<string>();
        var skip = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in tokens.Select(t => CheckedToken(t, vocabulary)).ToList())
        {
            if (vocabulary.IdOf(token) is not null || !seen.Add(token)) skip.Add(token);
            else add.Add(token);
        }
        return new VocabularyPlan(add, skip);
    }

    /// <summary>
    /// <paramref name="vocabulary"/> with <see cref="Added"/> appended. Throws if the tokenizer
    /// would not produce one of them whole (for example a word over its length limit), since a
    /// row it never emits is dead weight.
    /// </summary>
    public BertVocabulary AppendTo(BertVocabulary vocabulary)
    {
        var extended = BertVocabulary.FromText(string.Join('\n', vocabulary.Tokens.Concat(Added)) + "\n", vocabulary.TextSettings,
            $"{vocabulary.Source} + {Added.Count} added token(s)");
        for (int i = 0; i < Added.Count; i++)
        {
            var ids = extended.Encode(Added[i]);
            if (ids.Count != 1 || ids[0] != vocabulary.Count + i)
                throw Invalid(Added[i], $"WordPiece would not match it whole (words over {BertVocabulary.MaxCharsPerWord} characters become [UNK])");
        }
        return extended;
    }

    /// <summary>The token as the tokenizer sees it, or an error if the basic tokenizer would split or drop it.</summary>
    static string CheckedToken(string? raw, BertVocabulary vocabulary)
    {
        var trimmed = (raw ?? "").Trim();
        if (trimmed.Length == 0) throw Invalid(raw ?? "", "it is empty");
        if (trimmed.Any(char.IsWhiteSpace)) throw Invalid(trimmed, "it contains whitespace");
        var token = vocabulary.Encoder.Basic.Normalize(trimmed);
        var pieces = vocabulary.Encoder.Basic.Split(trimmed);
        if (pieces.Count != 1 || pieces[0].IsSpecial || pieces[0].Text != token)
            throw Invalid(trimmed, "BERT's basic tokenizer would split it at punctuation, CJK or control characters");
        return token;
    }

    static BertAdaptException Invalid(string token, string why) => new("VocabularyTokenInvalid", BertAdaptErrorKind.InvalidArgument,
        $"Cannot add '{token}' to the vocabulary: {why}, so it could never be produced. Give whole words without punctuation.", token);
}
