using System.Management.Automation;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Checkpoints.Onnx;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Writes a model as a Hugging Face checkpoint directory (or, with -Format Onnx, an ONNX Runtime export), atomically.</summary>
[Cmdlet(VerbsData.Export, "Checkpoint", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[Alias("Export-BertCheckpoint")]
[OutputType(typeof(BertModel))]
public sealed class ExportCheckpointCommand : BertCmdlet
{
    const string PathSet = "Path", LiteralPathSet = "LiteralPath";

    #region Parameters

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ModelFromPath]
    public BertModel Model { get; set; } = null!;

    /// <summary>The checkpoint directory to create. Wildcards are not expanded: it names something new.</summary>
    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string LiteralPath { get; set; } = "";

    /// <summary>SafeTensors (a Hugging Face checkpoint, the default) or Onnx (model.onnx beside the same config and tokenizer files).</summary>
    [Parameter]
    public CheckpointExportFormat Format { get; set; } = CheckpointExportFormat.SafeTensors;

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    #region Overrides

    string target = "";

    /// <summary>
    /// PowerShell begins every command of a pipeline before any of them processes input, so a
    /// destination that cannot be written stops '… | Invoke-MlmTraining | Export-Checkpoint'
    /// here, before the first training step, even with -WhatIf.
    /// </summary>
    protected override void BeginCommand()
    {
        CheckModelArgument(Model);
        target = ResolveLiteral(ParameterSetName == LiteralPathSet ? LiteralPath : Path);
        Guard(() => HfCheckpointDirectory.CheckDestination(target, Force));
    }

    /// <summary>
    /// Each piped model is one input item: a disposed one, or one whose write fails, is an error for
    /// it alone (nothing is left half-written: the export is atomic). So is a destination that an
    /// earlier model of this pipeline has taken since BeginCommand.
    /// </summary>
    protected override void ProcessInput()
    {
        bool exists = false;
        if (!GuardItem(() =>
            {
                Model.ThrowIfDisposed();
                exists = HfCheckpointDirectory.CheckDestination(target, Force);
                // A model too large for one ONNX file is refused before anything is written, with -WhatIf too.
                if (Format == CheckpointExportFormat.Onnx) OnnxCheckpointFiles.CheckSize(Model, target);
            }))
            return;
        var what = Format == CheckpointExportFormat.Onnx ? "an ONNX export" : "a Hugging Face checkpoint";
        var action = exists ? $"Replace with {what}" : $"Write {what}";
        if (ShouldProcess(target, action))
        {
            if (!GuardItem(() => HfCheckpointDirectory.Export(Model, target, Force, WriteVerbose, Format))) return;
            WriteVerbose($"Wrote '{target}'.");
        }
        if (PassThru) WriteObject(Model);
        else ModelFromPathAttribute.ReleaseIfImported(Model);
    }

    #endregion
}
