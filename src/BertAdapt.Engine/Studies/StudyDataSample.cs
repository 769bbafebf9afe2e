using System.Diagnostics;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// A corpus's size, from its files' first bytes only: what was found there, times the share of
/// the file those bytes are (exact when a file is no longer than the sample).
/// </summary>
/// <param name="Tokens">Word-piece tokens of the text, special tokens not counted.</param>
/// <param name="Lines">Non-empty lines (the examples of -LineByLine).</param>
/// <param name="Bytes">The files' sizes on disk.</param>
/// <param name="ReadSeconds">The time to read and tokenize all of it, at the sample's rate on this machine.</param>
/// <param name="Exact">Every file was read whole.</param>
public sealed record CorpusSize(long Tokens, long Lines, long Bytes, double ReadSeconds, bool Exact);

/// <summary>Labelled rows (or tagged sentences), from the files' first bytes only, as <see cref="CorpusSize"/>.</summary>
/// <param name="TokensPerRow">The mean length of an encoded example, [CLS] and [SEP] included, at most MaxLength.</param>
/// <param name="LongestRow">The longest encoded example of the sample, at most MaxLength.</param>
/// <param name="ReadSeconds">The time to read and encode all rows, at the sample's rate on this machine.</param>
public sealed record RowCount(long Rows, double TokensPerRow, int LongestRow, double ReadSeconds, bool Exact);

/// <summary>
/// What an estimate of a study reads of its data: the first <see cref="SampleBytes"/> of each
/// file (decompressed, cut at the last line break), never the rest, so estimating a study of
/// gigabytes of text takes a moment.
/// </summary>
public static class StudyDataSample
{
    public const int SampleBytes = 256 << 10;

    /// <summary>The first bytes of a file, and the share of the whole file they stand for.</summary>
    sealed record Prefix(byte[] Bytes, double Share);

    public static CorpusSize Corpus(IReadOnlyList<string> files, BertVocabulary vocabulary, CorpusReadOptions options)
    {
        double tokens = 0, lines = 0, seconds = 0;
        long bytes = 0;
        bool exact = true;
        foreach (var file in files)
        {
            var kind = CorpusFileKind.Of(file);
            var prefix = Read(file, kind.Compressed);
            var clock = Stopwatch.StartNew();
            long fileTokens = 0, fileLines = 0;
            using (var reader = Reader(prefix, file, kind.Compressed, options.Strict, "corpus file", options.Encoding))
                foreach (var line in CorpusDocuments.ReadLines(reader, kind.Format, options))
                {
                    if (line is null) continue;
                    fileLines++;
                    fileTokens += vocabulary.Encode(line).Count;
                }
            tokens += fileTokens / prefix.Share;
            lines += fileLines / prefix.Share;
            seconds += clock.Elapsed.TotalSeconds / prefix.Share;
            bytes += new FileInfo(file).Length;
            exact &= prefix.Share == 1;
        }
        return new CorpusSize((long)Math.Round(tokens), (long)Math.Round(lines), bytes, seconds, exact);
    }

    public static RowCount Rows(IReadOnlyList<string> files, FineTuneTask task, FineTuneReadOptions options, BertVocabulary vocabulary, int maxLength)
    {
        // A sample cut at a line break may end inside a quoted cell: that row is left out, not an error.
        var lenient = options with { SkipInvalidRows = true };
        double rows = 0, seconds = 0, lengths = 0;
        long sampled = 0;
        int longest = 0;
        bool exact = true;
        foreach (var file in files)
        {
            bool tagged = task == FineTuneTask.TokenClassification;
            var kind = tagged ? default : LabeledRows.KindOf(file, task);
            bool compressed = tagged ? TaggedSentences.IsCompressed(file) : kind.Compressed;
            var prefix = Read(file, compressed);
            var clock = Stopwatch.StartNew();
            var found = new List<int>();
            using (var reader = Reader(prefix, file, compressed, strict: true, LabeledRows.Noun, options.Encoding))
            {
                if (tagged)
                    foreach (var sentence in TaggedSentences.Read(reader, lenient).Items)
                        found.Add(2 + sentence.Words.Sum(w => vocabulary.Encode(w).Count));
                else
                    foreach (var row in LabeledRows.Read(reader, kind.Format, task, lenient).Items)
                        found.Add(2 + vocabulary.Encode(row.Text).Count + (row.TextPair is { } pair ? 1 + vocabulary.Encode(pair).Count : 0));
            }
            foreach (var length in found)
            {
                int kept = Math.Min(length, maxLength);
                lengths += kept;
                longest = Math.Max(longest, kept);
            }
            sampled += found.Count;
            rows += found.Count / prefix.Share;
            seconds += clock.Elapsed.TotalSeconds / prefix.Share;
            exact &= prefix.Share == 1;
        }
        return new RowCount((long)Math.Round(rows), sampled == 0 ? 0 : lengths / sampled, longest, seconds, exact);
    }

    static TextFileReader Reader(Prefix prefix, string path, bool compressed, bool strict, string noun, System.Text.Encoding? encoding) =>
        new(new MemoryStream(prefix.Bytes, writable: false), path, decompressed: compressed, strict, noun: noun, encoding: encoding);

    /// <summary>
    /// Up to <see cref="SampleBytes"/> of the file's text, ending at a line break unless it is the
    /// whole file. Of a .gz, the share is of its decompressed length (see <see cref="DecompressedLength"/>).
    /// </summary>
    static Prefix Read(string path, bool compressed)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        using var gzip = compressed ? new GzipReadStream(file, path, LabeledRows.Noun) : null;
        Stream text = (Stream?)gzip ?? file;
        var buffer = new byte[SampleBytes];
        int length = 0, read;
        while (length < buffer.Length && (read = text.Read(buffer, length, buffer.Length - length)) > 0) length += read;
        if (length < buffer.Length || text.ReadByte() < 0) return new Prefix(buffer[..length], 1);
        int cut = Array.LastIndexOf(buffer, (byte)'\n', length - 1) + 1;
        if (cut == 0) cut = length;
        double total = gzip is null ? file.Length : DecompressedLength(file, gzip.CompressedPosition, length + 1);
        return new Prefix(buffer[..cut], Math.Min(1, cut / Math.Max(1, total)));
    }

    /// <summary>
    /// A .gz file's text length without decompressing it: its trailer's ISIZE, the length modulo
    /// 2^32, with as many 2^32 added as the compression ratio of what was read suggests. (Of a
    /// file of several gzip members, ISIZE is the last member's; then the ratio alone.)
    /// </summary>
    static double DecompressedLength(FileStream file, long compressedRead, long decompressedRead)
    {
        double byRatio = (double)file.Length * decompressedRead / Math.Max(1, compressedRead);
        if (file.Length < 18) return byRatio;
        Span<byte> trailer = stackalloc byte[4];
        file.Seek(-4, SeekOrigin.End);
        file.ReadExactly(trailer);
        double size = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        const double wrap = 4294967296.0;
        size += wrap * Math.Max(0, Math.Round((byRatio - size) / wrap));
        return size < decompressedRead ? byRatio : size;
    }
}
