using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data;

/// <summary>
/// Sentence-pair examples for BERT's next-sentence objective. Each document's lines are cut
/// once into chunks of consecutive lines that fit the body (sequenceLength − 3); a chunk is
/// one example. Each (index, epoch) splits its chunk into A and B at a drawn line; half the
/// time B is replaced by lines from another document (label 1, else 0). Draws come from the
/// example's own stream, so an example never depends on batch size or resume point.
/// </summary>
public sealed class NextSentenceExamples : ITrainingExamples
{
    readonly ITokenizedCorpus corpus;
    readonly BertVocabulary vocabulary;
    readonly long seed;
    readonly int body;
    // First line of each chunk, ascending: 8 bytes per chunk, about 8 / (sequenceLength − 3)
    // bytes per corpus token. A chunk ends at the next chunk's start or its document's end.
    readonly long[] chunkStarts;

    public NextSentenceExamples(ITokenizedCorpus corpus, BertVocabulary vocabulary, int sequenceLength, long seed)
    {
        SequenceLength = Data.SequenceLength.Validate(sequenceLength);
        this.corpus = corpus;
        this.vocabulary = vocabulary;
        this.seed = seed;
        body = sequenceLength - 3; // [CLS] A [SEP] B [SEP]
        chunkStarts = BuildChunks(out long documentsWithText);
        // A random B must come from another document; with one there is no negative example.
        if (documentsWithText < 2)
            throw new BertAdaptException("NspNeedsTwoDocuments", BertAdaptErrorKind.InvalidData,
                $"Next-sentence prediction needs at least two documents with text (the corpus has {documentsWithText}); separate documents with blank lines, or use the Mlm objective.");
    }

    public int SequenceLength { get; }
    public long Count => chunkStarts.Length;

    public TrainingExample Get(long index, int epoch)
    {
        if ((ulong)index >= (ulong)chunkStarts.Length) throw new ArgumentOutOfRangeException(nameof(index));
        var random = StatelessRandom.For(seed, StatelessRandom.Streams.NextSentence, epoch, index);
        long document = DocumentOf(chunkStarts[index]);
        long documentEnd = corpus.DocumentStart(document + 1);
        long first = chunkStarts[index], end = ChunkEnd(index, documentEnd);
        bool wantRandom = random.NextDouble() < 0.5;

        long aEndLine, bStart, bEnd;
        if (end - first >= 2)
        {
            aEndLine = first + 1 + random.Next(end - first - 1); // A keeps at least one line
            bStart = corpus.LineStart(aEndLine);
            bEnd = corpus.LineStart(end);
        }
        else
        {
            // A one-line chunk has no continuation inside it: the true B is the lines after it.
            aEndLine = end;
            bStart = corpus.LineStart(end);
            bEnd = TakeLines(end, documentEnd, body - (bStart - corpus.LineStart(first)));
        }
        long aStart = corpus.LineStart(first), aEnd = corpus.LineStart(aEndLine);
        int label = 0;
        if (wantRandom || bEnd == bStart)
        {
            (bStart, bEnd) = RandomSegment(document, body - (aEnd - aStart), random);
            label = 1;
        }
        TruncatePair(ref aStart, ref aEnd, ref bStart, ref bEnd, random);
        return Assemble(aStart, aEnd, bStart, bEnd, label);
    }

    /// <summary>Greedy chunks: consecutive lines of one document while they fit the body.</summary>
    long[] BuildChunks(out long documentsWithText)
    {
        var starts = new List<long>();
        documentsWithText = 0;
        for (long d = 0; d < corpus.DocumentCount; d++)
        {
            long first = corpus.DocumentStart(d), end = corpus.DocumentStart(d + 1);
            long chunkStart = first, filled = 0;
            for (long line = first; line < end; line++)
            {
                long length = corpus.LineStart(line + 1) - corpus.LineStart(line);
                if (filled > 0 && filled + length > body)
                {
                    starts.Add(chunkStart);
                    chunkStart = line;
                    filled = 0;
                }
                filled += length;
            }
            // A document without tokens yields no chunk, so every chunk has text.
            if (filled > 0) starts.Add(chunkStart);
            if (corpus.LineStart(end) > corpus.LineStart(first)) documentsWithText++;
        }
        return [.. starts];
    }

    long ChunkEnd(long chunk, long documentEnd) =>
        chunk + 1 < chunkStarts.Length ? Math.Min(chunkStarts[chunk + 1], documentEnd) : documentEnd;

    /// <summary>Token end of lines taken from <paramref name="line"/> until at least <paramref name="target"/> tokens (one line at least).</summary>
    long TakeLines(long line, long documentEnd, long target)
    {
        long start = corpus.LineStart(line), stop = start;
        while (line < documentEnd && (stop - start < Math.Max(1, target)))
            stop = corpus.LineStart(++line);
        return stop;
    }

    /// <summary>
    /// Consecutive lines of a document other than <paramref name="document"/>, starting at a
    /// random line of a random chunk outside it (so longer documents are picked more often).
    /// </summary>
    (long Start, long End) RandomSegment(long document, long target, StatelessRandom random)
    {
        long ownFirst = LowerBound(corpus.DocumentStart(document));
        long ownCount = LowerBound(corpus.DocumentStart(document + 1)) - ownFirst;
        long chunk = random.Next(chunkStarts.Length - ownCount);
        if (chunk >= ownFirst) chunk += ownCount; // skip this document's chunks
        long otherEnd = corpus.DocumentStart(DocumentOf(chunkStarts[chunk]) + 1);
        long line = chunkStarts[chunk] + random.Next(ChunkEnd(chunk, otherEnd) - chunkStarts[chunk]);
        return (corpus.LineStart(line), TakeLines(line, otherEnd, target));
    }

    /// <summary>As Google's truncate_seq_pair: trim the longer segment, at a random end, until the pair fits.</summary>
    void TruncatePair(ref long aStart, ref long aEnd, ref long bStart, ref long bEnd, StatelessRandom random)
    {
        while ((aEnd - aStart) + (bEnd - bStart) > body)
        {
            bool front = random.NextDouble() < 0.5;
            if (aEnd - aStart > bEnd - bStart)
            {
                if (front) aStart++; else aEnd--;
            }
            else if (front) bStart++;
            else bEnd--;
        }
    }

    TrainingExample Assemble(long aStart, long aEnd, long bStart, long bEnd, int label)
    {
        int a = (int)(aEnd - aStart), b = (int)(bEnd - bStart);
        var ids = new int[a + b + 3];
        var types = new int[ids.Length];
        ids[0] = vocabulary.ClsId;
        corpus.CopyTokens(aStart, ids.AsSpan(1, a));
        ids[a + 1] = vocabulary.SepId;
        corpus.CopyTokens(bStart, ids.AsSpan(a + 2, b));
        ids[^1] = vocabulary.SepId;
        types.AsSpan(a + 2).Fill(1); // B and its [SEP]
        return new TrainingExample(ids, types, label);
    }

    /// <summary>The document holding <paramref name="line"/> (binary search over document starts).</summary>
    long DocumentOf(long line)
    {
        long low = 0, high = corpus.DocumentCount - 1;
        while (low < high)
        {
            long mid = low + (high - low + 1) / 2;
            if (corpus.DocumentStart(mid) <= line) low = mid; else high = mid - 1;
        }
        return low;
    }

    /// <summary>The first chunk starting at or after <paramref name="line"/>.</summary>
    long LowerBound(long line)
    {
        int at = Array.BinarySearch(chunkStarts, line);
        return at >= 0 ? at : ~at;
    }
}
