using System.Management.Automation;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// An error that ends the calling script, not only its statement, as one under
/// <c>-ErrorAction Stop</c> does, keeping the error's own id and category; <c>try</c>/<c>catch</c>
/// still catches it. For failures a scheduled script must not carry on past: a failed job and a
/// training run stopped by a signal. <c>pwsh -File</c> then exits with 1 (or the signal's code),
/// where a statement-terminating error would let the script go on and exit with 0.
/// </summary>
public sealed class ScriptTerminatingException : ActionPreferenceStopException
{
    readonly ErrorRecord record;

    public ScriptTerminatingException(ErrorRecord record) : base(record.Exception.Message, record.Exception) => this.record = record;

    public override ErrorRecord ErrorRecord => record;
}
