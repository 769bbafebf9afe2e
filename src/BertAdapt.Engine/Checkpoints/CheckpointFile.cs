namespace BertAdapt.Engine.Checkpoints;

/// <summary>Opening a checkpoint weights file, the same way for every reader.</summary>
internal static class CheckpointFile
{
    /// <summary>
    /// Opens <paramref name="path"/> read-only for random access (others may read it too); a missing
    /// file or folder is <see cref="SafeTensorsReader.NotFoundErrorId"/>.
    /// </summary>
    public static FileStream OpenRead(string path, out string fullPath, int bufferSize = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath)) throw NotFound(fullPath, null);
        try
        {
            return new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, FileOptions.RandomAccess);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw NotFound(fullPath, ex);
        }
    }

    public static BertAdaptException NotFound(string path, Exception? inner) =>
        new(SafeTensorsReader.NotFoundErrorId, BertAdaptErrorKind.ObjectNotFound, $"Checkpoint file '{path}' was not found.", path, inner);
}
