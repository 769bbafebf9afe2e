namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// Receives what <see cref="BasicTokenizer"/> makes of a text, in order. A struct implementing
/// it is called without virtual dispatch, which keeps the encoders' hot loop fast.
/// </summary>
internal interface IBasicTokenSink
{
    /// <summary>A special token written in the text, by its index in <see cref="BasicTokenizer.SpecialTokens"/>, at <c>text[start..end]</c>.</summary>
    void Special(int index, int start, int end);

    /// <summary>One piece of the current word, normalised, as WordPiece is to match it; never empty.</summary>
    void Piece(ReadOnlySpan<char> piece);

    /// <summary>
    /// The current word ends. It was <c>text[start..end]</c> (characters removed inside it
    /// included) and may have given no pieces (a lone accent that stripping removed).
    /// </summary>
    void EndWord(int start, int end);
}
