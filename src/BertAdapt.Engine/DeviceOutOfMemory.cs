using System.Runtime.InteropServices;

namespace BertAdapt.Engine;

/// <summary>
/// Recognises libtorch running out of memory and says what to do about it. TorchSharp raises
/// libtorch's errors as <see cref="ExternalException"/> with libtorch's message: "CUDA out of
/// memory. Tried to allocate ..." on a GPU, "DefaultCPUAllocator: can't allocate memory ..." on
/// the CPU (older releases said "not enough memory"). Only the CPU message has been seen here (no
/// GPU in the test runs); the CUDA one is libtorch's wording, read from its source.
/// </summary>
public static class DeviceOutOfMemory
{
    public const string ErrorId = "DeviceOutOfMemory";

    public static bool Is(Exception ex) => ex is ExternalException
        && (ex.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
            || ex.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)
            || ex.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase));

    /// <summary>The user's error for <paramref name="ex"/>, which happened while <paramref name="doing"/>, with <paramref name="advice"/>.</summary>
    public static BertAdaptException Error(Exception ex, string device, string doing, string advice) =>
        new(ErrorId, BertAdaptErrorKind.ResourceUnavailable,
            $"{device} ran out of memory while {doing}. {advice} (libtorch: {FirstLine(ex.Message)})", device, ex);

    static string FirstLine(string message)
    {
        var line = message.Split('\n', 2)[0].Trim();
        return line.Length <= 300 ? line : line[..297] + "...";
    }
}
