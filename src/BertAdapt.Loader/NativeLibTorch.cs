using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace BertAdapt.Loader;

/// <summary>
/// Loads native libtorch from the module's Dependencies folder when the module is imported, so
/// that a machine or module folder that cannot run it fails at Import-Module with an error that
/// says why, rather than at the first cmdlet with a loader message. Once TorchSharp's own
/// library is loaded here, TorchSharp's fallback (which copies native libraries out of a NuGet
/// cache into a folder inside the module, which may be read-only) can never run.
/// </summary>
internal static partial class NativeLibTorch
{
    public const string ErrorId = "NativeLibraryLoadFailed";

    /// <summary>
    /// The Visual C++ 2015-2022 runtime DLLs that torch_cpu.dll and c10.dll import. Windows does
    /// not ship them and no NuGet package carries them; the Windows loader would only report that
    /// "the specified module could not be found", without saying which.
    /// </summary>
    static readonly string[] VisualCppRuntime = ["vcruntime140.dll", "vcruntime140_1.dll", "msvcp140.dll"];

    const string VisualCppInstall = "Install the Microsoft Visual C++ 2015-2022 Redistributable (x64), vc_redist.x64.exe "
        + "(https://aka.ms/vs/17/release/vc_redist.x64.exe), then start a new PowerShell session.";

    /// <summary>libtorch itself, then TorchSharp's library over it: the order the Windows and Linux loaders need.</summary>
    static string[] Libraries => OperatingSystem.IsWindows()
        ? ["torch_cpu.dll", "LibTorchSharp.dll"]
        : ["libtorch_cpu.so", "libLibTorchSharp.so"];

    /// <summary>
    /// c10, which libtorch loads beside itself, is checked too: when it is missing from the folder
    /// the system loader looks for it on the library path, and a machine with another libtorch
    /// there (Debian's python3-torch, say) got "undefined symbol" instead of the missing file's name.
    /// </summary>
    static string[] Required => [OperatingSystem.IsWindows() ? "c10.dll" : "libc10.so", .. Libraries];

    public static void Load(string folder)
    {
        if (OperatingSystem.IsWindows()) CheckVisualCppRuntime();
        foreach (var name in Required)
            if (!File.Exists(Path.Combine(folder, name))) throw Missing(folder, name);
        foreach (var name in Libraries)
        {
            var path = Path.Combine(folder, name);
            try
            {
                NativeLibrary.Load(path);
            }
            catch (DllNotFoundException ex)
            {
                throw Failure($"BertAdapt could not load {path}: {Reason(ex.Message)}"
                    + (OperatingSystem.IsWindows() && ex.Message.Contains("0x8007007F", StringComparison.OrdinalIgnoreCase)
                        ? " A procedure was not found: the Visual C++ runtime on this machine is older than libtorch needs. " + VisualCppInstall
                        : " The module folder is incomplete or damaged: build or install it again."), path, ex);
            }
        }
    }

    static void CheckVisualCppRuntime()
    {
        var missing = VisualCppRuntime.Where(name => !NativeLibrary.TryLoad(name, out _)).ToList();
        if (missing.Count > 0)
            throw Failure($"BertAdapt needs the Microsoft Visual C++ 2015-2022 runtime (x64), which libtorch is built against, "
                + $"and this machine lacks {string.Join(", ", missing)}. {VisualCppInstall}", string.Join(", ", missing), null);
    }

    static RuntimeException Missing(string folder, string name)
    {
        var other = OperatingSystem.IsWindows() ? "libtorch_cpu.so" : "torch_cpu.dll";
        var why = File.Exists(Path.Combine(folder, other))
            ? $"This module folder was built for {(OperatingSystem.IsWindows() ? "Linux" : "Windows")}: build it with -Runtime {(OperatingSystem.IsWindows() ? "win-x64" : "linux-x64")} or install that package."
            : "The module folder is incomplete: build or install it again.";
        return Failure($"BertAdapt's native library {name} is not in '{folder}'. {why}", Path.Combine(folder, name), null);
    }

    /// <summary>What the system loader said, without .NET's generic advice around it.</summary>
    static string Reason(string message)
    {
        var reason = Whitespace().Replace(Advice().Replace(message, " "), " ").Trim();
        return reason.EndsWith('.') ? reason : reason + ".";
    }

    static RuntimeException Failure(string message, object target, Exception? inner)
    {
        var exception = new InvalidOperationException(message, inner);
        return new RuntimeException(message, exception, new ErrorRecord(exception, ErrorId, ErrorCategory.ResourceUnavailable, target));
    }

    [GeneratedRegex(@"In order to help diagnose loading problems, consider using a tool like strace\.( If you're using glibc, consider setting the LD_DEBUG environment variable:)?")]
    private static partial Regex Advice();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
