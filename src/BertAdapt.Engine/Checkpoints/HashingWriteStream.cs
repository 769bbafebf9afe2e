using System.Security.Cryptography;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// A write-only stream that passes every byte on to another stream and feeds it to a SHA-256 as
/// it goes, so a file's hash is known once it is written, without reading it back.
/// </summary>
public sealed class HashingWriteStream(Stream inner) : Stream
{
    readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>
    /// Creates (or truncates) <paramref name="path"/>, lets <paramref name="write"/> fill it
    /// through a hashing stream, flushes it to disk, and returns its size and SHA-256.
    /// </summary>
    public static FileHash WriteFile(string path, Action<Stream> write)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        FileHash hash;
        using (var hashing = new HashingWriteStream(file))
        {
            write(hashing);
            hash = new FileHash(hashing.BytesWritten, hashing.Sha256());
        }
        file.Flush(flushToDisk: true);
        return hash;
    }

    /// <summary>How many bytes have been written.</summary>
    public long BytesWritten { get; private set; }

    /// <summary>The SHA-256 of everything written so far, as lower-case hex.</summary>
    public string Sha256() => Convert.ToHexString(hash.GetCurrentHash()).ToLowerInvariant();

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => BytesWritten;
    public override long Position { get => BytesWritten; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        hash.AppendData(buffer);
        BytesWritten += buffer.Length;
    }

    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) hash.Dispose();
        base.Dispose(disposing);
    }
}
