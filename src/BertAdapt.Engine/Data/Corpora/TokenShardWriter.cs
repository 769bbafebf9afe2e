using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BertAdapt.Engine.Data.Corpora;

/// <summary>
/// Writes a token shard as lines arrive, with fixed-size buffers: tokens go straight into a
/// temporary shard file, line and document offsets into two side files appended at the end
/// (their counts are not known before). <see cref="Commit"/> writes the header last and renames
/// the file into place, so a reader never sees a half-written shard under the final name; a
/// writer disposed without committing deletes its files.
/// </summary>
public sealed class TokenShardWriter : IDisposable
{
    const int BufferSize = 1 << 16;

    readonly string tempPath;
    readonly FileStream shard, lineStarts, documentStarts;
    readonly byte[] scratch = new byte[sizeof(long)];
    long tokenCount, lineCount, documentCount;
    bool inDocument, committed;

    /// <param name="directory">Where the temporary files go: the final shard's directory, so the rename stays on one volume.</param>
    public TokenShardWriter(string directory)
    {
        Directory.CreateDirectory(directory);
        tempPath = Path.Combine(directory, $"{Guid.NewGuid():N}{TempSuffix}");
        shard = Create(tempPath, FileOptions.None);
        lineStarts = Create(tempPath + ".lines", FileOptions.DeleteOnClose);
        documentStarts = Create(tempPath + ".documents", FileOptions.DeleteOnClose);
        shard.Position = TokenShardLayout.HeaderSize;
    }

    /// <summary>The name ending of the writer's temporary files, for clean-up of abandoned ones.</summary>
    public const string TempSuffix = ".shard-tmp";

    static FileStream Create(string path, FileOptions options) =>
        new(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, options);

    public long TokenCount => tokenCount;

    /// <summary>Adds one line's token ids to the current document; an empty line is dropped.</summary>
    public void AddLine(ReadOnlySpan<int> tokenIds)
    {
        if (tokenIds.IsEmpty) return;
        if (!inDocument)
        {
            WriteInt64(documentStarts, lineCount);
            documentCount++;
            inDocument = true;
        }
        WriteInt64(lineStarts, tokenCount);
        lineCount++;
        if (BitConverter.IsLittleEndian) shard.Write(MemoryMarshal.AsBytes(tokenIds));
        else foreach (var id in tokenIds) WriteInt32(shard, id);
        tokenCount += tokenIds.Length;
    }

    /// <summary>Ends the current document; a document without lines is never written.</summary>
    public void EndDocument() => inDocument = false;

    /// <summary>Completes the shard and moves it to <paramref name="path"/>, replacing any file there.</summary>
    public void Commit(string path)
    {
        EndDocument();
        WriteInt64(lineStarts, tokenCount);
        WriteInt64(documentStarts, lineCount);
        var layout = new TokenShardLayout(tokenCount, lineCount, documentCount);
        shard.SetLength(layout.LineStartsOffset); // pads the tokens to 8 bytes with zeros
        shard.Position = layout.LineStartsOffset;
        foreach (var side in (FileStream[])[lineStarts, documentStarts])
        {
            side.Flush();
            side.Position = 0;
            side.CopyTo(shard, BufferSize);
        }
        var header = new byte[TokenShardLayout.HeaderSize];
        layout.WriteHeader(header);
        shard.Position = 0;
        shard.Write(header);
        shard.Flush(flushToDisk: true);
        shard.Dispose();
        SharingViolationRetry.Run(() => File.Move(tempPath, path, overwrite: true));
        committed = true;
    }

    void WriteInt64(FileStream stream, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(scratch, value);
        stream.Write(scratch, 0, sizeof(long));
    }

    void WriteInt32(FileStream stream, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(scratch, value);
        stream.Write(scratch, 0, sizeof(int));
    }

    public void Dispose()
    {
        Close(shard);
        Close(lineStarts);
        Close(documentStarts);
        if (!committed) File.Delete(tempPath);
    }

    /// <summary>
    /// Closes a stream. A shard that is being thrown away (its build failed, say on a full disk)
    /// cannot flush its buffer either; that failure must not keep the other files open and the
    /// temporary shard on the disk, so it is ignored: the stream's handle is closed regardless.
    /// </summary>
    void Close(FileStream stream)
    {
        try { stream.Dispose(); }
        catch (IOException) when (!committed) { }
    }
}
