using System.Runtime.InteropServices;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// While a cmdlet trains, the signals that end a process stop the training the way Ctrl+C does:
/// they cancel the cmdlet's token, the training loop saves a checkpoint of its last finished step,
/// and then the cmdlet stops (see <see cref="BertCmdlet"/>). Registered for the training only, so
/// the host's own Ctrl+C handling is untouched before and after.
/// <list type="bullet">
/// <item>SIGTERM (systemctl stop, timeout, docker stop, kill), SIGINT (Ctrl+C), SIGQUIT (Ctrl+\)
/// and SIGHUP (the terminal went away);</item>
/// <item>on Windows, .NET maps Ctrl+C to SIGINT, Ctrl+Break to SIGQUIT, closing the console
/// window to SIGHUP and logoff or shutdown to SIGTERM.</item>
/// </list>
/// A second signal is left to the handlers after this one (PowerShell's Ctrl+C) or to its default
/// (a second SIGTERM ends the process at once), so a stuck run can still be ended.
/// </summary>
internal sealed class TerminationSignals : IDisposable
{
    // Windows ends the process as soon as a close or shutdown handler returns, so the handler waits
    // for the checkpoint; Windows itself stops waiting after about 5 s (close) or 20 s (shutdown).
    static readonly TimeSpan WindowsHold = TimeSpan.FromSeconds(60);
    static readonly PosixSignal[] Handled = [PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP];

    readonly Action stop;
    readonly List<PosixSignalRegistration> registrations = [];
    readonly ManualResetEventSlim stopped = new();
    int received;

    TerminationSignals(Action stop) => this.stop = stop;

    /// <summary>Starts turning termination signals into <paramref name="stop"/>; disposing ends it.</summary>
    public static TerminationSignals Register(Action stop)
    {
        var signals = new TerminationSignals(stop);
        foreach (var signal in Handled)
        {
            try
            {
                signals.registrations.Add(PosixSignalRegistration.Create(signal, signals.OnSignal));
            }
            catch (PlatformNotSupportedException)
            {
                // A platform without this signal: nothing to handle.
            }
        }
        return signals;
    }

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Received => Volatile.Read(ref received) is var value and not 0 ? (PosixSignal)value : null;

    /// <summary>The exit code a shell gives a process ended by the signal: 128 plus its number (143 for SIGTERM).</summary>
    public static int ExitCodeOf(PosixSignal signal) => 128 + signal switch
    {
        PosixSignal.SIGHUP => 1,
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGQUIT => 3,
        _ => 15,
    };

    public static string NameOf(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => OperatingSystem.IsWindows() ? "Ctrl+C" : "SIGINT",
        PosixSignal.SIGQUIT => OperatingSystem.IsWindows() ? "Ctrl+Break" : "SIGQUIT",
        PosixSignal.SIGHUP => OperatingSystem.IsWindows() ? "the console window closing" : "SIGHUP",
        _ => OperatingSystem.IsWindows() ? "the system shutting down" : "SIGTERM",
    };

    /// <summary>
    /// Whether this process is a pwsh that runs a script or command and then exits (-File, a
    /// script path, -Command, -EncodedCommand, -CommandWithArgs; not -NoExit), as schedulers start
    /// it, rather than an interactive shell whose prompt Ctrl+C must give back.
    /// </summary>
    public static bool HostExitsAfterCommand()
    {
        var arguments = Environment.GetCommandLineArgs().Skip(1).ToList();
        // Run as `dotnet pwsh.dll ...`, the first argument is pwsh.dll itself.
        if (arguments.Count > 0 && arguments[0].EndsWith("pwsh.dll", StringComparison.OrdinalIgnoreCase)) arguments.RemoveAt(0);
        static string Name(string argument) => argument.TrimStart('-', '/').ToLowerInvariant();
        if (arguments.Any(a => a.StartsWith('-') && Name(a) is "noexit" or "noe")) return false;
        if (arguments.Any(a => a.StartsWith('-') && Name(a) is "file" or "f" or "command" or "c" or "encodedcommand" or "e" or "ec" or "commandwithargs" or "cwa"))
            return true;
        return arguments.Count > 0 && !arguments[0].StartsWith('-') && arguments[0].EndsWith(".ps1", StringComparison.OrdinalIgnoreCase);
    }

    void OnSignal(PosixSignalContext context)
    {
        // PosixSignal values are negative, so 0 is free to mean "none yet".
        if (Interlocked.CompareExchange(ref received, (int)context.Signal, 0) != 0) return;
        context.Cancel = true;
        stop();
        if (OperatingSystem.IsWindows() && context.Signal is PosixSignal.SIGTERM or PosixSignal.SIGHUP)
            stopped.Wait(WindowsHold);
    }

    public void Dispose()
    {
        // Release a waiting Windows handler first: unregistering takes a lock that its call holds.
        stopped.Set();
        foreach (var registration in registrations) registration.Dispose();
        registrations.Clear();
    }
}
