namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// The settings of BERT's basic tokenizer, as Hugging Face's BasicTokenizer takes them from a
/// vocabulary's tokenizer_config.json. Only what BertAdapt supports today is here; the others
/// (strip_accents on its own, tokenize_chinese_chars, never_split, do_split_on_punc) belong here
/// too, as plain settings that <see cref="BasicTokenizer"/> reads.
/// </summary>
internal sealed record BasicTokenizerSettings
{
    /// <summary>do_lower_case: lower-case every word and strip its accents.</summary>
    public bool LowerCase { get; init; } = true;

    /// <summary>
    /// Tokens found in the raw text before anything else, exactly as written (so "[mask]" is not
    /// "[MASK]"), and kept whole. Each must start with an ASCII character, as BERT's all do.
    /// </summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [];
}
