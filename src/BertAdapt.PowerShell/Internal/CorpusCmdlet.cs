using System.Management.Automation;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// A cmdlet that takes a model and a corpus from the pipeline: models bind by value, and
/// files (for example from Get-ChildItem) bind to -LiteralCorpus by their PSPath, so a file
/// named 'run[1].txt' is that file and never a pattern. Both are gathered in ProcessRecord and
/// used in EndProcessing, once the whole corpus is known. Output locations are checked in
/// BeginProcessing, before any input is read.
/// </summary>
public abstract class CorpusCmdlet : ComputeCmdlet
{
    protected const string CorpusSet = "Corpus", LiteralCorpusSet = "LiteralCorpus";

    readonly List<BertModel> models = [];
    readonly List<string> corpus = [];

    #region Parameters

    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    [ModelFromPath]
    public BertModel Model { get; set; } = null!;

    /// <summary>Corpus files: paths, wildcards, or directories with -Recurse.</summary>
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

    [Parameter]
    [ValidateRange(8, 4096)]
    public int SequenceLength { get; set; } = 128;

    /// <summary>One example per line instead of packed full-length sequences.</summary>
    [Parameter]
    public SwitchParameter LineByLine { get; set; }

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TextField { get; set; } = "text";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TextColumn { get; set; } = "text";

    /// <summary>Reads an invalid UTF-8 byte as U+FFFD instead of stopping with CorpusNotUtf8.</summary>
    [Parameter]
    public SwitchParameter AllowInvalidUtf8 { get; set; }

    /// <summary>The encoding of corpus files without a byte-order mark; UTF-8 by default.</summary>
    [Parameter]
    [EncodingArgument]
    [ArgumentCompleter(typeof(EncodingNameCompleter))]
    public System.Text.Encoding? Encoding { get; set; }

    /// <summary>Where token-id shards are cached; the per-user cache by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? CacheDirectory { get; set; }

    #endregion

    /// <summary>
    /// Each output location is checked before anything is read, so a run never ends on a path it
    /// cannot write; a -Model given as an argument (not piped) must be usable.
    /// </summary>
    protected override void BeginCommand()
    {
        CheckModelArgument(Model);
        Guard(CheckOutputLocations);
    }

    /// <summary>Throws when an output location cannot be written. The token cache needs a check only
    /// when it must be made: an existing one may be a read-only cache that already holds every shard.</summary>
    protected virtual void CheckOutputLocations()
    {
        var cache = CacheDirectory is null ? TokenCache.DefaultDirectory : ResolveLiteral(CacheDirectory);
        if (!Directory.Exists(cache))
            OutputLocation.CheckDirectory(cache, "CacheDirectory", "The token cache", intoItself: true);
    }

    /// <summary>
    /// A piped model is an input item: a disposed one is an error for it alone. The corpus is
    /// the run's argument, piped or not: a file that cannot be found ends the command, since a
    /// model trained or measured on part of its corpus would be a wrong result.
    /// </summary>
    protected override void ProcessInput()
    {
        if (!models.Contains(Model) && IsUsableItem(Model)) models.Add(Model);
        bool literal = ParameterSetName == LiteralCorpusSet;
        foreach (var file in Guard(() => ResolveFiles(literal ? LiteralCorpus : Corpus, literal, "Corpus", Recurse)))
            if (!corpus.Contains(file)) corpus.Add(file);
    }

    protected override void EndCommand()
    {
        foreach (var model in models)
        {
            // A corpus that cannot be read is the command's problem, whichever model reads it.
            using var data = Guard(() => OpenData(model));
            WriteVerbose($"Corpus: {data.Corpus.Files.Count} file(s) ({data.Corpus.CacheHits} from the token cache), {data.Corpus.DocumentCount} document(s), "
                + $"{data.Corpus.TokenCount} tokens; {data.Train.Count} training and {data.Validation?.Count ?? 0} validation example(s).");
            void process()
            {
                using (UseCompute(model)) Process(model, data);
            }
            if (EachModelIsAnItem) GuardItem(process);
            else process(); // a failure ends the command (BertCmdlet makes it an ErrorRecord)
            WriteProgress(new ProgressRecord(1, Activity, "Done") { RecordType = ProgressRecordType.Completed });
        }
    }

    /// <summary>
    /// Whether one model's failure is an error for that model alone, the next one going on
    /// (measuring), or ends the command (training: the next command must not get an untrained model).
    /// </summary>
    protected abstract bool EachModelIsAnItem { get; }

    /// <summary>How corpus files are read: the -TextField, -TextColumn, -AllowInvalidUtf8 and -Encoding settings.</summary>
    protected CorpusReadOptions ReadOptions => new() { TextField = TextField, TextColumn = TextColumn, Strict = !AllowInvalidUtf8, Encoding = Encoding };

    TrainingData OpenData(BertModel model)
    {
        var options = DataOptions(model) with
        {
            SequenceLength = Math.Min(SequenceLength, model.Config.MaxPositionEmbeddings),
            LineByLine = LineByLine,
            ReadOptions = ReadOptions,
            CacheDirectory = CacheDirectory is null ? null : ResolveLiteral(CacheDirectory),
        };
        var progress = new ProgressRecord(1, Activity, "Reading the corpus");
        return TrainingData.Open(corpus, model.Vocabulary, options, new InlineProgress<TokenCacheProgress>(p =>
        {
            progress.StatusDescription = p.FromCache
                ? $"File {p.FileIndex + 1} of {p.FileCount}: {Path.GetFileName(p.File)} (token cache)"
                : $"File {p.FileIndex + 1} of {p.FileCount}: tokenizing {Path.GetFileName(p.File)}";
            progress.PercentComplete = p.BytesTotal > 0 ? (int)Math.Clamp(100 * p.BytesRead / p.BytesTotal, 0, 100) : -1;
            WriteProgress(progress);
        }), Cancellation);
    }

    protected abstract string Activity { get; }

    /// <summary>The cmdlet's own data settings (objective, validation); the base fills in the rest.</summary>
    protected virtual TrainingDataOptions DataOptions(BertModel model) => new();

    /// <summary>Trains or measures one model; a failure is thrown (a BertAdaptException), not written.</summary>
    protected abstract void Process(BertModel model, TrainingData data);
}

/// <summary>Reports on the calling thread, so the callback may use Write-Progress.</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
