namespace BertAdapt.PowerShell.Internal;

/// <summary>Reports on the calling thread, so the callback may use Write-Progress.</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
