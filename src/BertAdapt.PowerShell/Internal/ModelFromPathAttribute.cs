using System.Management.Automation;
using System.Runtime.CompilerServices;
using BertAdapt.Engine.Checkpoints;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// Lets -Model take a checkpoint path as well as a model: a string (or a FileInfo or
/// DirectoryInfo) is imported as Import-BertCheckpoint -LiteralPath would import it. A model
/// made this way belongs to the command that asked for it, so a command that does not hand the
/// model on (Measure-Perplexity, the inference cmdlets) frees it with <see cref="ReleaseIfImported"/>.
/// What the import reported reaches the user through <see cref="BertCmdlet"/>'s check of -Model.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ModelFromPathAttribute : ArgumentTransformationAttribute
{
    /// <summary>The models this attribute imported; the value says whether their import's warnings were written.</summary>
    static readonly ConditionalWeakTable<BertModel, StrongBox<bool>> Imported = new();

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
        // A BertAdaptException (CheckpointNotFound, …) reaches the user inside the binding error, id and all;
        // so does a file the file system will not open (unreadable, locked by another process), as PathAccessDenied, FileSystemError, ….
        BertModel model;
        try
        {
            model = HfCheckpointDirectory.Import(path);
        }
        catch (Exception ex) when (ErrorRecords.ForFileSystem(ex) is { } failure)
        {
            throw failure;
        }
        Imported.Add(model, new StrongBox<bool>(false));
        return model;
    }

    /// <summary>
    /// True once for a model this attribute imported, the first time it is asked: the command
    /// then writes what the import reported, which binding cannot.
    /// </summary>
    public static bool TakeUnreportedImport(BertModel model)
    {
        if (!Imported.TryGetValue(model, out var reported) || reported.Value) return false;
        reported.Value = true;
        return true;
    }

    /// <summary>Disposes <paramref name="model"/> when this attribute imported it, that is, when nobody else holds it.</summary>
    public static void ReleaseIfImported(BertModel model)
    {
        if (Imported.Remove(model)) model.Dispose();
    }
}
