using System.Globalization;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Training;

/// <summary>
/// How many CPU threads libtorch uses inside one operation (its intra-op pool, which is
/// process-wide). A run asks for a count, or takes the default: BERTADAPT_THREADS, else
/// OMP_NUM_THREADS, else the machine's logical processors as .NET sees them (which respects a
/// process's CPU affinity and a container's CPU limit). On a machine shared with other jobs, a
/// lower count leaves cores to them.
/// </summary>
public static class ComputeThreads
{
    public const string Variable = "BERTADAPT_THREADS";
    public const string OpenMpVariable = "OMP_NUM_THREADS";

    /// <summary>The threads libtorch uses now.</summary>
    public static int Current => get_num_threads();

    /// <summary>The requested count, or the default when none is requested.</summary>
    public static int Resolve(int? requested)
    {
        if (requested is int count)
        {
            if (count < 1)
                throw new BertAdaptException("ThreadsInvalid", BertAdaptErrorKind.InvalidArgument, $"The thread count must be at least 1, not {count}.", count);
            return count;
        }
        return FromVariable(Variable, strict: true) ?? FromVariable(OpenMpVariable, strict: false) ?? Environment.ProcessorCount;
    }

    /// <summary>
    /// Sets libtorch's thread count for a run and puts the previous count back when disposed, so a
    /// cmdlet's -Threads does not outlive it in a PowerShell session.
    /// </summary>
    public static IDisposable Use(int? requested)
    {
        int threads = Resolve(requested);
        int previous = Current;
        if (threads != previous) set_num_threads(threads);
        return new Restore(previous, threads);
    }

    static int? FromVariable(string name, bool strict)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        // OMP_NUM_THREADS may be a list ("4,2" for nested levels); its first entry is the outer count.
        var first = strict ? text.Trim() : text.Split(',')[0].Trim();
        if (int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1) return count;
        if (!strict) return null;
        throw new BertAdaptException("ThreadsInvalid", BertAdaptErrorKind.InvalidArgument,
            $"{name} is '{text}'; it must be a whole number of threads, at least 1 (or unset, for the machine's {Environment.ProcessorCount} logical processors).", text);
    }

    sealed class Restore(int previous, int applied) : IDisposable
    {
        bool disposed;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            if (previous != applied) set_num_threads(previous);
        }
    }
}
