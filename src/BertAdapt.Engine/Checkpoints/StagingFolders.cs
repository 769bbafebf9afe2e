using System.Diagnostics;
using System.Globalization;

namespace BertAdapt.Engine.Checkpoints;

/// <summary>
/// The hidden folders an export stages beside its destination (<c>.name.partial-…</c> while it
/// writes, <c>.name.replaced-…</c> holding the checkpoint it replaces), named after the process
/// that made them. A process that was killed leaves them behind; the next export to the same
/// name finds them stale, because their process is gone, and clears them. Folders of a process
/// still running (another export of the same name under way) are left alone.
/// </summary>
internal static class StagingFolders
{
    public const string Partial = "partial", Replaced = "replaced";

    /// <summary>Folders from before names carried a process id count as stale once this old.</summary>
    static readonly TimeSpan UnnamedOwnerAge = TimeSpan.FromHours(1);

    /// <summary>A new staging folder's path for <paramref name="name"/> in <paramref name="parent"/>.</summary>
    public static string NewPath(string parent, string name, string kind) =>
        Path.Combine(parent, $".{name}.{kind}-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Guid.NewGuid():N}");

    /// <summary>The <paramref name="kind"/> folders for <paramref name="name"/> whose process has ended, oldest first.</summary>
    public static List<string> Stale(string parent, string name, string kind)
    {
        if (!Directory.Exists(parent)) return [];
        string prefix = $".{name}.{kind}-";
        return Directory.EnumerateDirectories(parent, ".*")
            .Where(d => Path.GetFileName(d).StartsWith(prefix, StringComparison.Ordinal) && IsStale(d, Path.GetFileName(d)[prefix.Length..]))
            .OrderBy(Directory.GetLastWriteTimeUtc).ToList();
    }

    /// <summary>
    /// Clears what killed exports of <paramref name="name"/> left: a checkpoint that was being
    /// replaced when the process died is put back when nothing has taken its place (so it is not
    /// lost), and every other leftover is deleted. Returns what was done, for the user.
    /// </summary>
    public static List<string> Recover(string parent, string name)
    {
        var done = new List<string>();
        var destination = Path.Combine(parent, name);
        foreach (var replaced in Stale(parent, name, Replaced))
        {
            if (!Directory.Exists(destination) && !File.Exists(destination))
            {
                SharingViolationRetry.Run(() => Directory.Move(replaced, destination));
                done.Add($"Put back '{destination}' from '{replaced}', which an export that was stopped left while replacing it.");
            }
            else if (SharingViolationRetry.TryRun(() => Directory.Delete(replaced, recursive: true)))
                done.Add($"Removed '{replaced}', the checkpoint an export that was stopped had already replaced.");
        }
        foreach (var partial in Stale(parent, name, Partial))
            if (SharingViolationRetry.TryRun(() => Directory.Delete(partial, recursive: true)))
                done.Add($"Removed '{partial}', the unfinished files of an export that was stopped.");
        return done;
    }

    static bool IsStale(string folder, string suffix)
    {
        int dash = suffix.IndexOf('-');
        if (dash > 0 && int.TryParse(suffix.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            return pid != Environment.ProcessId && !IsRunning(pid);
        return DateTime.UtcNow - Directory.GetLastWriteTimeUtc(folder) > UnnamedOwnerAge;
    }

    static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
