using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Decodes a corpus or data file while counting bytes, so an invalid byte is reported at its
/// exact offset (strict), or read as U+FFFD (lenient). A byte-order mark decides the encoding
/// (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE) and is skipped; a file without one is read in the
/// fallback encoding, UTF-8 unless the caller names another. <see cref="ReadLine"/> splits on
/// LF only and drops one CR before it, so CRLF and LF files read the same. Memory is two fixed
/// buffers, whatever the file size, and with <see cref="ReadLinePiece"/> at most one piece of a
/// line, whatever the line length (<see cref="ReadLine"/> holds a whole line, however long). A .gz
/// file is decompressed and checked by <see cref="GzipReadStream"/>.
/// </summary>
sealed class TextFileReader : TextReader
{
    const int BufferSize = 1 << 16;

    /// <summary>
    /// Which decoding rules read the text, for the token cache's key: a shard read by older rules
    /// is not reused. 2: a NUL byte in text read as UTF-8 is refused (before, UTF-16 text without
    /// a byte-order mark decoded as UTF-8 and was tokenized as it came). 3: a line longer than
    /// <see cref="MaxLineChars"/> is read in pieces (before, whole, however long).
    /// </summary>
    public const int RulesVersion = 3;

    /// <summary>
    /// The longest piece of a line that corpus reading holds: a longer line is split into pieces
    /// of at most this many characters, each cut after the last whitespace in its second half
    /// (mid-word only when that half has none), so memory stays bounded whatever the line length.
    /// 1 Mi characters (2 MiB as UTF-16).
    /// </summary>
    public const int MaxLineChars = 1 << 20;

    /// <summary>
    /// The longest JSON Lines record or CSV/TSV record read, in characters (CSV: bytes of UTF-8):
    /// a record is parsed whole, so it cannot be read in pieces; a longer one is CorpusRecordTooLong.
    /// The text it holds is then split into pieces of <see cref="MaxLineChars"/>. 64 Mi.
    /// </summary>
    public const int MaxRecordChars = 64 << 20;

    readonly Stream stream;
    readonly Action<long>? onRead;
    readonly bool strict;
    readonly Encoding fallback;
    readonly byte[] bytes = new byte[BufferSize];
    readonly char[] chars = new char[BufferSize];
    Decoder? decoder; // null while the text is UTF-8, which is decoded with exact offsets below
    int byteStart, byteEnd, charStart, charEnd;
    long bytesBefore; // stream offset of bytes[0]
    bool endOfStream, started, flushed;
    char[] piece = []; // the characters of a long line not yet returned by ReadLinePiece
    int pieceLength, pieceMax;
    bool midLine; // the last piece returned did not end its line
    byte[] head = []; // the file's first bytes, for guessing the encoding of one that is not UTF-8

    /// <param name="onRead">Called after each read from <paramref name="stream"/> with the bytes read so far.</param>
    /// <param name="noun">What the file is, as error messages name it ("The corpus file '…' is not valid UTF-8").</param>
    /// <param name="encoding">How a file without a byte-order mark is encoded; UTF-8 when null.</param>
    public TextFileReader(Stream stream, string path, bool decompressed, bool strict, Action<long>? onRead = null, string noun = "corpus file", Encoding? encoding = null)
    {
        Noun = noun;
        this.stream = stream;
        Path = path;
        Decompressed = decompressed;
        this.strict = strict;
        this.onRead = onRead;
        fallback = encoding ?? Encoding.UTF8;
        Encoding = fallback;
    }

    /// <summary>Opens a corpus file, decompressing a .gz. <paramref name="onRead"/> gets the
    /// file position (in compressed bytes) after each read, for progress.</summary>
    public static TextFileReader Open(string path, bool compressed, bool strict, Action<long>? onRead = null, string noun = "corpus file", Encoding? encoding = null)
    {
        var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        if (!compressed)
            return new TextFileReader(raw, path, decompressed: false, strict, onRead is null ? null : _ => onRead(raw.Position), noun, encoding);
        var gzip = new GzipReadStream(raw, path, noun);
        return new TextFileReader(gzip, path, decompressed: true, strict, onRead is null ? null : _ => onRead(gzip.CompressedPosition), noun, encoding);
    }

    /// <summary>The encoding the text is read in: the byte-order mark's once reading has begun, else the fallback.</summary>
    public Encoding Encoding { get; private set; }

    public string Path { get; }

    /// <summary>What the file is, as error messages name it: "corpus file" unless the opener said otherwise.</summary>
    public string Noun { get; }

    /// <summary>True when offsets count bytes of a decompressed stream rather than of the file.</summary>
    public bool Decompressed { get; }

    public override int Peek() => Fill() ? chars[charStart] : -1;

    public override int Read() => Fill() ? chars[charStart++] : -1;

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        if (buffer.IsEmpty || !Fill()) return 0;
        int n = Math.Min(buffer.Length, charEnd - charStart);
        chars.AsSpan(charStart, n).CopyTo(buffer);
        charStart += n;
        return n;
    }

    /// <summary>The next line without its LF (and one CR before it), whole, however long; null at the end.</summary>
    public override string? ReadLine()
    {
        StringBuilder? pending = null;
        while (Fill())
        {
            var available = chars.AsSpan(charStart, charEnd - charStart);
            int newline = available.IndexOf('\n');
            if (newline >= 0)
            {
                charStart += newline + 1;
                var tail = available[..newline];
                if (pending is null) return new string(WithoutCr(tail));
                pending.Append(tail);
                return WithoutCr(pending);
            }
            (pending ??= new StringBuilder()).Append(available);
            charStart = charEnd;
        }
        return pending is null ? null : WithoutCr(pending);
    }

    /// <summary>
    /// The next line without its LF (and one CR before it), or, when the line is longer than
    /// <paramref name="maxChars"/>, its next piece: cut after the last whitespace in the piece's
    /// second half, else at <paramref name="maxChars"/> (never inside a surrogate pair).
    /// <paramref name="continues"/> is true when the line goes on in the next piece, which may be
    /// empty (and is then no blank line). Null at the end. Holds at most <paramref name="maxChars"/>
    /// characters besides the two buffers.
    /// </summary>
    public string? ReadLinePiece(int maxChars, out bool continues)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChars, 2);
        continues = false;
        pieceMax = maxChars;
        while (true)
        {
            if (pieceLength >= maxChars)
            {
                if (Fill() && chars[charStart] == '\n')
                {
                    charStart++;
                    return EndPiece([]);
                }
                continues = true;
                return SplitPiece(maxChars);
            }
            if (!Fill())
            {
                if (pieceLength == 0 && !midLine) return null;
                return EndPiece([]);
            }
            var available = chars.AsSpan(charStart, charEnd - charStart);
            int room = maxChars - pieceLength;
            int newline = available[..Math.Min(available.Length, room + 1)].IndexOf('\n');
            if (newline >= 0)
            {
                charStart += newline + 1;
                return EndPiece(available[..newline]);
            }
            int take = Math.Min(available.Length, room);
            AppendPiece(available[..take]);
            charStart += take;
        }
    }

    /// <summary>The rest of the current line, <paramref name="tail"/> after what is kept, without one CR at its end.</summary>
    string EndPiece(ReadOnlySpan<char> tail)
    {
        midLine = false;
        if (pieceLength == 0) return new string(WithoutCr(tail));
        AppendPiece(tail);
        var line = new string(WithoutCr(piece.AsSpan(0, pieceLength)));
        pieceLength = 0;
        if (piece.Length > MaxLineChars) piece = []; // a long record's room is not kept
        return line;
    }

    void AppendPiece(ReadOnlySpan<char> text)
    {
        if (pieceLength + text.Length > piece.Length)
            Array.Resize(ref piece, Math.Max(pieceLength + text.Length, Math.Min(Math.Max(2 * piece.Length, 1 << 12), pieceMax)));
        text.CopyTo(piece.AsSpan(pieceLength));
        pieceLength += text.Length;
    }

    /// <summary>Returns the first piece of a line held whole in <see cref="piece"/> and keeps the rest.</summary>
    string SplitPiece(int maxChars)
    {
        int cut = PieceLength(piece.AsSpan(0, pieceLength), maxChars);
        var first = new string(piece, 0, cut);
        piece.AsSpan(cut, pieceLength - cut).CopyTo(piece);
        pieceLength -= cut;
        midLine = true;
        return first;
    }

    /// <summary>
    /// How many characters of <paramref name="text"/> (longer than <paramref name="maxChars"/>) its
    /// first piece takes: up to and with the last whitespace in the second half of the first
    /// <paramref name="maxChars"/>, else <paramref name="maxChars"/>, less one to keep a surrogate pair whole.
    /// </summary>
    internal static int PieceLength(ReadOnlySpan<char> text, int maxChars)
    {
        for (int i = maxChars - 1; i >= maxChars / 2; i--)
            if (char.IsWhiteSpace(text[i])) return i + 1;
        return char.IsHighSurrogate(text[maxChars - 1]) ? maxChars - 1 : maxChars;
    }

    static ReadOnlySpan<char> WithoutCr(ReadOnlySpan<char> line) => line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;

    static string WithoutCr(StringBuilder line)
    {
        if (line.Length > 0 && line[^1] == '\r') line.Length--;
        return line.ToString();
    }

    /// <summary>Ensures decoded characters are available; false at the end of the stream.</summary>
    bool Fill()
    {
        while (charStart == charEnd)
        {
            if (!started) Start();
            if (decoder is not null)
            {
                if (!FillDecoded()) return false;
                continue;
            }
            if (byteStart == byteEnd && endOfStream) return false;
            var status = Utf8.ToUtf16(bytes.AsSpan(byteStart, byteEnd - byteStart), chars, out int read, out int written,
                replaceInvalidSequences: !strict, isFinalBlock: endOfStream);
            if (status == OperationStatus.InvalidData)
            {
                // Keep what decoded before the bad byte readable, then fail on the next call.
                if (written > 0) { byteStart += read; charStart = 0; charEnd = written; return true; }
                throw NotUtf8(bytesBefore + byteStart + read);
            }
            // No UTF-8 sequence but NUL itself holds a zero byte; UTF-16 and UTF-32 text of
            // ASCII letters is full of them, and would otherwise decode as "valid" UTF-8.
            if (strict && bytes.AsSpan(byteStart, read).IndexOf((byte)0) is int nul and >= 0)
                throw HoldsNul(bytesBefore + byteStart + nul);
            byteStart += read;
            charStart = 0;
            charEnd = written;
            if (status == OperationStatus.NeedMoreData || byteStart == byteEnd) ReadMore();
        }
        return true;
    }

    /// <summary>
    /// One step of decoding a non-UTF-8 encoding. The decoder keeps a sequence split across
    /// reads itself, so every byte given is consumed; false once the stream and the decoder are empty.
    /// </summary>
    bool FillDecoded()
    {
        if (byteStart == byteEnd)
        {
            if (!endOfStream) { ReadMore(); return true; }
            if (flushed) return false;
        }
        bool flush = endOfStream;
        try
        {
            decoder!.Convert(bytes, byteStart, byteEnd - byteStart, chars, 0, chars.Length, flush, out int used, out int written, out bool completed);
            byteStart += used;
            charStart = 0;
            charEnd = written;
            if (flush && byteStart == byteEnd && completed) flushed = true;
        }
        catch (DecoderFallbackException ex)
        {
            throw NotDecodable(bytesBefore + byteStart + StartOfInvalid(bytes.AsSpan(byteStart, byteEnd - byteStart), ex.Index, ex.BytesUnknown ?? []));
        }
        return true;
    }

    /// <summary>
    /// Where the invalid bytes begin in <paramref name="chunk"/>. .NET's decoders disagree on what
    /// DecoderFallbackException.Index points at (UTF-16's and UTF-32's just past the bad bytes,
    /// single-byte encodings' at them), so the bytes are looked for in that window. A negative
    /// result means the sequence began in the previous read.
    /// </summary>
    static int StartOfInvalid(ReadOnlySpan<byte> chunk, int index, byte[] unknown)
    {
        for (int p = Math.Max(0, index - unknown.Length); p <= index && p + unknown.Length <= chunk.Length; p++)
            if (chunk.Slice(p, unknown.Length).SequenceEqual(unknown)) return p;
        return index - unknown.Length;
    }

    void Start()
    {
        started = true;
        while (byteEnd < 4 && !endOfStream) ReadMore();
        head = bytes.AsSpan(0, Math.Min(4, byteEnd)).ToArray();
        var mark = TextEncodings.FromByteOrderMark(bytes.AsSpan(0, byteEnd));
        if (mark is { } found) byteStart = found.Length;
        Encoding = mark?.Encoding ?? fallback;
        if (!TextEncodings.IsUtf8(Encoding))
        {
            var decoding = (Encoding)Encoding.Clone();
            decoding.DecoderFallback = strict ? DecoderFallback.ExceptionFallback : new DecoderReplacementFallback("\uFFFD");
            decoder = decoding.GetDecoder();
        }
    }

    void ReadMore()
    {
        if (endOfStream) return;
        if (byteStart > 0)
        {
            bytes.AsSpan(byteStart, byteEnd - byteStart).CopyTo(bytes);
            bytesBefore += byteStart;
            byteEnd -= byteStart;
            byteStart = 0;
        }
        int n = stream.Read(bytes, byteEnd, bytes.Length - byteEnd);
        if (n == 0) endOfStream = true;
        byteEnd += n;
        onRead?.Invoke(bytesBefore + byteEnd);
    }

    BertAdaptException NotUtf8(long offset) => new("CorpusNotUtf8", BertAdaptErrorKind.InvalidData,
        $"The {Noun} '{Path}' is not valid UTF-8 at byte offset {offset}{OfStream}. If it is in another encoding, name it with -Encoding "
        + "(for example -Encoding latin1), or read bytes that are not UTF-8 as U+FFFD with -AllowInvalidUtf8.", Path);

    BertAdaptException HoldsNul(long offset)
    {
        string? name = TextEncodings.GuessWideEncoding(head);
        return new("CorpusNotUtf8", BertAdaptErrorKind.InvalidData,
            $"The {Noun} '{Path}' holds a NUL byte at byte offset {offset}{OfStream}, as UTF-16 or UTF-32 text without a byte-order mark does, "
            + (name is null ? "so it is not UTF-8 text. Name its encoding with -Encoding" : $"and its first bytes look like {name}: read it with -Encoding {name}")
            + ", or read it as it is with -AllowInvalidUtf8.", Path);
    }

    BertAdaptException NotDecodable(long offset) => new("CorpusNotDecodable", BertAdaptErrorKind.InvalidData,
        $"The {Noun} '{Path}' is not valid {TextEncodings.Describe(Encoding)} at byte offset {offset}{OfStream}.", Path);

    string OfStream => Decompressed ? " of the decompressed stream" : "";

    protected override void Dispose(bool disposing)
    {
        if (disposing) stream.Dispose();
        base.Dispose(disposing);
    }
}
