namespace BertAdapt.Engine.Tokenization;

/// <summary>What BERT's basic tokenizer does with one character of the raw text.</summary>
internal enum CharacterClass : byte
{
    /// <summary>Part of a word.</summary>
    Word,
    /// <summary>Ends a word and is dropped.</summary>
    Separator,
    /// <summary>Dropped without ending the word around it.</summary>
    Removed,
    /// <summary>A word of its own.</summary>
    Punctuation,
    /// <summary>A CJK ideograph: a word of its own.</summary>
    Ideograph,
}
