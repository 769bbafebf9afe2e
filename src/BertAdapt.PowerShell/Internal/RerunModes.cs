using BertAdapt.Engine.Training;

namespace BertAdapt.PowerShell.Internal;

/// <summary>The training cmdlets' -Continue and -Restart, as the engine's <see cref="RerunMode"/>.</summary>
internal static class RerunModes
{
    public static RerunMode From(bool continueRun, bool restart) => (continueRun, restart) switch
    {
        (true, true) => throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument,
            "-Continue and -Restart cannot be used together: -Continue keeps the run in -OutputPath going, -Restart removes it."),
        (true, false) => RerunMode.Continue,
        (false, true) => RerunMode.Restart,
        _ => RerunMode.Resume,
    };
}
