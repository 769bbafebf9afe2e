using System.Management.Automation;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Data.Overlap;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>
/// Checks that a pre-training corpus holds none of the held-out texts (validation or test data):
/// copies after normalisation and near duplicates, each with where it was found.
/// </summary>
/// <remarks>
/// Corpus files come from -Corpus or the pipeline (Get-ChildItem output binds by PSPath); the
/// held-out files are read first, then the corpus is streamed past them once all of it is known.
/// A file that cannot be read ends the command: a check that skipped part of the corpus would
/// report no leak where there may be one.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "BertCorpusOverlap", DefaultParameterSetName = CorpusSet)]
[OutputType(typeof(CorpusOverlapReport))]
[OutputType(typeof(bool))]
public sealed class TestBertCorpusOverlapCommand : BertCmdlet
{
    const string CorpusSet = "Corpus", LiteralCorpusSet = "LiteralCorpus", Activity = "Test-BertCorpusOverlap";

    readonly List<string> files = [];

    #region Parameters

    /// <summary>The corpus to check: paths, wildcards, or directories with -Recurse.</summary>
    [Parameter(ParameterSetName = CorpusSet, Mandatory = true, Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Corpus { get; set; } = [];

    /// <summary>Corpus files named exactly, never expanded; piped FileInfo objects bind here through PSPath.</summary>
    [Parameter(ParameterSetName = LiteralCorpusSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LiteralPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralCorpus { get; set; } = [];

    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>The texts that must not be in the corpus: validation or test files (.txt, .csv, .tsv, .jsonl, each optionally .gz).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] HeldOut { get; set; } = [];

    /// <summary>The column (.csv, .tsv) or field (.jsonl) of the held-out files that holds their text.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string HeldOutColumn { get; set; } = "text";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TextField { get; set; } = "text";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TextColumn { get; set; } = "text";

    /// <summary>How many consecutive words a shared run has.</summary>
    [Parameter]
    [ValidateRange(HeldOutIndex.MinimumRunWords, 64)]
    public int NgramSize { get; set; } = 8;

    /// <summary>The share of a held-out text's word runs one corpus document must hold to count as a near duplicate.</summary>
    [Parameter]
    [ValidateRange(0.01, 1.0)]
    public double Threshold { get; set; } = 0.8;

    [Parameter]
    public SwitchParameter AllowInvalidUtf8 { get; set; }

    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingNameCompleter))]
    public System.Text.Encoding? Encoding { get; set; }

    /// <summary>Returns $true when no held-out text is in the corpus, $false otherwise, instead of the report.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    #endregion

    protected override void ProcessInput()
    {
        bool literal = ParameterSetName == LiteralCorpusSet;
        foreach (var file in Guard(() => ResolveFiles(literal ? LiteralCorpus : Corpus, literal, "Corpus", Recurse)))
            if (!files.Contains(file)) files.Add(file);
    }

    protected override void EndCommand()
    {
        var heldOutFiles = Guard(() => ResolveFiles(HeldOut, literal: false, "HeldOut"));
        var report = Guard(() => Check(heldOutFiles));
        WriteVerbose($"{report.LeakedTexts} of {report.HeldOutTexts} held-out text(s) found in {report.CorpusDocuments} corpus document(s) "
            + $"({report.ExactMatches} exact, {report.NearDuplicates} near duplicate(s); runs of {report.NgramSize} words, threshold {report.Threshold}).");
        if (report.ShortHeldOutTexts > 0)
            WriteVerbose($"{report.ShortHeldOutTexts} held-out text(s) have fewer than {HeldOutIndex.MinimumRunWords} words and were compared with whole corpus lines only.");
        WriteObject(Quiet ? report.LeakedTexts == 0 : report);
    }

    CorpusOverlapReport Check(IReadOnlyList<string> heldOutFiles)
    {
        if (files.Count == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData, "No corpus file was given or piped, so there is nothing to check.");
        var progress = new ProgressRecord(1, Activity, "Reading the held-out texts");
        WriteProgress(progress);
        var heldOutOptions = new CorpusReadOptions { TextField = HeldOutColumn, TextColumn = HeldOutColumn, Strict = !AllowInvalidUtf8, Encoding = Encoding };
        var index = new HeldOutIndex(NgramSize);
        foreach (var file in heldOutFiles)
            foreach (var text in OverlapFiles.HeldOut(file, heldOutOptions))
                index.Add(text);
        if (index.Count == 0)
            throw new BertAdaptException("HeldOutEmpty", BertAdaptErrorKind.InvalidData,
                $"The held-out file(s) {string.Join(", ", heldOutFiles.Select(f => $"'{f}'"))} have no text to look for (check -HeldOutColumn for .csv, .tsv and .jsonl files).");

        var scan = new CorpusOverlapScan(index, Threshold);
        var corpusOptions = new CorpusReadOptions { TextField = TextField, TextColumn = TextColumn, Strict = !AllowInvalidUtf8, Encoding = Encoding };
        for (int i = 0; i < files.Count; i++)
        {
            progress.StatusDescription = $"File {i + 1} of {files.Count}: {Path.GetFileName(files[i])}";
            progress.PercentComplete = 100 * i / files.Count;
            WriteProgress(progress);
            foreach (var document in OverlapFiles.Documents(files[i], corpusOptions))
            {
                Cancellation.ThrowIfCancellationRequested();
                scan.Document(document);
            }
        }
        WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        var report = scan.Report(files);
        if (report.CorpusWords == 0)
            throw new BertAdaptException("CorpusEmpty", BertAdaptErrorKind.InvalidData,
                $"The corpus file(s) {string.Join(", ", files.Select(f => $"'{f}'"))} hold no words, so no check was made (check -TextField or -TextColumn for .jsonl, .csv and .tsv files).");
        return report;
    }
}
