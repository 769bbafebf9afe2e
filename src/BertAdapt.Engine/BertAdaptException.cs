namespace BertAdapt;

/// <summary>
/// What kind of failure a <see cref="BertAdaptException"/> reports. The cmdlets map each kind
/// onto a PowerShell ErrorCategory; the engine itself knows nothing of PowerShell.
/// </summary>
public enum BertAdaptErrorKind
{
    ObjectNotFound,
    InvalidArgument,
    InvalidData,
    InvalidOperation,
    ResourceExists,
    ResourceUnavailable,
    ReadError,
    WriteError,
    NotImplemented,
    OperationStopped,
    SecurityError,
    /// <summary>The file system refused access to a path (permissions, an ACL, a read-only mount).</summary>
    PermissionDenied,
}

/// <summary>
/// A failure the user can cause and fix. <see cref="ErrorId"/> is stable across releases so
/// scripts and tests can match on it (it becomes the FullyQualifiedErrorId prefix).
/// </summary>
public class BertAdaptException : Exception
{
    public BertAdaptException(string errorId, BertAdaptErrorKind kind, string message, object? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }
    public BertAdaptErrorKind Kind { get; }
    public object? Target { get; }
}
