namespace BertAdapt.Engine.Tokenization;

/// <summary>One word the vocabulary splits into several WordPiece pieces, and what adding it would save.</summary>
/// <param name="Pieces">The pieces in order; as text (an Export-Csv column) joined by spaces, "journal ##ct ##l".</param>
public sealed record FragmentedWord(string Word, long Count, DelimitedList<string> Pieces, int PieceCount, long TokensSaved);
