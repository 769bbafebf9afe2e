using System.Management.Automation;
using System.Management.Automation.Language;
using BertAdapt.Engine.Training;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// A cmdlet that computes with libtorch (training, perplexity, inference): -Device says where,
/// and -Threads how many CPU threads libtorch may use. Both are process-wide settings in
/// libtorch; the thread count is put back when the cmdlet's work is done.
/// </summary>
public abstract class ComputeCmdlet : BertCmdlet
{
    #region Parameters

    /// <summary>Auto, Cpu, Cuda or cuda:N.</summary>
    [Parameter]
    [ValidateDevice]
    [ArgumentCompleter(typeof(DeviceCompleter))]
    public string Device { get; set; } = nameof(DeviceKind.Auto);

    /// <summary>libtorch's CPU threads; unbound means BERTADAPT_THREADS, OMP_NUM_THREADS or the machine's logical processors.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int Threads { get; set; }

    #endregion

    protected int? RequestedThreads => MyInvocation.BoundParameters.ContainsKey(nameof(Threads)) ? Threads : null;

    protected DeviceKind DeviceKind => Parsed.Kind;

    protected int? DeviceIndex => Parsed.Index;

    (DeviceKind Kind, int? Index) Parsed =>
        DeviceSelector.TryParse(Device, out var kind, out var index, out _) ? (kind, index) : (DeviceKind.Auto, null);

    /// <summary>Puts the model on -Device; the thread count holds until the returned scope is disposed.</summary>
    protected IDisposable UseCompute(BertModel model)
    {
        model.MoveTo(DeviceSelector.Resolve(DeviceKind, DeviceIndex));
        return ComputeThreads.Use(RequestedThreads);
    }

    /// <summary>"on cpu with 2 CPU thread(s)", for verbose summaries.</summary>
    protected static string Where(string device, int threads) => $"on {device} with {threads} CPU thread(s)";
}

/// <summary>Checks a -Device value (Auto, Cpu, Cuda, cuda:N) when it is bound, so a typo fails before anything runs.</summary>
internal sealed class ValidateDeviceAttribute : ValidateArgumentsAttribute
{
    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        if (!DeviceSelector.TryParse(arguments?.ToString(), out _, out _, out var why))
            throw new ValidationMetadataException(why);
    }
}

/// <summary>Tab completion for -Device.</summary>
internal sealed class DeviceCompleter : IArgumentCompleter
{
    static readonly string[] Choices = ["Auto", "Cpu", "Cuda", "cuda:0", "cuda:1"];

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters) =>
        Choices.Where(c => c.StartsWith(wordToComplete, StringComparison.OrdinalIgnoreCase))
            .Select(c => new CompletionResult(c, c, CompletionResultType.ParameterValue, c));
}
