using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Training;

public enum DeviceKind { Auto, Cpu, Cuda }

/// <summary>Chooses the libtorch device for a run.</summary>
public static class DeviceSelector
{
    /// <summary>
    /// Reads a device as the cmdlets take it: Auto, Cpu, Cuda, or cuda:N for the Nth GPU
    /// (case-insensitive). Returns false, with why, for anything else.
    /// </summary>
    public static bool TryParse(string? text, out DeviceKind kind, out int? index, out string? why)
    {
        (kind, index, why) = (DeviceKind.Auto, null, null);
        var value = text?.Trim() ?? "";
        var colon = value.IndexOf(':');
        var name = colon < 0 ? value : value[..colon];
        if (!Enum.TryParse(name, ignoreCase: true, out kind) || !Enum.IsDefined(kind) || name.Any(char.IsDigit))
        {
            why = $"'{text}' is not a device: use Auto, Cpu, Cuda, or cuda:N for the GPU with index N (cuda:0 is the first).";
            return false;
        }
        if (colon < 0) return true;
        if (kind != DeviceKind.Cuda
            || !int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            why = $"'{text}' is not a device: only Cuda takes an index, as in cuda:1.";
            return false;
        }
        index = number;
        return true;
    }

    /// <summary>Auto takes CUDA (its first GPU, or <paramref name="index"/>) when this build and machine have it, else the CPU.</summary>
    public static Device Resolve(DeviceKind kind, int? index = null)
    {
        bool cuda = IsCudaAvailable();
        if (kind == DeviceKind.Cuda && !cuda)
            throw new BertAdaptException("CudaUnavailable", BertAdaptErrorKind.ResourceUnavailable,
                "CUDA is not available: this build uses the CPU libtorch (build with ./build.ps1 -Cuda on Windows) or the machine has no CUDA GPU.");
        if (kind == DeviceKind.Cpu || !cuda) return CPU;
        int gpu = index ?? 0;
        int count = torch.cuda.device_count();
        if (gpu >= count)
            throw new BertAdaptException("CudaDeviceNotFound", BertAdaptErrorKind.ObjectNotFound,
                $"There is no GPU cuda:{gpu}: this machine has {count} (cuda:0{(count > 1 ? $" to cuda:{count - 1}" : "")}).", gpu);
        return new Device(DeviceType.CUDA, gpu);
    }

    static bool IsCudaAvailable()
    {
        try { return cuda.is_available(); }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException) { return false; }
    }
}
