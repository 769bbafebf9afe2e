using System.Management.Automation;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Writes a model as a Hugging Face checkpoint directory, atomically.</summary>
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
    protected override void BeginProcessing()
    {
        target = ResolveLiteral(ParameterSetName == LiteralPathSet ? LiteralPath : Path);
        Guard(() => HfCheckpointDirectory.CheckDestination(target, Force));
    }

    protected override void ProcessRecord()
    {
        // Checked again: an earlier model of this pipeline may have been written there since.
        bool exists = Guard(() => HfCheckpointDirectory.CheckDestination(target, Force));
        var action = exists ? "Replace with a Hugging Face checkpoint" : "Write a Hugging Face checkpoint";
        if (ShouldProcess(target, action))
        {
            Guard(() => HfCheckpointDirectory.Export(Model, target, Force));
            WriteVerbose($"Wrote '{target}'.");
        }
        if (PassThru) WriteObject(Model);
        else ModelFromPathAttribute.ReleaseIfImported(Model);
    }

    #endregion
}
