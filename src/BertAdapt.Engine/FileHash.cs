using System.Security.Cryptography;

namespace BertAdapt;

/// <summary>A file's size and SHA-256 (lower-case hex), as a checkpoint manifest and a model's lineage record them.</summary>
public sealed record FileHash(long Size, string Sha256)
{
    /// <summary>Hashes a file by streaming it: memory stays flat whatever its size.</summary>
    public static FileHash Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
        var sha = SHA256.HashData(stream);
        return new FileHash(stream.Length, Convert.ToHexString(sha).ToLowerInvariant());
    }
}
