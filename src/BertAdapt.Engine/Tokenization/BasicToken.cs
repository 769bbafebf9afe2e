namespace BertAdapt.Engine.Tokenization;

/// <summary>
/// One piece of a text as BERT's basic tokenizer hands it to WordPiece, and where the word it
/// came from lies in the original text.
/// </summary>
/// <param name="Text">The piece, normalised; for a special token, the token as written.</param>
/// <param name="Start">Index of the word's first character in the original text.</param>
/// <param name="End">Index just past the word's last character. A word that normalisation splits at punctuation gives several pieces with the same span.</param>
/// <param name="IsSpecial">The piece is a special token such as <c>[MASK]</c> written in the text.</param>
internal sealed record BasicToken(string Text, int Start, int End, bool IsSpecial);
