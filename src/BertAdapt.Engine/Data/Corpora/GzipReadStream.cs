using System.Buffers.Binary;
using System.IO.Compression;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Decompresses a gzip file (RFC 1952) and checks it, member by member, in one pass: each
/// member's header (FEXTRA, FNAME, FCOMMENT skipped; FHCRC checked), its raw deflate body
/// (inflated by <see cref="DeflateStream"/>), then its trailer, whose CRC-32 and length (mod 2^32)
/// must match what the body inflated to. Members follow one another to the end of the file, as
/// <c>cat a.gz b.gz</c> makes them; zero bytes after the last member are padding and are skipped,
/// any other byte there is an error; an empty file holds no text. A file that ends inside a header, a body or a trailer is
/// CorpusGzipTruncated, a member whose data does not match its trailer CorpusGzipCorrupt, a file
/// that does not begin with the gzip magic number CorpusNotGzip; .NET's GZipStream reads a
/// truncated file as a shorter one and names every fault "unsupported compression method".
/// </summary>
/// <remarks>
/// <see cref="DeflateStream"/> reads its input in slices and keeps no count of what it did not
/// use, so the bytes after a body's end (the trailer, the next member) are in the last slice it
/// was given. The inflater only asks for a slice once it has used the one before, so the body
/// ends inside the last slice: the trailer is found there as the 8 bytes the member's CRC-32 and
/// length make, which random compressed bytes match with odds of 2^-64 a position.
/// </remarks>
sealed class GzipReadStream : ReadOnlyStream
{
    const int BufferSize = 1 << 16;
    const int SliceSize = 1 << 13; // the most given to the inflater at once; the trailer is searched for in one slice
    const int TrailerSize = 8;

    readonly Stream file;
    readonly string path, noun;
    readonly byte[] buffer = new byte[BufferSize];
    readonly BodyInput input;
    int start, end;        // buffer[start..end] is read from the file and not yet used
    long bufferOffset;     // the file offset of buffer[0]
    bool fileEnded, inputEnded, done;
    int sliceStart, sliceCount; // the last slice given to the inflater
    DeflateStream? body;
    int member;            // 1-based number of the member being read
    long memberOffset, bodyOffset;
    uint crc;
    long size;

    /// <param name="noun">What the file is, as error messages name it ("corpus file").</param>
    public GzipReadStream(Stream file, string path, string noun)
    {
        this.file = file;
        this.path = path;
        this.noun = noun;
        input = new BodyInput(this);
    }

    /// <summary>How far into the compressed file reading has got, in bytes, for progress.</summary>
    public long CompressedPosition => bufferOffset + end;

    public override int Read(Span<byte> destination)
    {
        if (destination.IsEmpty) return 0;
        while (!done)
        {
            if (body is null)
            {
                if (!StartMember()) done = true;
                continue;
            }
            int n;
            try
            {
                n = body.Read(destination);
            }
            catch (InvalidDataException)
            {
                throw Corrupt($"the compressed data of gzip member {member} (which starts at byte offset {memberOffset}) is not valid deflate data, near byte offset {bufferOffset + sliceStart}");
            }
            if (n > 0)
            {
                crc = Crc32.Extend(crc, destination[..n]);
                size += n;
                return n;
            }
            if (inputEnded)
                throw Truncated($"it ends inside the compressed data of gzip member {member} (which starts at byte offset {memberOffset}), at byte offset {bufferOffset + end}");
            EndMember();
        }
        return 0;
    }

    /// <summary>Reads the next member's header and starts inflating its body; false at the end of the file.</summary>
    bool StartMember()
    {
        if (!Ensure(1)) return false; // an empty file has no members, as .NET's GZipStream writes one for no data
        if (member > 0 && buffer[start] == 0)
        {
            SkipPadding();
            return false;
        }
        if (!Ensure(2) || buffer[start] != 0x1F || buffer[start + 1] != 0x8B)
        {
            if (member == 0) throw NotGzip("it does not begin with the gzip magic number (1F 8B)");
            throw Corrupt($"the bytes at byte offset {bufferOffset + start}, after gzip member {member}, are not another gzip member");
        }
        memberOffset = bufferOffset + start;
        member++;
        ReadHeader();
        bodyOffset = bufferOffset + start;
        crc = 0;
        size = 0;
        inputEnded = false;
        sliceStart = start;
        sliceCount = 0;
        body = new DeflateStream(input, CompressionMode.Decompress, leaveOpen: true);
        return true;
    }

    /// <summary>The member header of RFC 1952 section 2.3, from its magic number to the deflate body.</summary>
    void ReadHeader()
    {
        uint headerCrc = 0;
        var fixedPart = Take(10, ref headerCrc);
        byte method = fixedPart[2], flags = fixedPart[3];
        if (method != 8)
            throw Corrupt($"gzip member {member} (at byte offset {memberOffset}) uses compression method {method}, not deflate (8)");
        if ((flags & 0xE0) != 0)
            throw Corrupt($"gzip member {member} (at byte offset {memberOffset}) sets reserved header flags (0x{flags:X2})");
        if ((flags & 0x04) != 0) // FEXTRA
        {
            int extra = BinaryPrimitives.ReadUInt16LittleEndian(Take(2, ref headerCrc));
            while (extra > 0) extra -= Take(Math.Min(extra, SliceSize), ref headerCrc).Length;
        }
        if ((flags & 0x08) != 0) SkipZeroTerminated(ref headerCrc); // FNAME
        if ((flags & 0x10) != 0) SkipZeroTerminated(ref headerCrc); // FCOMMENT
        if ((flags & 0x02) != 0) // FHCRC: the low 16 bits of the CRC-32 of the header before it
        {
            uint expected = headerCrc & 0xFFFF;
            uint ignored = 0;
            uint stored = BinaryPrimitives.ReadUInt16LittleEndian(Take(2, ref ignored));
            if (stored != expected)
                throw Corrupt($"the header of gzip member {member} (at byte offset {memberOffset}) has CRC-16 {expected:X4}, but says {stored:X4}");
        }
    }

    void SkipZeroTerminated(ref uint headerCrc)
    {
        while (Take(1, ref headerCrc)[0] != 0) { }
    }

    /// <summary>The next <paramref name="count"/> header bytes (at most a buffer), added to <paramref name="headerCrc"/>.</summary>
    ReadOnlySpan<byte> Take(int count, ref uint headerCrc)
    {
        if (!Ensure(count))
            throw Truncated($"it ends inside the header of gzip member {member} (which starts at byte offset {memberOffset})");
        var taken = buffer.AsSpan(start, count);
        headerCrc = Crc32.Extend(headerCrc, taken);
        start += count;
        return taken;
    }

    /// <summary>Finds the trailer after the body that has just ended and checks it.</summary>
    void EndMember()
    {
        body!.Dispose();
        body = null;
        start = sliceStart; // the body ended inside this slice
        bool firstSlice = bufferOffset + start == bodyOffset;
        Ensure(sliceCount + TrailerSize); // may move the buffer's contents: start follows, sliceStart does not
        Span<byte> expected = stackalloc byte[TrailerSize];
        BinaryPrimitives.WriteUInt32LittleEndian(expected, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(expected[4..], unchecked((uint)size));
        var window = buffer.AsSpan(start, Math.Min(end - start, sliceCount + TrailerSize));
        // The inflater asked for the slice because it needed another byte, and a body is at least
        // 2 bytes, so the trailer is not at the slice's first byte (or two): an empty member
        // (body 03 00, trailer all zeros) would otherwise match one byte early.
        int skip = Math.Min(window.Length, firstSlice ? 2 : 1);
        int at = window[skip..].IndexOf(expected);
        if (at >= 0)
        {
            start += skip + at + TrailerSize;
            return;
        }
        // A trailer with the right length and another CRC is corrupt data; no trailer at all, a cut file.
        int length = window.IndexOf(expected[4..]);
        if (length >= 4)
        {
            uint stored = BinaryPrimitives.ReadUInt32LittleEndian(window[(length - 4)..]);
            throw Corrupt($"gzip member {member} (which starts at byte offset {memberOffset}) inflates to data with CRC-32 {crc:X8}, but its trailer says {stored:X8}");
        }
        throw Truncated($"gzip member {member} (which starts at byte offset {memberOffset}) has no valid trailer (CRC-32 and length) after its compressed data, near byte offset {bufferOffset + start + window.Length}");
    }

    /// <summary>Zero bytes after the last member, as tape and block devices pad files; anything else there is an error.</summary>
    void SkipPadding()
    {
        while (Ensure(1))
        {
            int other = buffer.AsSpan(start, end - start).IndexOfAnyExcept((byte)0);
            if (other >= 0)
                throw Corrupt($"the bytes at byte offset {bufferOffset + start + other}, after gzip member {member}, are not another gzip member");
            start = end;
        }
    }

    /// <summary>Reads until at least <paramref name="count"/> unused bytes are buffered; false when the file ends first.</summary>
    bool Ensure(int count)
    {
        while (end - start < count && !fileEnded)
        {
            if (start > 0)
            {
                buffer.AsSpan(start, end - start).CopyTo(buffer);
                bufferOffset += start;
                end -= start;
                start = 0;
            }
            int n = file.Read(buffer, end, buffer.Length - end);
            if (n == 0) fileEnded = true;
            end += n;
        }
        return end - start >= count;
    }

    BertAdaptException NotGzip(string why) => new("CorpusNotGzip", BertAdaptErrorKind.InvalidData,
        $"The {noun} '{path}' is named .gz but is not gzip data: {why}. Rename it without .gz if it is plain text.", path);

    BertAdaptException Truncated(string where) => new("CorpusGzipTruncated", BertAdaptErrorKind.InvalidData,
        $"The {noun} '{path}' is a truncated gzip file: {where}. Copy or download it again.", path);

    BertAdaptException Corrupt(string what) => new("CorpusGzipCorrupt", BertAdaptErrorKind.InvalidData,
        $"The {noun} '{path}' is a corrupt gzip file: {what}.", path);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            body?.Dispose();
            file.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>The file's bytes as the inflater reads them: one slice at a time, from the owner's buffer.</summary>
    sealed class BodyInput(GzipReadStream owner) : ReadOnlyStream
    {
        public override int Read(Span<byte> destination)
        {
            var o = owner;
            if (destination.IsEmpty) return 0;
            if (!o.Ensure(1))
            {
                o.inputEnded = true;
                return 0;
            }
            int n = Math.Min(Math.Min(destination.Length, SliceSize), o.end - o.start);
            o.buffer.AsSpan(o.start, n).CopyTo(destination);
            o.sliceStart = o.start;
            o.sliceCount = n;
            o.start += n;
            return n;
        }
    }
}
