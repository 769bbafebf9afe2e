using System.Management.Automation;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Loads a Hugging Face BERT checkpoint directory.</summary>
[Cmdlet(VerbsData.Import, "BertCheckpoint", DefaultParameterSetName = PathSet)]
[OutputType(typeof(BertModel))]
public sealed class ImportBertCheckpointCommand : BertCmdlet
{
    const string PathSet = "Path", LiteralPathSet = "LiteralPath";

    #region Parameters

    [Parameter(ParameterSetName = PathSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    [Parameter(ParameterSetName = LiteralPathSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = [];

    #endregion

    #region Overrides

    protected override void ProcessRecord()
    {
        foreach (var directory in Directories())
        {
            WriteVerbose($"Importing '{directory}'.");
            var model = Guard(() => HfCheckpointDirectory.Import(directory));
            foreach (var line in model.LoadReport) WriteWarning(line);
            WriteObject(model);
        }
    }

    #endregion

    IEnumerable<string> Directories()
    {
        bool literal = ParameterSetName == LiteralPathSet;
        foreach (var path in literal ? LiteralPath : Path)
        {
            if (!literal && WildcardPattern.ContainsWildcardCharacters(path))
            {
                var matches = Guard(() =>
                {
                    try { return SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _).Where(Directory.Exists).ToList(); }
                    catch (ItemNotFoundException) { return []; }
                });
                if (matches.Count == 0)
                    Guard(() => throw new BertAdaptException("CheckpointNotFound", BertAdaptErrorKind.ObjectNotFound, $"No checkpoint directory matches '{path}'.", path));
                foreach (var match in matches) yield return match;
            }
            else yield return ResolveLiteral(path);
        }
    }
}
