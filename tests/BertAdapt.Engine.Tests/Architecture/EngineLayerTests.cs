using System.Text.RegularExpressions;
using BertAdapt.Engine.Tests.Interop;

namespace BertAdapt.Engine.Tests.Architecture;

/// <summary>
/// The engine's folders are layers (README, "Architecture"): each may use the ones below it,
/// never one above it nor a peer beside it. Namespaces follow folders, so a type's namespace
/// says its layer.
/// </summary>
public class EngineLayerTests
{
    /// <summary>Bottom first; layers in one rank are peers and do not use each other.</summary>
    static readonly string[][] Ranks =
    [
        ["Root"],
        ["Tokenization"],
        ["Data"],
        ["Modeling"],
        ["Checkpoints", "Evaluation"],
        ["Training"],
        ["Inference", "Jobs", "Reports"],
        ["Studies"],
    ];

    static readonly System.Reflection.Assembly Engine = typeof(BertModel).Assembly;

    /// <summary>
    /// BertAdapt.BertModel keeps its public name (format views and scripts know it) but is the
    /// model itself, so it counts with Modeling; the rest of the root namespaces are primitives.
    /// </summary>
    static string? EngineLayer(Type type)
    {
        if (type.Assembly != Engine) return null;
        var outer = type;
        while (outer.DeclaringType is not null) outer = outer.DeclaringType;
        if (outer == typeof(BertModel)) return "Modeling";
        var ns = type.Namespace ?? "";
        if (ns is "BertAdapt" or "BertAdapt.Engine") return "Root";
        return ns.StartsWith("BertAdapt.Engine.", StringComparison.Ordinal) ? ns.Split('.')[2] : null;
    }

    [Fact]
    public void NoEngineLayerUsesOneAboveIt()
    {
        var check = new LayerCheck(Ranks, EngineLayer);
        var violations = check.Violations(Engine.GetTypes());
        Assert.True(violations.Count == 0, "Upward references:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void EveryEngineNamespaceHasAPlaceInTheOrder()
    {
        var check = new LayerCheck(Ranks, EngineLayer);
        var unplaced = Engine.GetTypes().Select(EngineLayer).OfType<string>().Distinct().Where(l => check.RankOf(l) is null).ToList();
        Assert.Empty(unplaced);
    }

    [Fact]
    public void EngineNamespacesFollowFolders()
    {
        var root = Path.Combine(TestAssets.RepositoryRoot, "src", "BertAdapt.Engine");
        var wrong = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.Split(Path.DirectorySeparatorChar)[0] is "obj" or "bin") continue;
            var folder = Path.GetDirectoryName(relative)!;
            var ns = Regex.Match(File.ReadAllText(file), @"^namespace\s+([\w.]+)", RegexOptions.Multiline).Groups[1].Value;
            bool fits = folder.Length == 0
                ? ns is "BertAdapt" or "BertAdapt.Engine"
                : ns == "BertAdapt.Engine." + folder.Replace(Path.DirectorySeparatorChar, '.');
            if (!fits) wrong.Add($"{relative}: namespace '{ns}'");
        }
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void NoEngineFileIsOverFiveHundredLines()
    {
        var root = Path.Combine(TestAssets.RepositoryRoot, "src", "BertAdapt.Engine");
        var long_ = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar)[0] is not ("obj" or "bin"))
            .Select(f => (File: Path.GetRelativePath(root, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > 500)
            .Select(f => $"{f.File}: {f.Lines} lines")
            .ToList();
        Assert.True(long_.Count == 0, string.Join("\n", long_));
    }
}
