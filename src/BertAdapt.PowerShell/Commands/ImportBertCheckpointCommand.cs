using System.Management.Automation;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Loads a BERT checkpoint: a Hugging Face directory (safetensors or PyTorch weights) or an ONNX export.</summary>
[Cmdlet(VerbsData.Import, "BertCheckpoint", DefaultParameterSetName = PathSet)]
[OutputType(typeof(BertModel))]
public sealed class ImportBertCheckpointCommand : PathInputCmdlet
{
    #region Overrides

    protected override void ProcessRecord()
    {
        foreach (var directory in Guard(() => ResolveDirectories(InputPaths, IsLiteral, "CheckpointNotFound", "checkpoint directory or weights file", includeFiles: true)))
        {
            WriteVerbose($"Importing '{directory}'.");
            var model = Guard(() => HfCheckpointDirectory.Import(directory));
            foreach (var line in model.LoadReport) WriteWarning(line);
            WriteObject(model);
        }
    }

    #endregion
}
