namespace BertAdapt;

/// <summary>
/// A checkpoint a model descends from: its directory, the file in it that identifies it (the
/// weights file) and that file's SHA-256 (null where it could not be hashed).
/// </summary>
public sealed record CheckpointReference(string Path, string? File, string? Sha256)
{
    public override string ToString() => Sha256 is null ? Path : $"{Path} ({File} sha256 {Sha256})";
}
