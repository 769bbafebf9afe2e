using System.Management.Automation;

namespace BertAdapt.PowerShell.Internal;

/// <summary>Turns the engine's exceptions into ErrorRecords with stable ids and the right category.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(BertAdaptException ex) =>
        new(ex, ex.ErrorId, Category(ex.Kind), ex.Target);

    /// <summary>
    /// The ErrorRecord for an exception a user can cause: the engine's own, or a file-system
    /// failure the engine did not foresee (a full disk, a folder made read-only mid-run), which
    /// gets an id of its own (<see cref="ForFileSystem"/>) and names the path where .NET gives it.
    /// False for anything else (a bug, or PowerShell's own stop and error exceptions), which must
    /// pass through untouched.
    /// </summary>
    public static bool TryFrom(Exception ex, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ErrorRecord? record)
    {
        record = ex switch
        {
            BertAdaptException engine => From(engine),
            _ when ForFileSystem(ex) is { } failure => new ErrorRecord(ex, failure.ErrorId, Category(failure.Kind), failure.Target),
            _ => null,
        };
        return record is not null;
    }

    /// <summary>
    /// A file-system failure outside the engine's own checks as the engine's exception, with its
    /// id and kind and the original as its inner exception: a file gone between listing and
    /// opening, access refused, a file another process holds locked (a sharing violation), a full
    /// disk. Where no ErrorRecord of the command's own can carry the id (parameter binding, which
    /// wraps what a transformation throws), it travels as this exception. Null for anything else.
    /// </summary>
    public static BertAdaptException? ForFileSystem(Exception ex) => ex switch
    {
        FileNotFoundException missing => new(PathNotFound, BertAdaptErrorKind.ObjectNotFound, missing.Message, missing.FileName, missing),
        DirectoryNotFoundException missing => new(PathNotFound, BertAdaptErrorKind.ObjectNotFound, missing.Message, null, missing),
        UnauthorizedAccessException denied => new(PathAccessDenied, BertAdaptErrorKind.PermissionDenied, denied.Message, null, denied),
        IOException io => new(FileSystemError, BertAdaptErrorKind.ResourceUnavailable, io.Message, null, io),
        _ => null,
    };

    /// <summary>Ids of file-system failures outside the engine's own checks.</summary>
    public const string PathNotFound = "PathNotFound", PathAccessDenied = "PathAccessDenied", FileSystemError = "FileSystemError";

    public static ErrorRecord Create(string errorId, ErrorCategory category, string message, object? target = null) =>
        new(new BertAdaptException(errorId, BertAdaptErrorKind.InvalidArgument, message, target), errorId, category, target);

    static ErrorCategory Category(BertAdaptErrorKind kind) => kind switch
    {
        BertAdaptErrorKind.ObjectNotFound => ErrorCategory.ObjectNotFound,
        BertAdaptErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        BertAdaptErrorKind.InvalidData => ErrorCategory.InvalidData,
        BertAdaptErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        BertAdaptErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        BertAdaptErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        BertAdaptErrorKind.ReadError => ErrorCategory.ReadError,
        BertAdaptErrorKind.WriteError => ErrorCategory.WriteError,
        BertAdaptErrorKind.NotImplemented => ErrorCategory.NotImplemented,
        BertAdaptErrorKind.OperationStopped => ErrorCategory.OperationStopped,
        BertAdaptErrorKind.SecurityError => ErrorCategory.SecurityError,
        BertAdaptErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        _ => ErrorCategory.NotSpecified,
    };
}
