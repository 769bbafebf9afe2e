using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Tokenization;

namespace BertAdapt.Engine.Data;

/// <summary>How corpus files become training and validation examples.</summary>
public sealed record TrainingDataOptions
{
    public TrainingObjective Objective { get; init; } = TrainingObjective.Mlm;
    /// <summary>One example per line instead of packed full-length windows.</summary>
    public bool LineByLine { get; init; }
    public int SequenceLength { get; init; } = 128;
    public long Seed { get; init; } = 42;
    /// <summary>Share of the examples held out for validation (ignored with ValidationFiles).</summary>
    public double? ValidationSplit { get; init; }
    public IReadOnlyList<string>? ValidationFiles { get; init; }
    public CorpusReadOptions ReadOptions { get; init; } = CorpusReadOptions.Default;
    /// <summary>Token cache directory; null for the per-user default.</summary>
    public string? CacheDirectory { get; init; }
}

/// <summary>
/// The examples of one run, over memory-mapped token shards from the cache: packed windows
/// (default), one line each, or NSP sentence pairs; with validation held out by split or taken
/// from separate files. Disposing it closes the shards.
/// </summary>
public sealed class TrainingData : IDisposable
{
    readonly List<IDisposable> owned = [];

    TrainingData() { }

    public ITrainingExamples Train { get; private set; } = null!;
    public ITrainingExamples? Validation { get; private set; }
    public TokenizedCorpusSet Corpus { get; private set; } = null!;

    /// <summary>
    /// What the training examples are made of: each corpus file's token shard (whose name hashes
    /// the file's bytes, the vocabulary and the read options), in order, and how examples are cut
    /// from them. A rerun compares it with the run in its output path.
    /// </summary>
    public string TrainFingerprint { get; private set; } = "";

    /// <summary>The same for the validation examples; null without validation.</summary>
    public string? ValidationFingerprint { get; private set; }

    public static TrainingData Open(IReadOnlyList<string> files, BertVocabulary vocabulary, TrainingDataOptions options,
        IProgress<TokenCacheProgress>? progress = null, CancellationToken cancellation = default)
    {
        if (options.ValidationSplit is double split && (split <= 0 || split >= 1))
            throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument, $"ValidationSplit must be between 0 and 1 (got {split}).");
        if (options.ValidationSplit is not null && options.ValidationFiles is { Count: > 0 })
            throw new BertAdaptException("TrainingOptionInvalid", BertAdaptErrorKind.InvalidArgument,
                "Give validation files or a validation split, not both: the split holds out part of the training data instead of reading other files.");
        var cache = new TokenCache(options.CacheDirectory);
        var data = new TrainingData();
        try
        {
            data.Corpus = cache.Open(files, vocabulary, options.ReadOptions, progress, cancellation);
            data.owned.Add(data.Corpus);
            RequirePredictableTokens(data.Corpus, vocabulary, "corpus");
            var all = Examples(data.Corpus, vocabulary, options);
            TokenizedCorpusSet? validationCorpus = null;
            if (options.ValidationFiles is { Count: > 0 } validationFiles)
            {
                validationCorpus = cache.Open(validationFiles, vocabulary, options.ReadOptions, progress, cancellation);
                data.owned.Add(validationCorpus);
                RequirePredictableTokens(validationCorpus, vocabulary, "validation corpus");
                (data.Train, data.Validation) = (all, Examples(validationCorpus, vocabulary, options));
            }
            else if (options.ValidationSplit is double fraction)
                (data.Train, data.Validation) = ExampleSplit.Create(all, fraction, options.Seed);
            else
                data.Train = all;
            if (data.Train.Count == 0 || data.Validation is { Count: 0 })
                throw new BertAdaptException("CorpusTooSmall", BertAdaptErrorKind.InvalidData,
                    $"The corpus gives {data.Train.Count} training and {data.Validation?.Count ?? 0} validation examples; both need at least one.");
            // A split holds out part of the training files, so its fingerprint is theirs, marked as the held-out part.
            data.TrainFingerprint = Fingerprint(data.Corpus.Shards, options, "train");
            if (data.Validation is not null)
                data.ValidationFingerprint = validationCorpus is null ? Fingerprint(data.Corpus.Shards, options, "held out")
                    : Fingerprint(validationCorpus.Shards, options, "validation files");
            return data;
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Masked-LM training and perplexity predict ordinary tokens only (as Hugging Face's collator,
    /// which never masks [UNK] or the other special tokens). A corpus with none has nothing to
    /// learn or score: without this, training stopped as "diverged" and perplexity was NaN.
    /// </summary>
    static void RequirePredictableTokens(TokenizedCorpusSet corpus, BertVocabulary vocabulary, string what)
    {
        if (corpus.HasTokenOtherThan(vocabulary.SpecialIds)) return;
        throw new BertAdaptException("CorpusNothingToPredict", BertAdaptErrorKind.InvalidData,
            $"The {what} ({string.Join(", ", corpus.Files.Select(Path.GetFileName))}) has no token a masked-LM can be trained or scored on: "
            + $"all {corpus.TokenCount:N0} of its tokens are {BertVocabulary.Unknown} or special tokens. Text the vocabulary cannot spell (emoji, a script "
            + "it lacks) becomes [UNK]; use a model whose vocabulary covers the text, or add words with Add-BertVocabulary.", corpus.Files.FirstOrDefault());
    }

    static string Fingerprint(IReadOnlyList<TokenShard> shards, TrainingDataOptions options, string part)
    {
        using var fingerprint = new ContentFingerprint();
        fingerprint.Add(part).Add(options.Objective.ToString()).Add(options.LineByLine ? 1 : 0).Add(options.SequenceLength).Add(options.Seed)
            .Add(options.ValidationSplit is double split ? split.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "");
        foreach (var shard in shards) fingerprint.Add(Path.GetFileName(shard.Path));
        return fingerprint.Finish();
    }

    static ITrainingExamples Examples(ITokenizedCorpus corpus, BertVocabulary vocabulary, TrainingDataOptions options) =>
        options.Objective == TrainingObjective.MlmNsp ? new NextSentenceExamples(corpus, vocabulary, options.SequenceLength, options.Seed)
        : options.LineByLine ? new LineByLineExamples(corpus, vocabulary, options.SequenceLength)
        : new PackedExamples(corpus, vocabulary, options.SequenceLength);

    public void Dispose()
    {
        foreach (var item in owned) item.Dispose();
        owned.Clear();
    }
}
