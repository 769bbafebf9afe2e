using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Packed sequences over a tokenized corpus, by index, with exactly the rules of
/// the reference packer the tests compare it with (<c>SequencePacker</c>): the documents' tokens form one stream with a [SEP] between
/// documents, cut into windows of SequenceLength − 2 body tokens, each [CLS] … [SEP]; the
/// last window may be shorter. A [SEP] that would open a window is dropped, since [CLS]
/// already marks the start; documents without tokens are skipped.
/// </summary>
/// <remarks>
/// Real positions: the stream with the [SEP]s placed. The k-th document's tokens start at
/// token offset a(k), so its first token is at real position a(k) + S(k), where S(k) counts the
/// [SEP]s placed so far; a [SEP] goes before document k when a(k) &gt; 0 and a(k) + S(k) is not
/// at a window start. Each drop shifts every later window, so S(k) depends on all earlier
/// documents and has no closed form. We keep S at every <see cref="CheckpointEvery"/>-th
/// document (one long per 64 documents: 125 KB per million documents, independent of token
/// count) and walk forward from the nearest checkpoint; a cursor remembers the last position
/// so sequential reads walk nothing. Window w starts at real position w × body, always on a
/// token (a [SEP] never opens a window), and within a window every boundary gets its [SEP].
/// </remarks>
public sealed class PackedExamples : ITrainingExamples
{
    public const int CheckpointEvery = 64;

    readonly ITokenizedCorpus corpus;
    readonly int body, clsId, sepId;
    readonly long streamLength; // tokens plus placed [SEP]s: the real positions
    // realStarts[c]: where the content of documents from c × CheckpointEvery on begins, before
    // any [SEP] of that document: a(cK) + S(cK). Non-decreasing.
    readonly long[] realStarts;
    Cursor cursor = new(0, 0); // replaced whole, so concurrent readers always see a consistent pair

    /// <summary>A document and the [SEP]s placed before it, not counting its own.</summary>
    sealed record Cursor(long Document, long SepsBefore);

    public PackedExamples(ITokenizedCorpus corpus, BertVocabulary vocabulary, int sequenceLength)
    {
        SequenceLength = Data.SequenceLength.Validate(sequenceLength);
        this.corpus = corpus;
        body = SequenceLength - 2;
        clsId = vocabulary.ClsId;
        sepId = vocabulary.SepId;
        long documents = corpus.DocumentCount, seps = 0;
        realStarts = new long[(documents + CheckpointEvery - 1) / CheckpointEvery];
        long b = TokenStart(0);
        for (long k = 0; k < documents; k++)
        {
            long a = b;
            b = TokenStart(k + 1);
            if (k % CheckpointEvery == 0) realStarts[k / CheckpointEvery] = a + seps;
            if (PlacesSep(a, b, seps)) seps++;
        }
        streamLength = corpus.TokenCount + seps;
        Count = (streamLength + body - 1) / body;
    }

    public int SequenceLength { get; }
    public long Count { get; }

    long TokenStart(long document) => corpus.LineStart(corpus.DocumentStart(document));

    /// <summary>Whether a [SEP] goes before the document of tokens [a, b): it has tokens, some came before, and the window is not empty.</summary>
    bool PlacesSep(long a, long b, long sepsBefore) => b > a && a > 0 && (a + sepsBefore) % body != 0;

    public TrainingExample Get(long index, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)index, (ulong)Count, nameof(index));
        long position = index * body;
        var (document, seps) = Locate(position);
        long a = TokenStart(document), b = TokenStart(document + 1);
        if (PlacesSep(a, b, seps)) seps++;
        long t = position - seps; // the window's first token: real position minus the [SEP]s before it

        int n = (int)Math.Min(body, streamLength - position);
        var ids = new int[n + 2];
        ids[0] = clsId;
        ids[^1] = sepId;
        var window = ids.AsSpan(1, n);
        int filled = 0;
        while (true)
        {
            int take = (int)Math.Min(n - filled, b - t);
            corpus.CopyTokens(t, window.Slice(filled, take));
            filled += take;
            if (filled == n) break;
            // Mid-window, so the next document with tokens always gets its [SEP].
            do { document++; a = b; b = TokenStart(document + 1); } while (b == a);
            window[filled++] = sepId;
            if (filled == n) break;
            t = a;
        }
        return new TrainingExample(ids);
    }

    /// <summary>The document whose tokens hold real position <paramref name="position"/>, a window start.</summary>
    Cursor Locate(long position)
    {
        int c = Array.BinarySearch(realStarts, position);
        if (c < 0) c = ~c - 1;
        else while (c + 1 < realStarts.Length && realStarts[c + 1] == position) c++;
        long k = (long)c * CheckpointEvery;
        long seps = realStarts[c] - TokenStart(k);
        // The cursor from the last call is nearer when it lies between the checkpoint and the position.
        var last = cursor;
        if (last.Document > k && TokenStart(last.Document) + last.SepsBefore <= position)
            (k, seps) = (last.Document, last.SepsBefore);

        for (long b = TokenStart(k); k < corpus.DocumentCount; k++)
        {
            long a = b;
            b = TokenStart(k + 1);
            if (b == a) continue;
            long withSep = seps + (PlacesSep(a, b, seps) ? 1 : 0);
            if (b + withSep > position) return cursor = new Cursor(k, seps);
            seps = withSep;
        }
        throw new InvalidOperationException($"Real position {position} is past the end of the corpus; it changed after packing.");
    }
}
