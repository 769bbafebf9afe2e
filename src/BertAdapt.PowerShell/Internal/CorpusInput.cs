using System.Management.Automation;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.Corpora;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// Gathers the models and corpus files of a pipeline (models bind by value, files from
/// Get-ChildItem bind to -LiteralCorpus by PSPath, so 'run[1].txt' is that file and never a
/// pattern) and opens the corpus for each model once all of it is known.
/// </summary>
internal sealed class CorpusInput(BertCmdlet cmdlet, ICorpusParameters parameters, string activity)
{
    readonly List<BertModel> models = [];
    readonly List<string> files = [];

    /// <summary>The usable models piped so far, each once.</summary>
    public IReadOnlyList<BertModel> Models => models;

    /// <summary>Throws when the token cache must be made and cannot be. An existing one may be a
    /// read-only cache that already holds every shard, so it is not checked.</summary>
    public void CheckCache()
    {
        var cache = parameters.CacheDirectory is null ? TokenCache.DefaultDirectory : cmdlet.ResolveLiteral(parameters.CacheDirectory);
        if (!Directory.Exists(cache))
            OutputLocation.CheckDirectory(cache, "CacheDirectory", "The token cache", intoItself: true);
    }

    /// <summary>
    /// For ProcessRecord. A piped model is an input item: a disposed one is an error for it
    /// alone. The corpus is the run's argument, piped or not: a file that cannot be found ends
    /// the command, since a model trained or measured on part of its corpus would be a wrong result.
    /// </summary>
    public void Gather()
    {
        if (!models.Contains(parameters.Model) && cmdlet.IsUsableItem(parameters.Model)) models.Add(parameters.Model);
        bool literal = parameters.CorpusIsLiteral;
        foreach (var file in cmdlet.Guard(() => cmdlet.ResolveFiles(literal ? parameters.LiteralCorpus : parameters.Corpus, literal, "Corpus", parameters.Recurse)))
            if (!files.Contains(file)) files.Add(file);
    }

    /// <summary>How corpus files are read: -TextField, -TextColumn, -AllowInvalidUtf8 and -Encoding.</summary>
    public CorpusReadOptions ReadOptions => new()
    {
        TextField = parameters.TextField,
        TextColumn = parameters.TextColumn,
        Strict = !parameters.AllowInvalidUtf8,
        Encoding = parameters.Encoding,
    };

    /// <summary>
    /// The gathered corpus as examples for <paramref name="model"/>, with the cmdlet's own data
    /// settings (<paramref name="options"/>: objective, validation) and the corpus parameters; a
    /// corpus that cannot be read ends the command, whichever model reads it.
    /// </summary>
    public TrainingData Open(BertModel model, TrainingDataOptions options)
    {
        var progress = new ProgressRecord(1, activity, "Reading the corpus");
        var data = cmdlet.Guard(() => TrainingData.Open(files, model.Vocabulary, options with
        {
            SequenceLength = cmdlet.FitToPositions(parameters.SequenceLength, model, nameof(parameters.SequenceLength)),
            LineByLine = parameters.LineByLine,
            ReadOptions = ReadOptions,
            CacheDirectory = parameters.CacheDirectory is null ? null : cmdlet.ResolveLiteral(parameters.CacheDirectory),
        }, new InlineProgress<TokenCacheProgress>(p =>
        {
            progress.StatusDescription = p.FromCache
                ? $"File {p.FileIndex + 1} of {p.FileCount}: {Path.GetFileName(p.File)} (token cache)"
                : $"File {p.FileIndex + 1} of {p.FileCount}: tokenizing {Path.GetFileName(p.File)}";
            progress.PercentComplete = p.BytesTotal > 0 ? (int)Math.Clamp(100 * p.BytesRead / p.BytesTotal, 0, 100) : -1;
            cmdlet.WriteProgress(progress);
        }), cmdlet.Cancellation));
        cmdlet.WriteVerbose($"Corpus: {data.Corpus.Files.Count} file(s) ({data.Corpus.CacheHits} from the token cache), {data.Corpus.DocumentCount} document(s), "
            + $"{data.Corpus.TokenCount} tokens; {data.Train.Count} training and {data.Validation?.Count ?? 0} validation example(s).");
        return data;
    }

    /// <summary>Ends the corpus progress bar.</summary>
    public void Done() => cmdlet.WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
}
