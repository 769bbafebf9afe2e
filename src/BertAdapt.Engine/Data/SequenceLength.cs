namespace BertAdapt.Engine.Data;

/// <summary>The one rule every example builder applies to its sequence length.</summary>
public static class SequenceLength
{
    /// <summary>[CLS], [SEP] and a few tokens of text need at least 8 positions.</summary>
    public static int Validate(int sequenceLength) => sequenceLength >= 8 ? sequenceLength
        : throw new BertAdaptException("SequenceLengthTooShort", BertAdaptErrorKind.InvalidArgument, $"The sequence length must be at least 8 (got {sequenceLength}).");
}
