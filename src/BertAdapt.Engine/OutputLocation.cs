namespace BertAdapt;

/// <summary>
/// Checks, before any work starts, that a place the engine will write to can be written: a
/// directory it creates or fills (a checkpoint, a job's output folder, the token cache) or a
/// file (metrics, a report). Missing parent folders are fine, since writers create them; a
/// path under a regular file, or a folder that refuses a new entry, is an error now rather
/// than after hours of training. The test is the real thing, not a guess from permission bits
/// (which say nothing for root, ACLs or read-only mounts): an empty probe file is created in
/// the folder that would receive the new entry and is deleted as it closes, so nothing stays.
/// </summary>
/// <remarks>
/// Error ids are the caller's prefix plus NotWritable, IsFile or IsDirectory, so each
/// parameter's errors read as its own (OutputPathNotWritable, MetricsPathIsDirectory).
/// </remarks>
public static class OutputLocation
{
    /// <summary>
    /// A directory that will be created if missing and written into.
    /// </summary>
    /// <param name="intoItself">True when new entries go inside the directory (a job folder, a
    /// cache); false when the directory itself is made as a new entry of its parent (a checkpoint
    /// staged beside its final name).</param>
    public static void CheckDirectory(string path, string idPrefix, string what, bool intoItself)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            throw new BertAdaptException(idPrefix + "IsFile", BertAdaptErrorKind.InvalidArgument, $"{what} '{full}' is a file, not a folder.", full);
        var receiver = intoItself && Directory.Exists(full) ? full : NearestExistingFolder(full, idPrefix, what);
        Probe(receiver, full, idPrefix, what);
    }

    /// <summary>A file that will be created (with its missing parent folders) or written.</summary>
    /// <param name="replacedBeside">True when an existing file is replaced by a new one written
    /// beside it and renamed (so its folder must take a new entry); false when it is appended to.</param>
    public static void CheckFile(string path, string idPrefix, string what, bool replacedBeside)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new BertAdaptException(idPrefix + "IsDirectory", BertAdaptErrorKind.InvalidArgument,
                $"{what} '{full}' is a folder. Give the path of a file, for example '{Path.Combine(full, "metrics.jsonl")}'.", full);
        if (File.Exists(full))
        {
            try
            {
                // Opening for writing, without writing, changes neither the content nor the time stamps.
                using (new FileStream(full, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete)) { }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw NotWritable(full, idPrefix, what, ex.Message);
            }
            if (!replacedBeside) return;
        }
        Probe(NearestExistingFolder(full, idPrefix, what), full, idPrefix, what);
    }

    /// <summary>Creates the folder that will hold <paramref name="file"/>, and the folders above it, as needed.</summary>
    public static void CreateParent(string file)
    {
        var parent = Path.GetDirectoryName(Path.GetFullPath(file));
        if (!string.IsNullOrEmpty(parent)) Directory.CreateDirectory(parent);
    }

    /// <summary>The closest folder above <paramref name="full"/> that exists: where the first missing folder would be made.</summary>
    static string NearestExistingFolder(string full, string idPrefix, string what)
    {
        var folder = Path.GetDirectoryName(full);
        while (folder is not null && !Directory.Exists(folder))
        {
            if (File.Exists(folder))
                throw NotWritable(full, idPrefix, what, $"'{folder}' is a file, so no folder can be made under it.");
            folder = Path.GetDirectoryName(folder);
        }
        return folder ?? Path.GetPathRoot(full)!;
    }

    static void Probe(string folder, string full, string idPrefix, string what)
    {
        var probe = Path.Combine(folder, $".bertadapt-probe-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(full, idPrefix, what, $"nothing can be created in '{folder}' ({ex.Message.TrimEnd('.')}).");
        }
    }

    static BertAdaptException NotWritable(string full, string idPrefix, string what, string why) =>
        new(idPrefix + "NotWritable", BertAdaptErrorKind.WriteError, $"{what} '{full}' cannot be written: {why}", full);
}
