using System.Diagnostics;
using BertAdapt.Engine;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Checkpoints.Onnx;
using BertAdapt.Engine.Data;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Inference;
using Microsoft.ML.OnnxRuntime;
using static TorchSharp.torch;

namespace BertAdapt.Bench;

/// <summary>
/// One inference task at one batch size: BertAdapt's <see cref="BertPredictor"/> (what the cmdlet
/// runs, tokenization included), on libtorch and with -Runtime OnnxRuntime, against ONNX Runtime
/// called directly on the same token ids, timed in alternating rounds. ONNX Runtime runs the batches in input order (what a caller of it gets without sorting)
/// and, as a second figure, the same length-sorted batches the predictor runs.
/// </summary>
public sealed record InferenceRow(string Task, int Batch, int Inputs, long RealTokens, double PaddingInputOrder, double PaddingSorted,
    double OursSeconds, double OursOnnxSeconds, double OrtSeconds, double OrtSortedSeconds, double MaxDiff, double MaxDiffOnnx, string Compared,
    IReadOnlyList<double> RoundRatios)
{
    public double OursTokensPerSecond => RealTokens / OursSeconds;
    public double OursOnnxTokensPerSecond => RealTokens / OursOnnxSeconds;
    public double OrtTokensPerSecond => RealTokens / OrtSeconds;
    public double OrtSortedTokensPerSecond => RealTokens / OrtSortedSeconds;
    public double Ratio => OrtSeconds / OursSeconds;
    public double RatioSorted => OrtSortedSeconds / OursSeconds;

    /// <summary>BertAdapt with -Runtime OnnxRuntime against ONNX Runtime called directly on input-order batches.</summary>
    public double RatioOnnx => OrtSeconds / OursOnnxSeconds;
    public double RatioOnnxSorted => OrtSortedSeconds / OursOnnxSeconds;
}

/// <summary>Where one batch size's embedding time goes inside the predictor (tokenization, padding, forward).</summary>
public sealed record InferenceProfile(int Batch, double TokenizeSeconds, double ForwardInputOrderSeconds, double ForwardSortedSeconds, double PaddingInputOrder, double PaddingSorted);

/// <summary>The inference section of the bench: the four cmdlet tasks on the real MiniLM against ONNX Runtime.</summary>
public static class InferenceBench
{
    const int MaxLength = 128;

    /// <summary>The sort window BertAdapt runs with: 8 batches, as in the help's advice for -SortWindow.</summary>
    public static int Window(int batch) => 8 * batch;

    /// <summary>The first <paramref name="count"/> non-empty lines of the held-out runbook file.</summary>
    public static string[] Sentences(string repositoryRoot, int count) =>
        File.ReadLines(Path.Combine(repositoryRoot, "examples", "data", "runbooks-heldout.txt"))
            .Where(l => l.Trim().Length > 0).Take(count).ToArray();

    /// <summary>The same sentences with their third word (or their last, when shorter) written as [MASK].</summary>
    public static string[] Masked(IEnumerable<string> sentences) => sentences.Select(s =>
    {
        var words = s.Split(' ');
        words[Math.Min(2, words.Length - 1)] = "[MASK]";
        return string.Join(' ', words);
    }).ToArray();

    public static (IReadOnlyList<InferenceRow> Rows, IReadOnlyList<InferenceProfile> Profiles) Run(string miniLmDirectory, string[] sentences, int[] batches,
        int rounds, int threads, Action<string> log)
    {
        set_num_threads(threads);
        var work = Path.Combine(Path.GetTempPath(), $"bertadapt-inference-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        var rows = new List<InferenceRow>();
        var profiles = new List<InferenceProfile>();
        try
        {
            using var model = HfCheckpointDirectory.Import(miniLmDirectory);
            using var packaged = new InferenceSession(Path.Combine(miniLmDirectory, "model.onnx"), options);
            foreach (int batch in batches) profiles.Add(Profile(model, sentences, batch));
            foreach (int batch in batches)
            {
                log($"inference embedding B={batch}");
                rows.Add(Embedding(model, packaged, sentences, batch, rounds));
            }
            using (var encoderOnly = Session(model, Path.Combine(work, "encoder"), options))
            {
                var masked = Masked(sentences);
                foreach (int batch in batches)
                {
                    log($"inference fill-mask B={batch}");
                    rows.Add(FillMask(model, encoderOnly, masked, batch, rounds));
                }
            }
            model.AddTaskHead(FineTuneTask.SequenceClassification, ["network", "storage", "database", "access"], seed: 7);
            using (var classifier = Session(model, Path.Combine(work, "classifier"), options))
                foreach (int batch in batches)
                {
                    log($"inference classifier B={batch}");
                    rows.Add(Classifier(model, classifier, sentences, batch, rounds));
                }
            // A fresh import: attaching a second head to a model that has one throws (register_module refuses the name).
            using var tagged = HfCheckpointDirectory.Import(miniLmDirectory);
            tagged.AddTaskHead(FineTuneTask.TokenClassification, ["O", "B-HOST", "I-HOST", "B-SERVICE", "I-SERVICE"], seed: 7);
            using (var tagger = Session(tagged, Path.Combine(work, "tagger"), options))
                foreach (int batch in batches)
                {
                    log($"inference token classifier B={batch}");
                    rows.Add(TokenClassifier(tagged, tagger, sentences, batch, rounds));
                }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
        return (rows, profiles);
    }

    /// <summary>The module's own ONNX export of the model as it is now (head included), opened in ONNX Runtime.</summary>
    static InferenceSession Session(BertModel model, string directory, SessionOptions options)
    {
        Directory.CreateDirectory(directory);
        OnnxCheckpointFiles.WriteFiles(model, directory);
        return new InferenceSession(Path.Combine(directory, OnnxCheckpointFiles.ModelFile), options);
    }

    #region Tasks

    static InferenceRow Embedding(BertModel model, InferenceSession session, string[] texts, int batch, int rounds)
    {
        var predictor = new BertPredictor(model, MaxLength, batch, Window(batch));
        using var onnx = new BertPredictor(model, MaxLength, batch, Window(batch), InferenceRuntime.OnnxRuntime);
        EncodedInput[] Encode() => texts.Select(t => predictor.Encode(t)).ToArray();
        IReadOnlyList<EmbeddingResult> ours = [], oursOnnx = [];
        float[][] theirs = [];
        var timing = Alternate(rounds, Encode(), batch,
            () => ours = predictor.Embed(texts),
            () => oursOnnx = onnx.Embed(texts),
            batches => theirs = OrtRun(session, Encode, batches, model.Vocabulary.PadId, "last_hidden_state", MeanPooled));
        double Diff(IReadOnlyList<EmbeddingResult> results)
        {
            double diff = 0;
            for (int i = 0; i < texts.Length; i++)
                for (int h = 0; h < theirs[i].Length; h++) diff = Math.Max(diff, Math.Abs(results[i].Vector[h] - theirs[i][h]));
            return diff;
        }
        return Row("embedding", batch, timing, Diff(ours), Diff(oursOnnx), "mean-pooled vectors; ONNX Runtime on the package's model.onnx");
    }

    static InferenceRow Classifier(BertModel model, InferenceSession session, string[] texts, int batch, int rounds)
    {
        var predictor = new BertPredictor(model, MaxLength, batch, Window(batch));
        using var onnx = new BertPredictor(model, MaxLength, batch, Window(batch), InferenceRuntime.OnnxRuntime);
        var inputs = texts.Select(t => new InferenceInput(t)).ToArray();
        EncodedInput[] Encode() => texts.Select(t => predictor.Encode(t)).ToArray();
        IReadOnlyList<ClassificationResult> ours = [], oursOnnx = [];
        float[][] theirs = [];
        var timing = Alternate(rounds, Encode(), batch,
            () => ours = predictor.Classify(inputs),
            () => oursOnnx = onnx.Classify(inputs),
            batches => theirs = OrtRun(session, Encode, batches, model.Vocabulary.PadId, "logits", (output, rows, _, _) => Softmaxed(output, rows)));
        double Diff(IReadOnlyList<ClassificationResult> results)
        {
            double diff = 0;
            for (int i = 0; i < texts.Length; i++)
            {
                var scores = results[i].GetScores();
                for (int c = 0; c < scores.Count; c++) diff = Math.Max(diff, Math.Abs(scores[c].Score - theirs[i][c]));
            }
            return diff;
        }
        return Row("classifier", batch, timing, Diff(ours), Diff(oursOnnx), "class probabilities; ONNX Runtime on Export-Checkpoint -Format Onnx of the same model");
    }

    static InferenceRow TokenClassifier(BertModel model, InferenceSession session, string[] texts, int batch, int rounds)
    {
        var predictor = new BertPredictor(model, MaxLength, batch, Window(batch));
        // The ONNX Runtime side tokenizes with offsets too, as the predictor must to find each word's first piece.
        OffsetTokenization[] tokens = [];
        EncodedInput[] Encode()
        {
            tokens = texts.Select(t => OffsetTokenizer.Tokenize(model.Vocabulary, t)).ToArray();
            return tokens.Select(t => predictor.Assemble(t.Ids.ToList(), null)).ToArray();
        }
        using var onnx = new BertPredictor(model, MaxLength, batch, Window(batch), InferenceRuntime.OnnxRuntime);
        IReadOnlyList<TokenClassificationResult> ours = [], oursOnnx = [];
        float[][] theirs = [];
        var timing = Alternate(rounds, Encode(), batch,
            () => ours = predictor.ClassifyTokens(texts),
            () => oursOnnx = onnx.ClassifyTokens(texts),
            batches => theirs = OrtRun(session, Encode, batches, model.Vocabulary.PadId, "logits",
                (output, rows, length, encoded) => WordScores(output, rows, length, tokens, encoded)));
        // A text whose word count differs from ONNX Runtime's is an infinite difference.
        double Diff(IReadOnlyList<TokenClassificationResult> results)
        {
            double diff = 0;
            for (int i = 0; i < texts.Length; i++)
            {
                var words = results[i].Words;
                if (words.Count != theirs[i].Length) return double.PositiveInfinity;
                for (int w = 0; w < words.Count; w++) diff = Math.Max(diff, Math.Abs(words[w].Score - theirs[i][w]));
            }
            return diff;
        }
        return Row("token classifier", batch, timing, Diff(ours), Diff(oursOnnx), "each word's best-tag probability; ONNX Runtime on the module's export with the token head");
    }

    /// <summary>
    /// Fill-mask: the export has no MLM head (Hugging Face's feature-extraction export leaves it
    /// out), so the ONNX Runtime side runs the encoder export and then the model's own MLM head in
    /// libtorch on the masked rows (the same weights), softmax and the top 5.
    /// </summary>
    static InferenceRow FillMask(BertModel model, InferenceSession session, string[] texts, int batch, int rounds)
    {
        const int top = 5;
        var predictor = new BertPredictor(model, MaxLength, batch, Window(batch));
        var module = model.GetModule();
        using var specials = tensor(model.Vocabulary.SpecialIds.Select(id => (long)id).ToArray());
        FillMaskInput[] prepared = [];
        EncodedInput[] Encode()
        {
            prepared = texts.Select(predictor.PrepareFillMask).ToArray();
            return prepared.Select(p => p.Encoded).ToArray();
        }
        float[][] Head(ReadOnlySpan<float> output, int[] rows, int length, EncodedInput[] _)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var hidden = tensor(output.ToArray(), [rows.Length * length, model.Config.HiddenSize]);
            var flat = new List<long>();
            for (int r = 0; r < rows.Length; r++) foreach (var p in prepared[rows[r]].MaskPositions) flat.Add(r * length + p);
            var probabilities = module.VocabularyLogits(hidden.index_select(0, tensor(flat.ToArray()))).softmax(1);
            probabilities.index_fill_(1, specials, 0f);
            var all = probabilities.topk(top, dim: 1).values.data<float>().ToArray();
            var result = new float[rows.Length][];
            int row = 0;
            for (int r = 0; r < rows.Length; r++)
            {
                int masks = prepared[rows[r]].MaskPositions.Length;
                result[r] = all.AsSpan(row * top, masks * top).ToArray();
                row += masks;
            }
            return result;
        }
        using var onnx = new BertPredictor(model, MaxLength, batch, Window(batch), InferenceRuntime.OnnxRuntime);
        IReadOnlyList<FillMaskResult> ours = [], oursOnnx = [];
        float[][] theirs = [];
        var timing = Alternate(rounds, Encode(), batch,
            () => ours = predictor.FillMask(texts, top),
            () => oursOnnx = onnx.FillMask(texts, top),
            batches => theirs = OrtRun(session, Encode, batches, model.Vocabulary.PadId, "last_hidden_state", Head));
        double Diff(IReadOnlyList<FillMaskResult> results)
        {
            double diff = 0;
            for (int i = 0; i < texts.Length; i++)
            {
                var candidates = results[i].Candidates;
                for (int c = 0; c < candidates.Count; c++) diff = Math.Max(diff, Math.Abs(candidates[c].Score - theirs[i][c]));
            }
            return diff;
        }
        return Row("fill-mask", batch, timing, Diff(ours), Diff(oursOnnx), "top-5 probabilities; ONNX Runtime on the encoder export, then the model's own MLM head in libtorch");
    }

    static InferenceRow Row(string task, int batch, Timing t, double diff, double diffOnnx, string compared) =>
        new(task, batch, t.Lengths.Length, t.Lengths.Sum(), LengthSortedBatches.PaddingFraction(t.Lengths, t.InputOrder),
            LengthSortedBatches.PaddingFraction(t.Lengths, t.Sorted), t.Ours, t.OursOnnx, t.Ort, t.OrtSorted, diff, diffOnnx, compared, t.RoundRatios);

    /// <summary>Where the predictor's embedding time goes: tokenization alone, and the forward pass alone in input-order and length-sorted batches.</summary>
    static InferenceProfile Profile(BertModel model, string[] texts, int batch)
    {
        var predictor = new BertPredictor(model, MaxLength, batch, Window(batch));
        var encoded = texts.Select(t => predictor.Encode(t)).ToArray();
        var lengths = encoded.Select(e => e.Ids.Length).ToArray();
        var inputOrder = Enumerable.Range(0, texts.Length).Chunk(batch).ToArray();
        var sorted = LengthSortedBatches.InWindows(lengths.Length, i => lengths[i], batch, Window(batch)).ToArray();
        var module = model.GetModule();
        void Forward(int[][] batches)
        {
            using var inference = inference_mode();
            foreach (var rows in batches)
            {
                using var scope = NewDisposeScope();
                var padded = PaddedBatch.Of(rows, r => encoded[r].Ids, r => encoded[r].TokenTypes, model.Vocabulary.PadId);
                var shape = new long[] { padded.Rows, padded.Length };
                module.Bert.Encode(tensor(padded.InputIds, shape), tensor(padded.TokenTypeIds, shape), tensor(padded.AttentionMask, shape)).sum().item<float>();
            }
        }
        module.eval();
        Forward(inputOrder);
        var tokenize = Median(Enumerable.Range(0, 5).Select(_ => Time(() => texts.Select(t => predictor.Encode(t)).ToArray())).ToList());
        var f = new List<double>();
        var s = new List<double>();
        for (int round = 0; round < 3; round++)
        {
            f.Add(Time(() => Forward(inputOrder)));
            s.Add(Time(() => Forward(sorted)));
        }
        return new InferenceProfile(batch, tokenize, Median(f), Median(s), LengthSortedBatches.PaddingFraction(lengths, inputOrder),
            LengthSortedBatches.PaddingFraction(lengths, sorted));
    }

    #endregion

    #region ONNX Runtime side

    /// <summary>
    /// Tokenizes (as the predictor does), runs the inputs through ONNX Runtime in
    /// <paramref name="batches"/> (indexes into the inputs), and returns each input's result at
    /// its own index.
    /// </summary>
    static float[][] OrtRun(InferenceSession session, Func<EncodedInput[]> encode, int[][] batches, int padId, string output,
        Func<ReadOnlySpan<float>, int[], int, EncodedInput[], float[][]> reduce)
    {
        var encoded = encode();
        var results = new float[encoded.Length][];
        bool types = session.InputMetadata.ContainsKey("token_type_ids");
        foreach (var rows in batches)
        {
            var padded = PaddedBatch.Of(rows, r => encoded[r].Ids, r => encoded[r].TokenTypes, padId);
            var shape = new long[] { padded.Rows, padded.Length };
            using var idsValue = OrtValue.CreateTensorValueFromMemory(padded.InputIds, shape);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(padded.AttentionMask, shape);
            using var typesValue = OrtValue.CreateTensorValueFromMemory(padded.TokenTypeIds, shape);
            var inputs = new Dictionary<string, OrtValue> { ["input_ids"] = idsValue, ["attention_mask"] = maskValue };
            if (types) inputs["token_type_ids"] = typesValue;
            using var runOptions = new RunOptions();
            using var values = session.Run(runOptions, inputs, [output]);
            var reduced = reduce(values[0].GetTensorDataAsSpan<float>(), rows, padded.Length, encoded);
            for (int r = 0; r < rows.Length; r++) results[rows[r]] = reduced[r];
        }
        return results;
    }

    /// <summary>Each row's hidden states averaged over its own tokens (the attention mask is 1 on the first Ids.Length).</summary>
    static float[][] MeanPooled(ReadOnlySpan<float> hidden, int[] rows, int length, EncodedInput[] encoded)
    {
        int size = hidden.Length / (rows.Length * length);
        var pooled = new float[rows.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            int count = encoded[rows[r]].Ids.Length;
            var sum = new double[size];
            for (int c = 0; c < count; c++)
                for (int h = 0; h < size; h++) sum[h] += hidden[(r * length + c) * size + h];
            pooled[r] = sum.Select(v => (float)(v / count)).ToArray();
        }
        return pooled;
    }

    static float[][] Softmaxed(ReadOnlySpan<float> logits, int[] rows)
    {
        int classes = logits.Length / rows.Length;
        var result = new float[rows.Length][];
        for (int r = 0; r < rows.Length; r++) result[r] = Softmax(logits.Slice(r * classes, classes));
        return result;
    }

    static float[] Softmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (var v in logits) max = Math.Max(max, v);
        var result = new float[logits.Length];
        for (int i = 0; i < logits.Length; i++) sum += Math.Exp(logits[i] - max);
        for (int i = 0; i < logits.Length; i++) result[i] = (float)(Math.Exp(logits[i] - max) / sum);
        return result;
    }

    /// <summary>Each word's best-tag probability at its first piece, for the words whose first piece is within the input.</summary>
    static float[][] WordScores(ReadOnlySpan<float> logits, int[] rows, int length, OffsetTokenization[] tokens, EncodedInput[] encoded)
    {
        int classes = logits.Length / (rows.Length * length);
        var result = new float[rows.Length][];
        for (int r = 0; r < rows.Length; r++)
        {
            var scores = new List<float>();
            int position = 1, lastText = encoded[rows[r]].Ids.Length - 2;
            foreach (var word in tokens[rows[r]].Words)
            {
                if (position > lastText) break;
                scores.Add(Softmax(logits.Slice((r * length + position) * classes, classes)).Max());
                position += word.Ids.Length;
            }
            result[r] = [.. scores];
        }
        return result;
    }

    #endregion

    #region Timing

    sealed record Timing(int[] Lengths, int[][] InputOrder, int[][] Sorted, double Ours, double OursOnnx, double Ort, double OrtSorted, List<double> RoundRatios);

    /// <summary>
    /// One untimed pass of each side (which also builds the -Runtime OnnxRuntime predictor's
    /// session), then <paramref name="rounds"/> rounds of ours on libtorch, ours on ONNX Runtime,
    /// ONNX Runtime in input-order batches and ONNX Runtime in length-sorted batches, in turn, so
    /// that all four see the same minutes of a shared machine's load; the medians are returned.
    /// </summary>
    static Timing Alternate(int rounds, EncodedInput[] encoded, int batch, Action ours, Action oursOnnx, Action<int[][]> ort)
    {
        var lengths = encoded.Select(e => e.Ids.Length).ToArray();
        var inputOrder = Enumerable.Range(0, lengths.Length).Chunk(batch).ToArray();
        var sorted = LengthSortedBatches.InWindows(lengths.Length, i => lengths[i], batch, Window(batch)).ToArray();
        ours();
        oursOnnx();
        ort(inputOrder);
        ort(sorted);
        var o = new List<double>();
        var x = new List<double>();
        var t = new List<double>();
        var s = new List<double>();
        for (int round = 0; round < rounds; round++)
        {
            o.Add(Time(ours));
            x.Add(Time(oursOnnx));
            t.Add(Time(() => ort(inputOrder)));
            s.Add(Time(() => ort(sorted)));
        }
        return new Timing(lengths, inputOrder, sorted, Median(o), Median(x), Median(t), Median(s), o.Zip(t, (a, b) => b / a).ToList());
    }

    static double Time(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    #endregion
}
