using System.Management.Automation;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Writes a model as a Hugging Face checkpoint directory, atomically.</summary>
[Cmdlet(VerbsData.Export, "Checkpoint", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
[OutputType(typeof(BertModel))]
public sealed class ExportCheckpointCommand : BertCmdlet
{
    const string PathSet = "Path", LiteralPathSet = "LiteralPath";

    #region Parameters

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
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

    protected override void ProcessRecord()
    {
        var target = ResolveLiteral(ParameterSetName == LiteralPathSet ? LiteralPath : Path);
        bool exists = Directory.Exists(target) || File.Exists(target);
        if (exists && !Force)
        {
            ThrowTerminatingError(ErrorRecords.From(new BertAdaptException("CheckpointExists", BertAdaptErrorKind.ResourceExists,
                $"'{target}' already exists. Use -Force to replace it.", target)));
        }
        var action = exists ? "Replace with a Hugging Face checkpoint" : "Write a Hugging Face checkpoint";
        if (ShouldProcess(target, action))
        {
            Guard(() => HfCheckpointDirectory.Export(Model, target, Force));
            WriteVerbose($"Wrote '{target}'.");
        }
        if (PassThru) WriteObject(Model);
    }

    #endregion
}
