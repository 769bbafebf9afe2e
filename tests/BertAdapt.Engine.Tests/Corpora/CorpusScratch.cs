using System.IO.Compression;
using System.Text;

namespace BertAdapt.Engine.Tests.Corpora;

/// <summary>A temporary directory for corpus files and caches, deleted with the test class.</summary>
public sealed class CorpusScratch : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("bertadapt-corpora-").FullName;

    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var file = File.Create(path);
            using var gzip = new GZipStream(file, CompressionLevel.Fastest);
            gzip.Write(bytes);
        }
        else File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Writes UTF-8 text without a BOM (gzip-compressed when the name ends in .gz).</summary>
    public string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { } // a mapped file may still be closing on some systems
    }
}
