using System.Management.Automation;
using System.Runtime.CompilerServices;
using BertAdapt.Engine.Checkpoints;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// Lets -Model take a checkpoint path as well as a model: a string (or a FileInfo or
/// DirectoryInfo) is imported as Import-BertCheckpoint -LiteralPath would import it. A model
/// made this way belongs to the command that asked for it, so a command that does not hand the
/// model on (Measure-Perplexity, the inference cmdlets) frees it with <see cref="ReleaseIfImported"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ModelFromPathAttribute : ArgumentTransformationAttribute
{
    static readonly ConditionalWeakTable<BertModel, object> Imported = new();

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        var path = value switch
        {
            string text when text.Length > 0 => engineIntrinsics.SessionState.Path.GetUnresolvedProviderPathFromPSPath(text),
            FileSystemInfo item => item.FullName,
            _ => null,
        };
        if (path is null) return inputData;
        // A BertAdaptException (CheckpointNotFound, …) reaches the user inside the binding error, id and all.
        var model = HfCheckpointDirectory.Import(path);
        Imported.Add(model, true);
        return model;
    }

    /// <summary>Disposes <paramref name="model"/> when this attribute imported it, that is, when nobody else holds it.</summary>
    public static void ReleaseIfImported(BertModel model)
    {
        if (Imported.Remove(model)) model.Dispose();
    }
}
