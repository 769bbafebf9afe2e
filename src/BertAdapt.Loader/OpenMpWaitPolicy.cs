using System.Runtime.InteropServices;

namespace BertAdapt.Loader;

/// <summary>
/// How libtorch's OpenMP threads wait between parallel regions. Left unset, they spin, and on a
/// machine shared with other work the spinning steals the cores the other threads of the same
/// step need: steps ran 10 to 20 times slower that way on a loaded machine (docs/performance.md).
/// So the module asks for PASSIVE (threads sleep) unless the session chose a policy itself, in
/// the environment or with <c>$env:OMP_WAIT_POLICY</c> before the import. This must happen
/// before libtorch loads: Linux's libgomp reads the variable once, when it is loaded, from the
/// process's native environment, which .NET's own environment block does not reach there.
/// Windows' libiomp5 reads it from the process environment at its first parallel region.
/// </summary>
internal static class OpenMpWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";
    public const string Default = "PASSIVE";

    /// <summary>Sets the policy for libtorch and returns it.</summary>
    public static string Apply()
    {
        var chosen = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(chosen))
        {
            chosen = Default;
            Environment.SetEnvironmentVariable(Variable, chosen);
        }
        if (!OperatingSystem.IsWindows() && SetNativeVariable(Variable, chosen, 1) != 0)
            throw new InvalidOperationException($"Could not set {Variable} in the process environment (errno {Marshal.GetLastPInvokeError()}).");
        return chosen;
    }

    [DllImport("libc", EntryPoint = "setenv", SetLastError = true)]
    static extern int SetNativeVariable([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}
