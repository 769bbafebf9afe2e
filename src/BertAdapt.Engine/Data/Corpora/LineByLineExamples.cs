using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// One example per line that has tokens: [CLS], the line's tokens cut to SequenceLength − 2,
/// [SEP]. The alternative to packing, for corpora whose lines stand alone. Lines without
/// tokens are skipped through a <see cref="SparseSelection"/>, which keeps no table at all for
/// token-cache shards (they never hold an empty line).
/// </summary>
public sealed class LineByLineExamples : ITrainingExamples
{
    readonly ITokenizedCorpus corpus;
    readonly SparseSelection lines;
    readonly int body, clsId, sepId;

    public LineByLineExamples(ITokenizedCorpus corpus, BertVocabulary vocabulary, int sequenceLength)
    {
        SequenceLength = Data.SequenceLength.Validate(sequenceLength);
        this.corpus = corpus;
        body = SequenceLength - 2;
        clsId = vocabulary.ClsId;
        sepId = vocabulary.SepId;
        lines = SparseSelection.Build(corpus.LineCount, line => corpus.LineStart(line + 1) > corpus.LineStart(line));
    }

    public int SequenceLength { get; }
    public long Count => lines.Count;

    public TrainingExample Get(long index, int epoch)
    {
        var (start, n) = Span(index);
        var ids = new int[n + 2];
        ids[0] = clsId;
        corpus.CopyTokens(start, ids.AsSpan(1, n));
        ids[^1] = sepId;
        return new TrainingExample(ids);
    }

    /// <summary>The example's length from the line table alone, without copying its tokens.</summary>
    public int LengthOf(long index, int epoch) => Span(index).Tokens + 2;

    /// <summary>Where the line of example <paramref name="index"/> starts and how many of its tokens fit.</summary>
    (long Start, int Tokens) Span(long index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)index, (ulong)Count, nameof(index));
        long line = lines.Select(index);
        long start = corpus.LineStart(line);
        return (start, (int)Math.Min(body, corpus.LineStart(line + 1) - start));
    }
}
