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
    /// gets an id of its own and names the path where .NET gives it. False for anything else
    /// (a bug, or PowerShell's own stop and error exceptions), which must pass through untouched.
    /// </summary>
    public static bool TryFrom(Exception ex, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ErrorRecord? record)
    {
        record = ex switch
        {
            BertAdaptException engine => From(engine),
            FileNotFoundException missing => new ErrorRecord(missing, PathNotFound, ErrorCategory.ObjectNotFound, missing.FileName),
            DirectoryNotFoundException missing => new ErrorRecord(missing, PathNotFound, ErrorCategory.ObjectNotFound, null),
            UnauthorizedAccessException denied => new ErrorRecord(denied, PathAccessDenied, ErrorCategory.PermissionDenied, null),
            IOException io => new ErrorRecord(io, FileSystemError, ErrorCategory.ResourceUnavailable, null),
            _ => null,
        };
        return record is not null;
    }

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
        _ => ErrorCategory.NotSpecified,
    };
}
