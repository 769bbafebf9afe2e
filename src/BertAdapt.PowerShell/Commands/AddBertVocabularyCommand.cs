using System.Management.Automation;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Tokenization;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>
/// Adds domain words to a model's vocabulary, given by hand or found as the words a corpus
/// fragments most; with -ReportOnly it only reports those words.
/// </summary>
[Cmdlet(VerbsCommon.Add, "BertVocabulary", SupportsShouldProcess = true, DefaultParameterSetName = TokenSet)]
[OutputType(typeof(BertModel))]
[OutputType(typeof(FragmentedWord), ParameterSetName = [CorpusSet, LiteralCorpusSet])]
public sealed class AddBertVocabularyCommand : BertCmdlet
{
    const string TokenSet = "Token", CorpusSet = "FromCorpus", LiteralCorpusSet = "LiteralFromCorpus";

    List<string> corpusFiles = [];

    #region Parameters

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ModelFromPath]
    public BertModel Model { get; set; } = null!;

    [Parameter(ParameterSetName = TokenSet, Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string[] Token { get; set; } = [];

    [Parameter(ParameterSetName = CorpusSet, Mandatory = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] FromCorpus { get; set; } = [];

    /// <summary>-FromCorpus named exactly, never expanded as wildcards.</summary>
    [Parameter(ParameterSetName = LiteralCorpusSet, Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string[] LiteralFromCorpus { get; set; } = [];

    [Parameter(ParameterSetName = CorpusSet)]
    [Parameter(ParameterSetName = LiteralCorpusSet)]
    [ValidateRange(1, 100000)]
    public int Top { get; set; } = 20;

    [Parameter(ParameterSetName = CorpusSet)]
    [Parameter(ParameterSetName = LiteralCorpusSet)]
    [ValidateRange(1, int.MaxValue)]
    public int MinCount { get; set; } = 5;

    [Parameter(ParameterSetName = CorpusSet)]
    [Parameter(ParameterSetName = LiteralCorpusSet)]
    public SwitchParameter ReportOnly { get; set; }

    /// <summary>The encoding of corpus files without a byte-order mark; UTF-8 by default.</summary>
    [Parameter(ParameterSetName = CorpusSet)]
    [Parameter(ParameterSetName = LiteralCorpusSet)]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingNameCompleter))]
    public System.Text.Encoding? Encoding { get; set; }

    #endregion

    #region Overrides

    bool FromAnyCorpus => ParameterSetName != TokenSet;

    protected override void BeginCommand()
    {
        CheckModelArgument(Model);
        if (ParameterSetName == CorpusSet)
            corpusFiles = Guard(() => ResolveFiles(FromCorpus, literal: false, "Corpus"));
        else if (ParameterSetName == LiteralCorpusSet)
            corpusFiles = Guard(() => ResolveFiles(LiteralFromCorpus, literal: true, "Corpus"));
    }

    /// <summary>Each piped model is an input item: a disposed one is an error for it alone.</summary>
    protected override void ProcessInput()
    {
        if (!IsUsableItem(Model)) return;
        IReadOnlyList<string> tokens = Token;
        if (FromAnyCorpus)
        {
            var report = Report(Model);
            if (ReportOnly)
            {
                foreach (var row in report) WriteObject(WithDefaultColumns(row));
                ModelFromPathAttribute.ReleaseIfImported(Model);
                return;
            }
            foreach (var row in report)
                WriteVerbose($"{row.Word}: {row.Count} time(s) as {string.Join(' ', row.Pieces)}, saves {row.TokensSaved} token(s)");
            tokens = report.Select(r => r.Word).ToList();
            if (tokens.Count == 0)
                WriteWarning($"No word occurs {MinCount} or more times split into several pieces; the vocabulary is unchanged.");
        }

        // Plan first, so warnings and the -WhatIf message show the tokens as they will be added.
        var plan = Guard(() => VocabularyPlan.For(Model.Vocabulary, tokens));
        foreach (var token in plan.Skipped) WriteWarning($"'{token}' is already in the vocabulary; skipped.");
        var toAdd = plan.Added;
        var preview = toAdd.Count <= 10 ? string.Join(", ", toAdd) : string.Join(", ", toAdd.Take(10)) + ", …";
        if (toAdd.Count > 0 && !ShouldProcess(Model.ToString(), $"Add {toAdd.Count} token(s) to the vocabulary ({preview}) and resize the embeddings"))
            return;
        var added = Guard(() => Model.ExtendVocabulary(toAdd));
        WriteVerbose(added.Count == 0
            ? "No token added."
            : $"Added {added.Count} token(s), vocabulary now {Model.Vocabulary.Count}: {string.Join(", ", added)}");
        WriteObject(Model);
    }

    #endregion

    IReadOnlyList<FragmentedWord> Report(BertModel model)
    {
        var progress = new ProgressRecord(1, "Add-BertVocabulary", "Counting fragmented words");
        var report = Guard(() => FragmentationReport.FromCorpus(corpusFiles, model.Vocabulary, MinCount, Top, Cancellation,
            onFile: file =>
            {
                progress.StatusDescription = $"Reading {file}";
                WriteProgress(progress);
            },
            options: new CorpusReadOptions { Encoding = Encoding }));
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
        return report;
    }

    // Four columns make PowerShell show a table by default; PieceCount stays one Select-Object away.
    static PSObject WithDefaultColumns(FragmentedWord row)
    {
        var wrapped = new PSObject(row);
        var columns = new PSPropertySet("DefaultDisplayPropertySet",
            [nameof(FragmentedWord.Word), nameof(FragmentedWord.Count), nameof(FragmentedWord.TokensSaved), nameof(FragmentedWord.Pieces)]);
        wrapped.Members.Add(new PSMemberSet("PSStandardMembers", [columns]));
        return wrapped;
    }
}
