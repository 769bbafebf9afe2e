using System.Management.Automation;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Loads a BERT checkpoint: a Hugging Face directory (safetensors or PyTorch weights) or an ONNX export.</summary>
[Cmdlet(VerbsData.Import, "BertCheckpoint", DefaultParameterSetName = PathSet)]
[OutputType(typeof(BertModel))]
public sealed class ImportBertCheckpointCommand : PathInputCmdlet
{
    #region Parameters

    /// <summary>Imports a checkpoint whose tokenizer asks for an option BertAdapt cannot honour, with a warning naming it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Loads a checkpoint whose files no longer match its manifest's hashes (a warning says they were not checked).</summary>
    [Parameter]
    public SwitchParameter SkipHashCheck { get; set; }

    #endregion

    #region Overrides

    /// <summary>Each path is one input item: one that is missing or will not load is an error for it alone.</summary>
    protected override void ProcessInput()
    {
        foreach (var path in InputPaths)
        {
            List<string> directories = [];
            if (!GuardItem(() => directories = ResolveDirectories([path], IsLiteral, "CheckpointNotFound", "checkpoint directory or weights file", includeFiles: true)))
                continue;
            foreach (var directory in directories)
            {
                WriteVerbose($"Importing '{directory}'.");
                BertModel? model = null;
                if (!GuardItem(() => model = HfCheckpointDirectory.Import(directory, Force ? WriteWarning : null, SkipHashCheck))) continue;
                WriteLoadReport(model!);
                WriteObject(model);
            }
        }
    }

    #endregion
}
