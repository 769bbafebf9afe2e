using System.Management.Automation;

namespace BertAdapt.PowerShell.Internal;

/// <summary>Turns the engine's exceptions into ErrorRecords with stable ids and the right category.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(BertAdaptException ex) =>
        new(ex, ex.ErrorId, Category(ex.Kind), ex.Target);

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
