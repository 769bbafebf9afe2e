using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data;

/// <summary>
/// Test reference only: the straightforward sequential packer that PackedExamples must equal.
/// Turns documents into training sequences of at most <c>sequenceLength</c> tokens, each
/// <c>[CLS] … [SEP]</c>. Packed (the default): the token stream of all documents, with [SEP]
/// between documents, is cut into full-length windows, so no position is wasted on padding.
/// </summary>
public sealed class SequencePacker(BertVocabulary vocabulary, int sequenceLength)
{
    public int SequenceLength { get; } = Data.SequenceLength.Validate(sequenceLength);

    /// <summary>Packs every document in order; the last window may be shorter.</summary>
    public IEnumerable<int[]> Pack(IEnumerable<IReadOnlyList<string>> documents)
    {
        int body = SequenceLength - 2;
        var window = new List<int>(body);
        bool seenToken = false;
        foreach (var document in documents)
        {
            bool boundary = seenToken; // a [SEP] goes between documents, never first
            foreach (var line in document)
                foreach (var id in vocabulary.Encode(line))
                {
                    if (boundary && window.Count > 0)
                    {
                        window.Add(vocabulary.SepId);
                        if (window.Count == body) { yield return Wrap(window); window.Clear(); }
                    }
                    boundary = false;
                    seenToken = true;
                    window.Add(id);
                    if (window.Count == body) { yield return Wrap(window); window.Clear(); }
                }
        }
        if (window.Count > 0) yield return Wrap(window);
    }

    int[] Wrap(List<int> body)
    {
        var sequence = new int[body.Count + 2];
        sequence[0] = vocabulary.ClsId;
        body.CopyTo(sequence, 1);
        sequence[^1] = vocabulary.SepId;
        return sequence;
    }
}
