namespace BertAdapt.Engine.Tests;

/// <summary>
/// The retry policy for renames and deletes that Windows refuses while another process holds a
/// file open. The refusals are made here as .NET makes them on Windows (an IOException whose
/// HResult is 0x8007xxxx with the Win32 error); the real thing, under Wine, is in
/// tests/Pester/Windows.Tests.ps1.
/// </summary>
public sealed class SharingViolationRetryTests
{
    static IOException Win32(int error) => new("refused", unchecked((int)0x80070000) | error);

    static (int Calls, List<int> Waits) RunFailing(int failures, Exception error, bool windows = true)
    {
        int calls = 0;
        var waits = new List<int>();
        SharingViolationRetry.Run(() => { if (++calls <= failures) throw error; }, windows, waits.Add);
        return (calls, waits);
    }

    [Theory]
    [InlineData(32)]  // ERROR_SHARING_VIOLATION
    [InlineData(33)]  // ERROR_LOCK_VIOLATION
    [InlineData(145)] // ERROR_DIR_NOT_EMPTY
    public void ASharingViolationThatPassesIsRetriedUntilItSucceeds(int error)
    {
        var (calls, waits) = RunFailing(3, Win32(error));
        Assert.Equal(4, calls);
        Assert.Equal([50, 100, 200], waits);
    }

    [Fact]
    public void AccessDeniedOnWindowsIsRetriedToo() => Assert.Equal(2, RunFailing(1, new UnauthorizedAccessException("denied")).Calls);

    [Fact]
    public void ARefusalThatLastsIsThrownAfterAboutThreeSeconds()
    {
        var waits = new List<int>();
        var error = Assert.Throws<IOException>(() => SharingViolationRetry.Run(() => throw Win32(32), windows: true, waits.Add));
        Assert.Equal(unchecked((int)0x80070020), error.HResult);
        Assert.InRange(waits.Sum(), 3000, 3200);
    }

    [Fact]
    public void OtherErrorsAreNotRetried()
    {
        int calls = 0;
        Assert.Throws<IOException>(() => SharingViolationRetry.Run(() => { calls++; throw Win32(183); }, windows: true, _ => { })); // ERROR_ALREADY_EXISTS
        Assert.Throws<FileNotFoundException>(() => SharingViolationRetry.Run(() => { calls++; throw new FileNotFoundException(); }, windows: true, _ => { }));
        Assert.Equal(2, calls);
    }

    [Fact]
    public void NothingIsRetriedOffWindows()
    {
        // On Linux an IOException's HResult is the errno (32 is EPIPE there), and access denied is a real permission problem.
        int calls = 0;
        Assert.Throws<IOException>(() => SharingViolationRetry.Run(() => { calls++; throw Win32(32); }, windows: false, _ => { }));
        Assert.Throws<UnauthorizedAccessException>(() => SharingViolationRetry.Run(() => { calls++; throw new UnauthorizedAccessException(); }, windows: false, _ => { }));
        Assert.Equal(2, calls);
    }
}
