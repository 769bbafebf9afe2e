using System.Management.Automation;
using BertAdapt.Engine.Data;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// A cmdlet that takes a model and a corpus from the pipeline: models bind by value, and
/// files (for example from Get-ChildItem) bind to -Corpus by their path. Both are gathered in
/// ProcessRecord and used in EndProcessing, once the whole corpus is known.
/// </summary>
public abstract class CorpusCmdlet : BertCmdlet
{
    readonly List<BertModel> models = [];
    readonly List<string> corpus = [];

    #region Parameters

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public BertModel Model { get; set; } = null!;

    /// <summary>Corpus files: paths, wildcards, or FileInfo objects from the pipeline.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Corpus { get; set; } = [];

    [Parameter]
    [ValidateRange(8, 4096)]
    public int SequenceLength { get; set; } = 128;

    #endregion

    protected override void ProcessRecord()
    {
        if (!models.Contains(Model)) models.Add(Model);
        foreach (var file in Guard(() => ResolveFiles(Corpus, literal: false, "Corpus")))
            if (!corpus.Contains(file)) corpus.Add(file);
    }

    protected override void EndProcessing()
    {
        foreach (var model in models)
        {
            var progress = new ProgressRecord(1, Activity, $"Reading {corpus.Count} corpus file(s)");
            WriteProgress(progress);
            var data = Guard(() => MlmCorpus.Load(corpus, model.Vocabulary, Math.Min(SequenceLength, model.Config.MaxPositionEmbeddings), Cancellation));
            WriteVerbose($"Corpus: {data.Files.Count} file(s), {data.Documents} document(s), {data.Sequences.Count} sequence(s), {data.Tokens} tokens.");
            Process(model, data);
            progress.RecordType = ProgressRecordType.Completed;
            WriteProgress(progress);
        }
    }

    protected abstract string Activity { get; }

    protected abstract void Process(BertModel model, MlmCorpus corpus);
}
