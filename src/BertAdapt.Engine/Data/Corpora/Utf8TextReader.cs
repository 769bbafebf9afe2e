using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Unicode;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Decodes a corpus stream as UTF-8 while counting bytes, so an invalid byte is reported at
/// its exact offset (strict), or read as U+FFFD (lenient). A leading BOM is skipped.
/// <see cref="ReadLine"/> splits on LF only and drops one CR before it, so CRLF and LF files
/// read the same. Memory is two fixed buffers, whatever the file size.
/// </summary>
sealed class Utf8TextReader : TextReader
{
    const int BufferSize = 1 << 16;

    readonly Stream stream;
    readonly Action<long>? onRead;
    readonly bool strict;
    readonly byte[] bytes = new byte[BufferSize];
    readonly char[] chars = new char[BufferSize];
    int byteStart, byteEnd, charStart, charEnd;
    long bytesBefore; // stream offset of bytes[0]
    bool endOfStream, started;

    /// <param name="onRead">Called after each read from <paramref name="stream"/> with the bytes read so far.</param>
    /// <param name="noun">What the file is, as error messages name it ("The corpus file '…' is not valid UTF-8").</param>
    public Utf8TextReader(Stream stream, string path, bool decompressed, bool strict, Action<long>? onRead = null, string noun = "corpus file")
    {
        Noun = noun;
        this.stream = stream;
        Path = path;
        Decompressed = decompressed;
        this.strict = strict;
        this.onRead = onRead;
    }

    /// <summary>Opens a corpus file, decompressing a .gz. <paramref name="onRead"/> gets the
    /// file position (in compressed bytes) after each read, for progress.</summary>
    public static Utf8TextReader Open(string path, bool compressed, bool strict, Action<long>? onRead = null, string noun = "corpus file")
    {
        var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.SequentialScan);
        Stream stream = compressed ? new GZipStream(raw, CompressionMode.Decompress, leaveOpen: false) : raw;
        return new Utf8TextReader(stream, path, compressed, strict, onRead is null ? null : _ => onRead(raw.Position), noun);
    }

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

    /// <summary>The next line without its LF (and one CR before it); null at the end.</summary>
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
            if (byteStart == byteEnd && endOfStream) return false;
            var status = Utf8.ToUtf16(bytes.AsSpan(byteStart, byteEnd - byteStart), chars, out int read, out int written,
                replaceInvalidSequences: !strict, isFinalBlock: endOfStream);
            if (status == OperationStatus.InvalidData)
            {
                // Keep what decoded before the bad byte readable, then fail on the next call.
                if (written > 0) { byteStart += read; charStart = 0; charEnd = written; return true; }
                throw NotUtf8(bytesBefore + byteStart + read);
            }
            byteStart += read;
            charStart = 0;
            charEnd = written;
            if (status == OperationStatus.NeedMoreData || byteStart == byteEnd) ReadMore();
        }
        return true;
    }

    void Start()
    {
        started = true;
        while (byteEnd < 3 && !endOfStream) ReadMore();
        if (byteEnd >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF) byteStart = 3;
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
        int n;
        try
        {
            n = stream.Read(bytes, byteEnd, bytes.Length - byteEnd);
        }
        catch (InvalidDataException ex)
        {
            throw new BertAdaptException("CorpusNotGzip", BertAdaptErrorKind.InvalidData,
                $"The {Noun} '{Path}' is not a valid gzip file: {ex.Message}", Path, ex);
        }
        if (n == 0) endOfStream = true;
        byteEnd += n;
        onRead?.Invoke(bytesBefore + byteEnd);
    }

    BertAdaptException NotUtf8(long offset) => new("CorpusNotUtf8", BertAdaptErrorKind.InvalidData,
        Decompressed
            ? $"The {Noun} '{Path}' is not valid UTF-8 at byte offset {offset} of the decompressed stream."
            : $"The {Noun} '{Path}' is not valid UTF-8 at byte offset {offset}.", Path);

    protected override void Dispose(bool disposing)
    {
        if (disposing) stream.Dispose();
        base.Dispose(disposing);
    }
}
