using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace BertAdapt.Engine.Data;

/// <summary>
/// A SHA-256 over what a run trains on, built up piece by piece, so that a rerun can tell
/// whether its data is the data the run in its output path was made with. Every piece is
/// length-prefixed, so two different sequences of pieces never hash alike.
/// </summary>
public sealed class ContentFingerprint : IDisposable
{
    readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public ContentFingerprint Add(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Add((long)bytes.Length);
        hash.AppendData(bytes);
        return this;
    }

    public ContentFingerprint Add(long value)
    {
        Span<byte> bytes = stackalloc byte[sizeof(long)];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(bytes, value);
        hash.AppendData(bytes);
        return this;
    }

    public ContentFingerprint Add(ReadOnlySpan<int> values)
    {
        Add((long)values.Length);
        // Little-endian on every platform .NET runs BertAdapt on, so the bytes are the same everywhere.
        hash.AppendData(MemoryMarshal.AsBytes(values));
        return this;
    }

    public ContentFingerprint Add(ReadOnlySpan<float> values)
    {
        Add((long)values.Length);
        hash.AppendData(MemoryMarshal.AsBytes(values));
        return this;
    }

    /// <summary>The first 16 hex digits (64 bits): plenty to tell two data sets apart, short enough to read.</summary>
    public string Finish() => Convert.ToHexString(hash.GetHashAndReset(), 0, 8).ToLowerInvariant();

    /// <summary>How a run's settings show a data set: its size and its fingerprint.</summary>
    public static string Describe(long examples, string fingerprint) =>
        string.Create(CultureInfo.InvariantCulture, $"{examples:N0} examples, sha256 {fingerprint}");

    public void Dispose() => hash.Dispose();
}
