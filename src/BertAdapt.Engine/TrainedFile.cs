namespace BertAdapt;

/// <summary>
/// A data file a model was trained on, with its size and SHA-256 when it could be read at the
/// time (null otherwise): what a checkpoint manifest lists under "trained_on".
/// </summary>
public sealed record TrainedFile(string Path, long? Size, string? Sha256)
{
    /// <summary>Hashes the file now (streamed); one that cannot be read is recorded by its path alone.</summary>
    public static TrainedFile Of(string path)
    {
        try
        {
            var hash = FileHash.Of(path);
            return new TrainedFile(path, hash.Size, hash.Sha256);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return new TrainedFile(path, null, null);
        }
    }

    public override string ToString() => Sha256 is null ? $"{Path} (not hashed)" : $"{Path} ({Size} bytes, sha256 {Sha256})";
}
