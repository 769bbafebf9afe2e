using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using TorchSharp;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Inference;

/// <summary>The model's input for one text: [CLS] A [SEP] (B [SEP]) with token types, cut to the maximum length.</summary>
public sealed record EncodedInput(int[] Ids, int[] TokenTypes, bool Truncated);

/// <summary>A text checked for fill-mask: its tokens and where its masks are.</summary>
public sealed class FillMaskInput
{
    internal FillMaskInput(OffsetTokenization tokens, EncodedInput encoded, int[] maskPositions, OffsetWord[] maskWords)
    {
        Tokens = tokens;
        Encoded = encoded;
        MaskPositions = maskPositions;
        MaskWords = maskWords;
    }

    public string Text => Tokens.Text;
    public OffsetTokenization Tokens { get; }
    public EncodedInput Encoded { get; }

    /// <summary>The token index (within <see cref="EncodedInput.Ids"/>, [CLS] at 0) of each mask.</summary>
    public int[] MaskPositions { get; }

    /// <summary>Each mask as a word of the original text (its offsets).</summary>
    public OffsetWord[] MaskWords { get; }
}

/// <summary>
/// Batched inference with a <see cref="BertModel"/>: classification, regression, token
/// classification, fill-mask and embeddings. Inputs are encoded as the fine-tuning data is
/// (<c>[CLS] A [SEP] (B [SEP])</c>, the longer text cut first), padded per batch, and run in
/// evaluation mode without gradients; the model's previous mode is put back after each call.
/// Every batch's native tensors are freed before the next one starts, so memory is bounded by
/// <see cref="BatchSize"/> × <see cref="MaxLength"/> whatever the number of inputs.
/// </summary>
public sealed class BertPredictor : IDisposable
{
    readonly BertModel model;
    readonly BatchForward forward;

    /// <param name="maxLength">The longest input in tokens, [CLS] and [SEP] included; by default 512 or the model's max_position_embeddings, whichever is smaller.</param>
    /// <param name="batchSize">How many inputs run through the model at once.</param>
    /// <param name="sortWindow">
    /// How many consecutive inputs are sorted by length before they are cut into batches (see
    /// <see cref="LengthSortedBatches"/>); by default <paramref name="batchSize"/>, which keeps every
    /// batch in input order. Results always come back in input order.
    /// </param>
    /// <param name="runtime">What runs the forward passes; ONNX Runtime holds its sessions until the predictor is disposed.</param>
    public BertPredictor(BertModel model, int? maxLength = null, int batchSize = 32, int? sortWindow = null, InferenceRuntime runtime = InferenceRuntime.LibTorch)
    {
        ArgumentNullException.ThrowIfNull(model);
        this.model = model;
        var config = model.Config; // throws ModelDisposed for a disposed model
        int positions = config.MaxPositionEmbeddings;
        if (maxLength is int requested)
        {
            SequenceLength.Validate(requested);
            if (requested > positions)
                throw new BertAdaptException("MaxLengthTooLong", BertAdaptErrorKind.InvalidArgument,
                    $"The maximum length {requested} is more than the model's max_position_embeddings ({positions}).", requested);
        }
        MaxLength = maxLength ?? Math.Min(512, positions);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
        BatchSize = batchSize;
        if (sortWindow < 1) throw new ArgumentOutOfRangeException(nameof(sortWindow), sortWindow, "The sort window must hold at least one input.");
        SortWindow = sortWindow ?? batchSize;
        Runtime = runtime;
        forward = BatchForward.For(model, runtime);
    }

    /// <summary>What runs the forward passes.</summary>
    public InferenceRuntime Runtime { get; }

    /// <summary>Releases the ONNX Runtime sessions, if any; the model stays as it is.</summary>
    public void Dispose() => forward.Dispose();

    public BertModel Model => model;
    public int MaxLength { get; }
    public int BatchSize { get; }

    /// <summary>How many consecutive inputs are sorted by length into batches; at most <see cref="BatchSize"/> means none are.</summary>
    public int SortWindow { get; }

    /// <summary>The smaller of 512 and the model's max_position_embeddings.</summary>
    public static int DefaultMaxLength(BertConfig config) => Math.Min(512, config.MaxPositionEmbeddings);

    #region Heads and tasks

    /// <summary>The head's output names: the config's labels, or LABEL_0, LABEL_1, … when it has none that fit.</summary>
    public IReadOnlyList<string> OutputLabels
    {
        get
        {
            int outputs = model.Module.Classifier is BertLinear head ? (int)head.Weight.shape[0] : 0;
            var labels = model.Labels;
            return labels.Count == outputs ? labels : Enumerable.Range(0, outputs).Select(i => $"LABEL_{i}").ToList();
        }
    }

    /// <summary>Whether the token head's tags are all BIO tags (O, B-TYPE, I-TYPE), so words can be grouped into entities.</summary>
    public bool TagsAreBio => OutputLabels.All(IsBioTag);

    static bool IsBioTag(string tag) => tag == "O"
        || (tag.Length > 2 && (tag.StartsWith("B-", StringComparison.Ordinal) || tag.StartsWith("I-", StringComparison.Ordinal)));

    /// <summary>The task of a sequence head (classification, multi-label or regression); throws for no head or a token head.</summary>
    public FineTuneTask RequireSequenceTask()
    {
        var task = model.GetTask() ?? throw NoClassifier();
        if (task == FineTuneTask.TokenClassification)
            throw new BertAdaptException("ModelTaskMismatch", BertAdaptErrorKind.InvalidArgument,
                "This model has a token-classification head: it tags words rather than classifying whole texts. Use Invoke-BertTokenClassifier.", model);
        return task;
    }

    /// <summary>Throws unless the model has a token-classification head.</summary>
    public void RequireTokenTask()
    {
        var task = model.GetTask() ?? throw NoClassifier();
        if (task != FineTuneTask.TokenClassification)
            throw new BertAdaptException("ModelTaskMismatch", BertAdaptErrorKind.InvalidArgument,
                $"This model has a {task} head: it scores whole texts rather than tagging words. Use Invoke-BertClassifier.", model);
    }

    BertAdaptException NoClassifier() => new("ModelHasNoClassifier", BertAdaptErrorKind.InvalidOperation,
        "This model has no classification head. Fine-tune it for a task first (or import a fine-tuned checkpoint).", model);

    #endregion

    #region Encoding

    /// <summary>[CLS] A [SEP] (B [SEP]) of whole-text WordPiece ids, the longer text cut first to <see cref="MaxLength"/>.</summary>
    public EncodedInput Encode(string text, string? textPair = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var vocabulary = model.Vocabulary;
        var a = vocabulary.Encode(text);
        var b = textPair is null ? null : vocabulary.Encode(textPair);
        return Assemble(a, b);
    }

    /// <summary>[CLS] A [SEP] (B [SEP]) of already tokenized ids, the longer cut first to <see cref="MaxLength"/>.</summary>
    public EncodedInput Assemble(IReadOnlyList<int> a, IReadOnlyList<int>? b)
    {
        var (ids, types, truncated) = FineTuneExamples.Assemble(model.Vocabulary, a, b, MaxLength);
        return new EncodedInput(ids, types, truncated);
    }

    /// <summary>
    /// Checks a text for fill-mask: it must contain [MASK] (written literally), and every mask
    /// must lie within <see cref="MaxLength"/>.
    /// </summary>
    public FillMaskInput PrepareFillMask(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var vocabulary = model.Vocabulary;
        var tokens = OffsetTokenizer.Tokenize(vocabulary, text);
        var encoded = Assemble(tokens.Ids.ToList(), null);
        var positions = new List<int>();
        var words = new List<OffsetWord>();
        int position = 1;
        foreach (var word in tokens.Words)
        {
            if (word.IsSpecial && word.Ids[0] == vocabulary.MaskId)
            {
                if (position >= encoded.Ids.Length - 1)
                    throw new BertAdaptException("FillMaskMaskTruncated", BertAdaptErrorKind.InvalidArgument,
                        $"A {BertVocabulary.Mask} at character {word.Start} lies past the maximum length of {MaxLength} tokens. Shorten the text or raise the maximum length.", text);
                positions.Add(position);
                words.Add(word);
            }
            position += word.Ids.Length;
        }
        if (positions.Count == 0)
            throw new BertAdaptException("FillMaskNoMask", BertAdaptErrorKind.InvalidArgument,
                $"The text has no {BertVocabulary.Mask} token to fill: \"{Shorten(text)}\".", text);
        return new FillMaskInput(tokens, encoded, [.. positions], [.. words]);
    }

    static string Shorten(string text) => text.Length <= 60 ? text : text[..57] + "...";

    #endregion

    #region Predictions

    /// <summary>Classifies or scores each input with the model's sequence head.</summary>
    /// <param name="threshold">For multi-label heads: a class is predicted when its sigmoid is at least this.</param>
    /// <param name="labelSeparator">What joins several predicted labels in the string form of <see cref="ClassificationResult.Labels"/>.</param>
    public IReadOnlyList<ClassificationResult> Classify(IReadOnlyList<InferenceInput> inputs, double threshold = 0.5, CancellationToken cancellation = default,
        string labelSeparator = BertModel.LabelSeparator)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (!(threshold >= 0 && threshold <= 1)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "The threshold must be between 0 and 1.");
        var task = RequireSequenceTask();
        var labels = OutputLabels;
        return RunBatches(inputs, cancellation, i => Encode(i.Text, i.TextPair).Ids.Length, batch =>
        {
            var encoded = batch.Select(i => Encode(i.Text, i.TextPair)).ToList();
            var (ids, types, mask, _) = Padded(encoded);
            var logits = forward.ClassifierLogits(ids, types, mask);
            var scores = task switch
            {
                FineTuneTask.SequenceClassification => logits.softmax(1),
                FineTuneTask.MultiLabelClassification => logits.sigmoid(),
                _ => logits,
            };
            var values = scores.cpu().data<float>().ToArray();
            int width = (int)scores.shape[1];
            return batch.Select((input, r) => MakeClassification(input, encoded[r].Truncated, task, labels, values.AsSpan(r * width, width), threshold, labelSeparator));
        });
    }

    static ClassificationResult MakeClassification(InferenceInput input, bool truncated, FineTuneTask task, IReadOnlyList<string> labels, ReadOnlySpan<float> row, double threshold,
        string labelSeparator)
    {
        if (task == FineTuneTask.Regression)
            return new ClassificationResult(input.Text, input.TextPair, task, null, [], labelSeparator, null, [], row[0], truncated);
        var scores = new ClassScore[labels.Count];
        for (int i = 0; i < labels.Count; i++) scores[i] = new ClassScore(labels[i], row[i]);
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        string? label;
        string[] predicted;
        if (task == FineTuneTask.MultiLabelClassification)
        {
            var values = row.ToArray();
            predicted = Enumerable.Range(0, labels.Count).Where(i => values[i] >= threshold)
                .OrderByDescending(i => values[i]).ThenBy(i => i).Select(i => labels[i]).ToArray();
            label = predicted.Length > 0 ? predicted[0] : null;
        }
        else
        {
            label = labels[best];
            predicted = [label];
        }
        return new ClassificationResult(input.Text, input.TextPair, task, label, predicted, labelSeparator, row[best], scores, null, truncated);
    }

    /// <summary>Tags each word of each text and groups the tagged words into entities.</summary>
    public IReadOnlyList<TokenClassificationResult> ClassifyTokens(IReadOnlyList<string> texts, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        RequireTokenTask();
        var labels = OutputLabels;
        bool bio = labels.All(IsBioTag);
        return RunBatches(texts, cancellation, t => Encode(t ?? throw new ArgumentNullException(nameof(texts))).Ids.Length, batch =>
        {
            var tokens = batch.Select(t => OffsetTokenizer.Tokenize(model.Vocabulary, t ?? throw new ArgumentNullException(nameof(texts)))).ToList();
            var encoded = tokens.Select(t => Assemble(t.Ids.ToList(), null)).ToList();
            var (ids, types, mask, length) = Padded(encoded);
            var probabilities = forward.ClassifierLogits(ids, types, mask).softmax(2);
            var values = probabilities.cpu().data<float>().ToArray();
            int classes = (int)probabilities.shape[2];
            return tokens.Select((t, r) => MakeTokenResult(t, encoded[r], values.AsSpan(r * length * classes, length * classes), classes, labels, bio));
        });
    }

    static TokenClassificationResult MakeTokenResult(OffsetTokenization tokens, EncodedInput encoded, ReadOnlySpan<float> row, int classes,
        IReadOnlyList<string> labels, bool bio)
    {
        var words = new List<PredictedWord>(tokens.Words.Count);
        int position = 1, lastText = encoded.Ids.Length - 2; // positions 1..lastText hold text tokens
        for (int w = 0; w < tokens.Words.Count && position <= lastText; w++)
        {
            var word = tokens.Words[w];
            var probabilities = row.Slice(position * classes, classes);
            int best = 0;
            for (int c = 1; c < classes; c++) if (probabilities[c] > probabilities[best]) best = c;
            words.Add(new PredictedWord(tokens.WordText(w), labels[best], probabilities[best], word.Start, word.End));
            position += word.Ids.Length;
        }
        return new TokenClassificationResult(tokens.Text, bio ? GroupEntities(tokens.Text, words) : [], [.. words], encoded.Truncated);
    }

    /// <summary>Groups tagged words into entities by the BIO rules of <see cref="TokenClassificationMetrics.ExtractEntities"/>, with offsets into <paramref name="text"/>.</summary>
    public static PredictedEntity[] GroupEntities(string text, IReadOnlyList<PredictedWord> words)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(words);
        var spans = TokenClassificationMetrics.ExtractEntities(words.Select(w => w.Tag).ToList());
        return spans.Select(span =>
        {
            int start = words[span.Start].Start, end = words[span.End - 1].End;
            double score = 0;
            for (int i = span.Start; i < span.End; i++) score += words[i].Score;
            return new PredictedEntity(span.Type, text.Substring(start, end - start), start, end, score / (span.End - span.Start));
        }).ToArray();
    }

    /// <summary>The <paramref name="top"/> most probable tokens for every [MASK] of each text (special tokens are never candidates).</summary>
    public IReadOnlyList<FillMaskResult> FillMask(IReadOnlyList<string> texts, int top = 5, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return FillMask(texts.Select(PrepareFillMask).ToList(), top, cancellation);
    }

    /// <inheritdoc cref="FillMask(IReadOnlyList{string}, int, CancellationToken)"/>
    public IReadOnlyList<FillMaskResult> FillMask(IReadOnlyList<FillMaskInput> inputs, int top = 5, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (top < 1) throw new ArgumentOutOfRangeException(nameof(top), top, "At least one candidate is needed.");
        var vocabulary = model.Vocabulary;
        var specials = vocabulary.SpecialIds.Select(id => (long)id).ToArray();
        int k = Math.Min(top, vocabulary.Count - specials.Length);
        return RunBatches(inputs, cancellation, i => i.Encoded.Ids.Length, batch =>
        {
            var (ids, types, mask, length) = Padded(batch.Select(i => i.Encoded).ToList());
            var flat = batch.SelectMany((input, r) => input.MaskPositions.Select(p => (long)(r * length + p))).ToArray();
            var device = model.Module.Device;
            var probabilities = forward.MaskedLmLogits(ids, types, mask, tensor(flat, device: device)).softmax(1);
            // Special tokens keep their share of the probability mass but are never offered.
            probabilities.index_fill_(1, tensor(specials, device: device), 0f);
            var (values, indexes) = probabilities.topk(k, dim: 1);
            var scores = values.cpu().data<float>().ToArray();
            var tokenIds = indexes.cpu().data<long>().ToArray();
            var results = new List<FillMaskResult>(batch.Count);
            int row = 0;
            foreach (var input in batch)
            {
                var candidates = new List<FillMaskCandidate>(input.MaskPositions.Length * k);
                var best = new string[input.MaskPositions.Length];
                for (int m = 0; m < input.MaskPositions.Length; m++, row++)
                {
                    for (int j = 0; j < k; j++)
                    {
                        int id = (int)tokenIds[row * k + j];
                        var token = vocabulary.Tokens[id];
                        var surface = Surface(token);
                        if (j == 0) best[m] = surface;
                        candidates.Add(new FillMaskCandidate(m, j + 1, token, id, scores[row * k + j], Replace(input.Text, input.MaskWords[m], surface)));
                    }
                }
                // Right to left, so the offsets of the masks still to fill stay valid.
                var sequence = input.Text;
                for (int m = input.MaskWords.Length - 1; m >= 0; m--) sequence = Replace(sequence, input.MaskWords[m], best[m]);
                results.Add(new FillMaskResult(input.Text, sequence, input.MaskPositions.Length, [.. candidates]));
            }
            return results;
        });
    }

    static string Surface(string token) => token.StartsWith("##", StringComparison.Ordinal) && token.Length > 2 ? token[2..] : token;

    static string Replace(string text, OffsetWord word, string with) => string.Concat(text.AsSpan(0, word.Start), with, text.AsSpan(word.End));

    /// <summary>One vector per text from the encoder's last hidden states.</summary>
    public IReadOnlyList<EmbeddingResult> Embed(IReadOnlyList<string> texts, EmbeddingPooling pooling = EmbeddingPooling.Mean, bool normalize = false,
        CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        return RunBatches(texts, cancellation, t => Encode(t ?? throw new ArgumentNullException(nameof(texts))).Ids.Length, batch =>
        {
            var encoded = batch.Select(t => Encode(t ?? throw new ArgumentNullException(nameof(texts)))).ToList();
            var (ids, types, mask, _) = Padded(encoded);
            var hidden = forward.LastHidden(ids, types, mask);
            Tensor vectors;
            if (pooling == EmbeddingPooling.Cls) vectors = hidden.select(1, 0);
            else
            {
                var weights = mask.unsqueeze(2).to_type(ScalarType.Float32);
                vectors = (hidden * weights).sum(1) / weights.sum(1).clamp_min(1e-9);
            }
            if (normalize) vectors = nn.functional.normalize(vectors, p: 2, dim: 1, eps: 1e-12);
            var values = vectors.contiguous().cpu().data<float>().ToArray();
            int size = (int)vectors.shape[1];
            return batch.Select((text, r) => new EmbeddingResult(text, values.AsSpan(r * size, size).ToArray(), pooling, normalize, encoded[r].Truncated));
        });
    }

    #endregion

    #region Batching

    /// <summary>
    /// Runs <paramref name="run"/> on each batch of the inputs (<see cref="LengthSortedBatches.InWindows"/>) in
    /// evaluation mode under inference mode (no autograd records, no version counters), each
    /// batch's tensors in their own dispose scope, and returns the results in input order.
    /// </summary>
    /// <param name="lengthOf">An input's token count, asked only when a window sorts more than one batch.</param>
    IReadOnlyList<TOut> RunBatches<TIn, TOut>(IReadOnlyList<TIn> inputs, CancellationToken cancellation, Func<TIn, int> lengthOf,
        Func<IReadOnlyList<TIn>, IEnumerable<TOut>> run)
    {
        if (inputs.Count == 0) return [];
        var results = new TOut[inputs.Count];
        var module = model.Module;
        bool wasTraining = module.training;
        module.eval();
        try
        {
            foreach (var rows in LengthSortedBatches.InWindows(inputs.Count, i => lengthOf(inputs[i]), BatchSize, SortWindow))
            {
                cancellation.ThrowIfCancellationRequested();
                var batch = new TIn[rows.Length];
                for (int r = 0; r < rows.Length; r++) batch[r] = inputs[rows[r]];
                using var scope = NewDisposeScope();
                using var inference = inference_mode();
                // Materialised inside the scope: the results hold managed copies only.
                try
                {
                    int r = 0;
                    foreach (var result in run(batch).ToList()) results[rows[r++]] = result;
                }
                catch (Exception ex) when (DeviceOutOfMemory.Is(ex))
                {
                    throw DeviceOutOfMemory.Error(ex, model.Device, $"running a batch of {batch.Length} input(s) of up to {MaxLength} tokens",
                        "Lower -BatchSize or -MaxLength.");
                }
            }
        }
        finally
        {
            if (wasTraining) module.train();
        }
        return results;
    }

    /// <summary>The batch as int64 tensors on the model's device, padded to its longest row ([PAD], type 0, mask 0).</summary>
    (Tensor Ids, Tensor Types, Tensor Mask, int Length) Padded(IReadOnlyList<EncodedInput> rows)
    {
        var padded = PaddedBatch.Of(rows, r => r.Ids, r => r.TokenTypes, model.Vocabulary.PadId);
        var shape = new long[] { padded.Rows, padded.Length };
        var device = model.Module.Device;
        return (tensor(padded.InputIds, shape, device: device), tensor(padded.TokenTypeIds, shape, device: device),
            tensor(padded.AttentionMask, shape, device: device), padded.Length);
    }

    #endregion
}
