namespace BertAdapt.Engine.Inference;

/// <summary>
/// One word of a text as BERT's basic tokenizer sees it, where it lies in the original string
/// (UTF-16 indexes, <see cref="End"/> exclusive) and the WordPiece ids it becomes.
/// </summary>
/// <param name="Start">Index of the word's first character in the original text.</param>
/// <param name="End">Index just past the word's last character, so <c>text[Start..End]</c> is the word as written.</param>
/// <param name="Ids">The word's WordPiece ids: never empty (a word with no pieces is one [UNK]).</param>
/// <param name="IsSpecial">The word is a literal special token such as <c>[MASK]</c> written in the text.</param>
public sealed record OffsetWord(int Start, int End, int[] Ids, bool IsSpecial)
{
    public int Length => End - Start;
}
