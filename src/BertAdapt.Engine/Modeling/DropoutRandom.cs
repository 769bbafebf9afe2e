using BertAdapt.Engine.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Modeling;

/// <summary>
/// The random stream one model's dropout draws its masks from: a libtorch CPU generator that the
/// model owns, never libtorch's process-wide default one, so models and runs that share a process
/// (parallel thread jobs in one PowerShell session) cannot disturb each other's draws. A training
/// run reseeds it from its seed and saves its state with each checkpoint; masks are drawn on the
/// CPU (TorchSharp makes CPU generators only) and moved to the model's device, so they do not
/// depend on the device either.
/// </summary>
public sealed class DropoutRandom : IDisposable
{
    readonly Generator generator;
    readonly long stateBytes;

    /// <summary>A stream seeded from <paramref name="seed"/> (see <see cref="Reseed"/>).</summary>
    public DropoutRandom(long seed)
    {
        generator = new Generator(StreamSeed(seed));
        using var state = generator.get_state();
        stateBytes = state.numel();
    }

    /// <summary>
    /// Starts the stream again from <paramref name="seed"/>. The generator's seed is derived from it
    /// (<see cref="StatelessRandom.Streams.Dropout"/>), so dropout never repeats the draws that
    /// initialised the weights of a model of the same seed.
    /// </summary>
    public void Reseed(long seed) => generator.manual_seed((long)StreamSeed(seed));

    static ulong StreamSeed(long seed) => StatelessRandom.Mix((ulong)seed ^ StatelessRandom.Streams.Dropout);

    /// <summary>Where the stream stands, as bytes (libtorch's CPU generator state), for a checkpoint.</summary>
    public byte[] GetState()
    {
        using var state = generator.get_state();
        return state.bytes.ToArray();
    }

    /// <summary>
    /// Puts the stream back where <see cref="GetState"/> found it. Checkpoints written before the
    /// stream was a model's own hold libtorch's global CPU generator state, which is the same
    /// format, and are read the same way. Bytes of another length are CheckpointCorrupt
    /// (libtorch would abort the process on them).
    /// </summary>
    public void SetState(byte[] state, string source)
    {
        if (state.Length != stateBytes)
            throw new BertAdaptException("CheckpointCorrupt", BertAdaptErrorKind.InvalidData,
                $"The random-generator state {source} has {state.Length} bytes, not the {stateBytes} of a libtorch CPU generator.", source);
        using var tensor = torch.tensor(state, dtype: ScalarType.Byte);
        generator.set_state(tensor);
    }

    /// <summary>Continues from where <paramref name="other"/> stands (a resized copy of a model keeps its stream).</summary>
    public void CopyFrom(DropoutRandom other) => SetState(other.GetState(), "of the model copied");

    /// <summary>
    /// A dropout mask shaped like <paramref name="like"/>, on its device and in its dtype: each
    /// element is 1 / <paramref name="keep"/> with probability <paramref name="keep"/>, else 0
    /// (drawn in float32 on the CPU, as libtorch's own dropout draws: bernoulli_ then a division).
    /// The caller's dispose scope owns it.
    /// </summary>
    public Tensor Mask(Tensor like, double keep)
    {
        var mask = empty(like.shape, ScalarType.Float32, CPU).bernoulli_(keep, generator).div_(keep);
        return like.device_type == DeviceType.CPU && like.dtype == ScalarType.Float32 ? mask : mask.to(like.dtype, like.device);
    }

    public void Dispose() => generator.Dispose();
}
