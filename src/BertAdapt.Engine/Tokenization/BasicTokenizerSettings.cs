namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// The settings of BERT's basic tokenizer, with the meanings Hugging Face's BertTokenizer gives
/// them in a vocabulary's tokenizer_config.json (and tokenizer.json's BertNormalizer and
/// pre-tokenizer, which <see cref="Checkpoints.TokenizerFiles"/> maps onto them).
/// <see cref="BasicTokenizer"/> applies them; a vocabulary carries them, so every encoder does.
/// </summary>
internal sealed record BasicTokenizerSettings
{
    /// <summary>The settings Hugging Face's BertTokenizer uses when tokenizer_config.json says nothing: uncased.</summary>
    public static BasicTokenizerSettings Default { get; } = new();

    /// <summary>do_lower_case: lower-case every word (and, unless <see cref="StripAccents"/> is false, strip its accents).</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>
    /// strip_accents: null follows <see cref="LowerCase"/>; true strips accents even from a cased
    /// vocabulary; false never strips them, even when lower-casing.
    /// </summary>
    public bool? StripAccents { get; init; }

    /// <summary>Whether accents are stripped, once <see cref="StripAccents"/>'s null is resolved.</summary>
    public bool StripsAccents => StripAccents ?? LowerCase;

    /// <summary>tokenize_chinese_chars (handle_chinese_chars in tokenizer.json): each CJK ideograph is a word of its own.</summary>
    public bool SplitChineseCharacters { get; init; } = true;

    /// <summary>do_split_on_punc: each punctuation mark is a word of its own; false leaves punctuation inside words.</summary>
    public bool SplitOnPunctuation { get; init; } = true;

    /// <summary>
    /// do_basic_tokenize: false skips the basic tokenizer altogether, as Hugging Face's
    /// BertTokenizer does: special tokens are still split out, the rest is only split at
    /// whitespace, with no cleaning, normalising, lower-casing or punctuation splitting.
    /// </summary>
    public bool BasicTokenize { get; init; } = true;

    /// <summary>
    /// never_split: whitespace-delimited words kept exactly as written, neither lower-cased,
    /// stripped of accents nor split at punctuation.
    /// </summary>
    public IReadOnlyList<string> NeverSplit { get; init; } = [];

    /// <summary>
    /// Tokens found in the raw text before anything else, exactly as written (so "[mask]" is not
    /// "[MASK]"), and kept whole. Each must start with an ASCII character, as BERT's all do.
    /// </summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [];

    /// <summary>
    /// Every setting that changes how text is cut, other than the special tokens (which the
    /// vocabulary decides), as "name=value" lines: each non-default one, so that the default
    /// settings describe as "" and two settings that tokenize alike describe alike. Part of the
    /// vocabulary fingerprint, and through it of the token cache key.
    /// </summary>
    public string Describe()
    {
        var lines = new List<string>();
        if (StripsAccents != LowerCase) lines.Add($"strip_accents={(StripsAccents ? "true" : "false")}");
        if (!SplitChineseCharacters) lines.Add("tokenize_chinese_chars=false");
        if (!SplitOnPunctuation) lines.Add("do_split_on_punc=false");
        if (!BasicTokenize) lines.Add("do_basic_tokenize=false");
        var neverSplit = NeverSplit.Where(w => w.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (neverSplit.Count > 0) lines.Add("never_split=" + string.Join("\u001F", neverSplit));
        return string.Concat(lines.Select(line => "\n" + line));
    }

    /// <summary>The non-default settings for a summary line, each after ", " ("" for the default ones).</summary>
    public string Summary()
    {
        var described = Describe();
        if (described.Length == 0) return "";
        return string.Concat(described.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => ", " + (line.StartsWith("never_split=", StringComparison.Ordinal) ? $"never_split ({NeverSplit.Count})" : line)));
    }
}
