using System.Management.Automation;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace BertAdapt.Loader;

/// <summary>
/// Loads every library the engine uses (TorchSharp, YamlDotNet, CsvHelper, the tokenizer, native
/// libtorch) from <c>Dependencies/</c> into a load context of their own, so another module that
/// brought, say, an older YamlDotNet into the session cannot break BertAdapt, nor the other way
/// round. The engine itself goes into the default context: its types are the cmdlets' parameter
/// and output types, and PowerShell resolves type names like [BertAdapt.BertModel] only there.
/// Its references then reach this resolver, which answers from the isolated context. This
/// lives in its own assembly, imported before the cmdlets, because PowerShell resolves the
/// cmdlets' parameter types before it would call an initializer in the cmdlet assembly. It also
/// sets OpenMP's wait policy and loads native libtorch, so a machine that cannot run it fails
/// the import with an error that says why (<see cref="NativeLibTorch"/>).
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer, IModuleAssemblyCleanup
{
    const string EngineAssembly = "BertAdapt.Engine";
    static readonly DependencyLoadContext Dependencies = new(
        Path.Combine(Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location)!, "Dependencies"));

    public void OnImport()
    {
        // Before libtorch loads: the wait policy only counts if OpenMP reads it when it starts.
        OpenMpWaitPolicy.Apply();
        NativeLibTorch.Load(Dependencies.Folder);
        AssemblyLoadContext.Default.Resolving += Resolve;
    }

    public void OnRemove(PSModuleInfo module) => AssemblyLoadContext.Default.Resolving -= Resolve;

    static Assembly? Resolve(AssemblyLoadContext context, AssemblyName name)
    {
        if (name.Name == EngineAssembly)
            return AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(Dependencies.Folder, EngineAssembly + ".dll"));
        return File.Exists(Path.Combine(Dependencies.Folder, name.Name + ".dll")) ? Dependencies.LoadFromAssemblyName(name) : null;
    }
}

/// <summary>Resolves managed and native libraries from one folder; anything else falls back to the default context.</summary>
internal sealed class DependencyLoadContext(string folder) : AssemblyLoadContext("BertAdapt")
{
    public string Folder { get; } = folder;

    protected override Assembly? Load(AssemblyName name)
    {
        var path = Path.Combine(Folder, name.Name + ".dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string name)
    {
        foreach (var candidate in NativeNames(name))
        {
            var path = Path.Combine(Folder, candidate);
            if (File.Exists(path)) return LoadUnmanagedDllFromPath(path);
        }
        return IntPtr.Zero;
    }

    static IEnumerable<string> NativeNames(string name)
    {
        yield return name;
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) { yield return name + ".dll"; yield break; }
        string extension = RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? ".dylib" : ".so";
        yield return name + extension;
        yield return "lib" + name + extension;
    }
}
