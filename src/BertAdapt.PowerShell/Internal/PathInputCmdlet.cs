using System.Management.Automation;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// A cmdlet whose input is files or folders named by -Path (wildcards, pipeline) or
/// -LiteralPath (PSPath, so Get-ChildItem output binds by property name).
/// </summary>
public abstract class PathInputCmdlet : BertCmdlet
{
    protected const string PathSet = "Path", LiteralPathSet = "LiteralPath";

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

    protected bool IsLiteral => ParameterSetName == LiteralPathSet;

    /// <summary>The paths given, whichever parameter named them.</summary>
    protected string[] InputPaths => IsLiteral ? LiteralPath : Path;
}
