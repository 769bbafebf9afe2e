namespace BertAdapt.Engine.Checkpoints.PyTorch;

/// <summary>
/// A read-only, seekable view of <c>length</c> bytes of a file from <c>start</c> on: how a storage
/// of a legacy-format checkpoint, which lies in the file itself, is read. It moves the shared
/// file's position, so it is used under the reader's lock and disposed before the next one.
/// Disposing it leaves the file open.
/// </summary>
internal sealed class FileRangeStream : Stream
{
    readonly FileStream file;
    readonly long start;
    readonly long length;
    long position;

    public FileRangeStream(FileStream file, long start, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        this.file = file;
        this.start = start;
        this.length = length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => position;
        set => Seek(value, SeekOrigin.Begin);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long left = length - position;
        if (left <= 0 || buffer.IsEmpty) return 0;
        if (buffer.Length > left) buffer = buffer[..(int)left];
        file.Position = start + position;
        int n = file.Read(buffer);
        position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => position + offset,
            SeekOrigin.End => length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        if (target < 0) throw new IOException("Cannot seek before the start of a storage.");
        position = target;
        return position;
    }

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
