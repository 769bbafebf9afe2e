using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Training;

public enum DeviceKind { Auto, Cpu, Cuda }

/// <summary>Chooses the libtorch device for a run.</summary>
public static class DeviceSelector
{
    /// <summary>Auto takes CUDA when this build and machine have it, else the CPU.</summary>
    public static Device Resolve(DeviceKind kind)
    {
        bool cuda = IsCudaAvailable();
        return kind switch
        {
            DeviceKind.Cpu => CPU,
            DeviceKind.Cuda when cuda => CUDA,
            DeviceKind.Cuda => throw new BertAdaptException("CudaUnavailable", BertAdaptErrorKind.ResourceUnavailable,
                "CUDA is not available: this build uses the CPU libtorch (build with ./build.ps1 -Cuda on Windows) or the machine has no CUDA GPU."),
            _ => cuda ? CUDA : CPU,
        };
    }

    static bool IsCudaAvailable()
    {
        try { return cuda.is_available(); }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException or InvalidOperationException) { return false; }
    }
}
