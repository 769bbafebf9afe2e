namespace BertAdapt.Engine;

/// <summary>
/// Renames and deletes of checkpoint, export, cache and report files, retried for about three
/// seconds when Windows refuses them because another process has a file open: antivirus
/// scanners and indexers open new files as soon as they are written, and another PowerShell
/// session may be reading a checkpoint. Such refusals pass in moments; any other error, and
/// any error off Windows (where renames do not depend on open handles), is not retried.
/// </summary>
public static class SharingViolationRetry
{
    // ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION, and ERROR_DIR_NOT_EMPTY: a deleted file that
    // someone still holds stays in its folder until they let go.
    static readonly int[] TransientWin32Errors = [32, 33, 145];
    static readonly int[] DelaysMilliseconds = [50, 100, 200, 400, 800, 1600];

    public static void Run(Action operation) => Run(operation, OperatingSystem.IsWindows(), Thread.Sleep);

    /// <summary>Like <see cref="Run(Action)"/>, but gives up quietly (returns false) when the refusal outlasts the retries.</summary>
    public static bool TryRun(Action operation)
    {
        try
        {
            Run(operation);
            return true;
        }
        catch (Exception ex) when (IsTransient(ex, OperatingSystem.IsWindows()))
        {
            return false;
        }
    }

    internal static void Run(Action operation, bool windows, Action<int> sleep)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                operation();
                return;
            }
            catch (Exception ex) when (attempt < DelaysMilliseconds.Length && IsTransient(ex, windows))
            {
                sleep(DelaysMilliseconds[attempt]);
            }
        }
    }

    internal static bool IsTransient(Exception ex, bool windows) => windows && ex switch
    {
        UnauthorizedAccessException => true, // a rename or delete of something another process holds open
        IOException io => TransientWin32Errors.Contains(io.HResult & 0xFFFF) && (io.HResult >>> 16) == 0x8007,
        _ => false,
    };
}
