using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Inference;
using BertAdapt.Engine.Tokenization;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests.Inference;

/// <summary>The predictor on a tiny random model: batching, heads, fill-mask and errors.</summary>
public sealed class BertPredictorTests
{
    const double Tolerance = 1e-5;

    /// <summary>Lengths from empty to long, so every batch is padded.</summary>
    static readonly string[] Texts =
    [
        "restart the nginx service on web01",
        "",
        "check",
        "stop the postgres service on db01 then read the postgres logs . if it fails page oncall",
        "reload cron",
        "the disk is full , clean tmp before every night on files01 and cache01",
        "sshd",
        "start the redis service on cache01 then check the redis logs .",
        "unknownword zzz",
    ];

    static BertModel Model(FineTuneTask? task, IReadOnlyList<string>? labels = null, long seed = 1)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var model = BertModel.Create(TinyFixtures.Config(vocabulary.Count), vocabulary, seed, "test");
        if (task is FineTuneTask t) model.AddTaskHead(t, labels ?? [], seed + 1);
        return model;
    }

    static void AssertError(string id, BertAdaptErrorKind kind, Action action)
    {
        var error = Assert.Throws<BertAdaptException>(action);
        Assert.Equal(id, error.ErrorId);
        Assert.Equal(kind, error.Kind);
    }

    #region Classification

    [Fact]
    public void SingleLabelBatchedEqualsOneByOne()
    {
        using var model = Model(FineTuneTask.SequenceClassification, ["neg", "neu", "pos"]);
        var inputs = Texts.Select(t => new InferenceInput(t)).ToList();
        var batched = new BertPredictor(model, batchSize: 4).Classify(inputs);
        var single = new BertPredictor(model, batchSize: 1).Classify(inputs);
        Assert.Equal(inputs.Count, batched.Count);
        for (int i = 0; i < inputs.Count; i++)
        {
            Assert.Equal(Texts[i], batched[i].Text);
            Assert.Equal(["neg", "neu", "pos"], batched[i].GetScores().Select(s => s.Label));
            double sum = batched[i].GetScores().Sum(s => s.Score);
            Assert.InRange(sum, 1 - 1e-5, 1 + 1e-5);
            foreach (var label in new[] { "neg", "neu", "pos" })
                Assert.InRange(Math.Abs(batched[i].ScoreOf(label) - single[i].ScoreOf(label)), 0, Tolerance);
            var best = batched[i].GetScores().MaxBy(s => s.Score)!;
            Assert.Equal(best.Label, batched[i].Label);
            Assert.Equal(best.Score, batched[i].Score!.Value);
            Assert.Equal([batched[i].Label!], batched[i].Labels);
            Assert.Null(batched[i].Value);
        }
    }

    /// <summary>The scores are the model's own: softmax of the classifier logits computed directly on one row.</summary>
    [Fact]
    public void ScoresAreTheSoftmaxOfTheClassifierLogits()
    {
        using var model = Model(FineTuneTask.SequenceClassification, ["a", "b"], seed: 5);
        const string text = "restart the nginx service";
        var result = new BertPredictor(model).Classify([new InferenceInput(text)]).Single();
        var ids = new List<long> { model.Vocabulary.ClsId };
        ids.AddRange(model.Vocabulary.Encode(text).Select(i => (long)i));
        ids.Add(model.Vocabulary.SepId);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shape = new long[] { 1, ids.Count };
        var logits = model.Module.ClassifierLogits(tensor(ids.ToArray(), shape), zeros(shape, ScalarType.Int64), ones(shape, ScalarType.Int64))
            .data<float>().ToArray();
        double pA = Math.Exp(logits[0]) / (Math.Exp(logits[0]) + Math.Exp(logits[1]));
        Assert.InRange(Math.Abs(result.ScoreOf("a") - pA), 0, 1e-6);
    }

    [Fact]
    public void ThePreviousModeIsRestoredAndDropoutIsOff()
    {
        using var model = Model(FineTuneTask.SequenceClassification, ["neg", "pos"]);
        model.Module.train();
        var predictor = new BertPredictor(model);
        var inputs = Texts.Select(t => new InferenceInput(t)).ToList();
        var first = predictor.Classify(inputs);
        Assert.True(model.Module.training);
        var second = predictor.Classify(inputs);
        // hidden_dropout_prob is 0.1: two runs in training mode would differ.
        for (int i = 0; i < inputs.Count; i++) Assert.Equal(first[i].ScoreOf("pos"), second[i].ScoreOf("pos"));
        model.Module.eval();
        predictor.Classify(inputs);
        Assert.False(model.Module.training);
    }

    [Fact]
    public void MultiLabelUsesSigmoidAndTheThreshold()
    {
        using var model = Model(FineTuneTask.MultiLabelClassification, ["disk", "network", "auth", "db"], seed: 3);
        var inputs = Texts.Select(t => new InferenceInput(t)).ToList();
        var batched = new BertPredictor(model, batchSize: 5).Classify(inputs, threshold: 0.5);
        var single = new BertPredictor(model, batchSize: 1).Classify(inputs, threshold: 0.5);
        for (int i = 0; i < inputs.Count; i++)
        {
            var scores = batched[i].GetScores().ToDictionary(s => s.Label, s => s.Score);
            Assert.All(scores.Values, s => Assert.InRange(s, 0, 1));
            foreach (var (label, score) in scores) Assert.InRange(Math.Abs(score - single[i].ScoreOf(label)), 0, Tolerance);
            var over = scores.Where(p => p.Value >= 0.5).OrderByDescending(p => p.Value).Select(p => p.Key).ToArray();
            Assert.Equal(over, batched[i].Labels);
            Assert.Equal(over.FirstOrDefault(), batched[i].Label);
            Assert.Equal(scores.Values.Max(), batched[i].Score!.Value);
        }

        // Thresholds at the extremes select everything and nothing.
        var text = new[] { new InferenceInput("check the disk") };
        var predictor = new BertPredictor(model);
        Assert.Equal(4, predictor.Classify(text, threshold: 0).Single().Labels.Count);
        var none = predictor.Classify(text, threshold: 1).Single();
        Assert.Empty(none.Labels);
        Assert.Null(none.Label);
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.Classify(text, threshold: 1.5));
    }

    [Fact]
    public void RegressionGivesTheRawValue()
    {
        using var model = Model(FineTuneTask.Regression);
        var inputs = Texts.Select(t => new InferenceInput(t, "the pair")).ToList();
        var batched = new BertPredictor(model, batchSize: 3).Classify(inputs);
        var single = new BertPredictor(model, batchSize: 1).Classify(inputs);
        var values = batched.Select(r => r.Value!.Value).ToList();
        for (int i = 0; i < inputs.Count; i++)
        {
            Assert.Equal(nameof(FineTuneTask.Regression), batched[i].Task);
            Assert.Null(batched[i].Label);
            Assert.Empty(batched[i].GetScores());
            Assert.Equal("the pair", batched[i].TextPair);
            Assert.InRange(Math.Abs(values[i] - single[i].Value!.Value), 0, Tolerance);
        }
        Assert.True(values.Distinct().Count() > 1, "every input got the same value");
    }

    [Fact]
    public void PairsAreEncodedWithSegmentsAndCutLongestFirst()
    {
        using var model = Model(FineTuneTask.SequenceClassification, ["x", "y"]);
        var predictor = new BertPredictor(model, maxLength: 12);
        var vocabulary = model.Vocabulary;
        var encoded = predictor.Encode("restart the nginx service on web01 then read the logs", "check cron");
        Assert.True(encoded.Truncated);
        Assert.Equal(12, encoded.Ids.Length);
        Assert.Equal(vocabulary.ClsId, encoded.Ids[0]);
        Assert.Equal(vocabulary.SepId, encoded.Ids[^1]);
        // check cron = 2 tokens: A keeps 12 - 3 - 2 = 7 of its tokens, then [SEP], then B.
        Assert.Equal(vocabulary.Encode("restart the nginx service on web01 then read the logs").Take(7), encoded.Ids.Skip(1).Take(7));
        Assert.Equal(vocabulary.SepId, encoded.Ids[8]);
        Assert.Equal(Enumerable.Repeat(0, 9).Concat(Enumerable.Repeat(1, 3)), encoded.TokenTypes);

        var shortOne = predictor.Encode("check cron");
        Assert.False(shortOne.Truncated);
        Assert.Equal(4, shortOne.Ids.Length);
    }

    [Fact]
    public void DefaultMaxLengthIsTheSmallerOf512AndThePositions()
    {
        using var model = Model(null);
        Assert.Equal(64, new BertPredictor(model).MaxLength);
        Assert.Equal(512, BertPredictor.DefaultMaxLength(new Modeling.BertConfig { MaxPositionEmbeddings = 1024 }));
        AssertError("MaxLengthTooLong", BertAdaptErrorKind.InvalidArgument, () => new BertPredictor(model, maxLength: 65));
        AssertError("SequenceLengthTooShort", BertAdaptErrorKind.InvalidArgument, () => new BertPredictor(model, maxLength: 3));
        var truncated = new BertPredictor(model).Embed([string.Join(' ', Enumerable.Repeat("nginx", 100))]).Single();
        Assert.True(truncated.Truncated);
    }

    [Fact]
    public void HeadsAndTasksMustMatch()
    {
        using var bare = Model(null);
        var inputs = new[] { new InferenceInput("check") };
        AssertError("ModelHasNoClassifier", BertAdaptErrorKind.InvalidOperation, () => new BertPredictor(bare).Classify(inputs));
        AssertError("ModelHasNoClassifier", BertAdaptErrorKind.InvalidOperation, () => new BertPredictor(bare).ClassifyTokens(["check"]));

        using var tagger = Model(FineTuneTask.TokenClassification, ["O", "B-SVC", "I-SVC"]);
        AssertError("ModelTaskMismatch", BertAdaptErrorKind.InvalidArgument, () => new BertPredictor(tagger).Classify(inputs));

        using var classifier = Model(FineTuneTask.SequenceClassification, ["neg", "pos"]);
        AssertError("ModelTaskMismatch", BertAdaptErrorKind.InvalidArgument, () => new BertPredictor(classifier).ClassifyTokens(["check"]));

        // Fill-mask and embeddings need no fine-tuning head.
        Assert.Single(new BertPredictor(bare).Embed(["check"]));
        Assert.Single(new BertPredictor(bare).FillMask(["check [MASK]"]));
    }

    [Fact]
    public void ADisposedModelIsRefused()
    {
        var model = Model(null);
        model.Dispose();
        AssertError("ModelDisposed", BertAdaptErrorKind.InvalidOperation, () => new BertPredictor(model));
    }

    [Fact]
    public void CancellationStopsBeforeTheNextBatch()
    {
        using var model = Model(null);
        using var source = new CancellationTokenSource();
        source.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => new BertPredictor(model, batchSize: 2).Embed(Texts, cancellation: source.Token));
    }

    #endregion

    #region Token classification

    static readonly string[] Tags = ["O", "B-SVC", "I-SVC", "B-HOST", "I-HOST"];

    [Fact]
    public void TokenTagsBatchedEqualOneByOneAndMatchTheFirstPiece()
    {
        using var model = Model(FineTuneTask.TokenClassification, Tags, seed: 7);
        var texts = Texts.Select(t => t + " Zürich-web01!").ToList();
        var batched = new BertPredictor(model, batchSize: 4).ClassifyTokens(texts);
        var single = new BertPredictor(model, batchSize: 1).ClassifyTokens(texts);
        for (int i = 0; i < texts.Count; i++)
        {
            var tokens = OffsetTokenizer.Tokenize(model.Vocabulary, texts[i]);
            var words = batched[i].Words;
            Assert.Equal(tokens.Words.Count, words.Count);
            Assert.False(batched[i].Truncated);
            for (int w = 0; w < words.Count; w++)
            {
                Assert.Equal(texts[i].Substring(words[w].Start, words[w].End - words[w].Start), words[w].Word);
                Assert.Contains(words[w].Tag, Tags);
                Assert.Equal(single[i].Words[w].Tag, words[w].Tag);
                Assert.InRange(Math.Abs(words[w].Score - single[i].Words[w].Score), 0, Tolerance);
            }
            Assert.Equal(BertPredictor.GroupEntities(texts[i], words), batched[i].Entities);
        }

        // The tag of a word is read at its first piece: recompute one text's logits directly.
        var text = texts[0];
        var expected = FirstPieceTags(model, text);
        Assert.Equal(expected, batched[0].Words.Select(w => w.Tag));
    }

    static List<string> FirstPieceTags(BertModel model, string text)
    {
        var tokens = OffsetTokenizer.Tokenize(model.Vocabulary, text);
        var ids = new List<long> { model.Vocabulary.ClsId };
        var first = new List<int>();
        foreach (var word in tokens.Words)
        {
            first.Add(ids.Count);
            ids.AddRange(word.Ids.Select(i => (long)i));
        }
        ids.Add(model.Vocabulary.SepId);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shape = new long[] { 1, ids.Count };
        var best = model.Module.ClassifierLogits(tensor(ids.ToArray(), shape), zeros(shape, ScalarType.Int64), ones(shape, ScalarType.Int64))
            .argmax(2).data<long>().ToArray();
        return first.Select(p => Tags[best[p]]).ToList();
    }

    [Fact]
    public void WordsPastTheMaximumLengthAreLeftOut()
    {
        using var model = Model(FineTuneTask.TokenClassification, Tags);
        // "web01" is 1 token; "xyz" is 3 pieces. MaxLength 8 leaves 6 text positions.
        const string text = "nginx xyz web01 cron redis";
        var result = new BertPredictor(model, maxLength: 8).ClassifyTokens([text]).Single();
        Assert.True(result.Truncated);
        // nginx (1) + xyz (3) + web01 (1) = 5 tokens; cron starts at the 6th and still fits; redis does not.
        Assert.Equal(["nginx", "xyz", "web01", "cron"], result.Words.Select(w => w.Word));
    }

    [Fact]
    public void EntitiesAreGroupedWithOffsetsIntoTheOriginalText()
    {
        const string text = "Restart NGINX on Zürich-web01 , then page Ana María.";
        var vocabulary = TinyFixtures.Vocabulary();
        var tokens = OffsetTokenizer.Tokenize(vocabulary, text);
        var written = tokens.Words.Select((_, i) => tokens.WordText(i)).ToList();
        Assert.Equal(["Restart", "NGINX", "on", "Zürich", "-", "web01", ",", "then", "page", "Ana", "María", "."], written);
        string[] tags = ["O", "B-SVC", "O", "B-HOST", "I-HOST", "I-HOST", "O", "O", "O", "B-PER", "I-PER", "O"];
        double[] scores = [0.9, 0.8, 0.9, 0.6, 0.5, 0.7, 0.9, 0.9, 0.9, 0.4, 0.8, 0.9];
        var words = tokens.Words.Select((w, i) => new PredictedWord(written[i], tags[i], scores[i], w.Start, w.End)).ToList();

        var entities = BertPredictor.GroupEntities(text, words);
        Assert.Equal(3, entities.Length);
        Assert.Equal(new PredictedEntity("SVC", "NGINX", 8, 13, 0.8), entities[0]);
        Assert.Equal("HOST", entities[1].Type);
        Assert.Equal("Zürich-web01", entities[1].Text);
        Assert.Equal((17, 29), (entities[1].Start, entities[1].End));
        Assert.Equal(0.6, entities[1].Score, 12);
        Assert.Equal("Ana María", entities[2].Text);
        Assert.Equal(0.6, entities[2].Score, 12);
        Assert.All(entities, e => Assert.Equal(e.Text, text.Substring(e.Start, e.End - e.Start)));

        // B- B- of one type is two entities; I- after O starts one (the lenient conlleval rules).
        string[] split = ["O", "B-SVC", "O", "I-HOST", "B-HOST", "B-HOST", "O", "O", "O", "O", "O", "O"];
        var again = BertPredictor.GroupEntities(text, words.Select((w, i) => w with { Tag = split[i] }).ToList());
        Assert.Equal(["NGINX", "Zürich", "-", "web01"], again.Select(e => e.Text));
    }

    [Fact]
    public void NonBioTagsGiveWordsButNoEntities()
    {
        using var model = Model(FineTuneTask.TokenClassification, ["NOUN", "VERB", "DET"]);
        var predictor = new BertPredictor(model);
        Assert.False(predictor.TagsAreBio);
        var result = predictor.ClassifyTokens(["restart the nginx service"]).Single();
        Assert.Equal(4, result.Words.Count);
        Assert.Empty(result.Entities);
        using var bio = Model(FineTuneTask.TokenClassification, Tags);
        Assert.True(new BertPredictor(bio).TagsAreBio);
    }

    #endregion

    #region Fill-mask

    [Fact]
    public void FillMaskScoresAreTheMlmHeadsProbabilities()
    {
        using var model = Model(null, seed: 11);
        var vocabulary = model.Vocabulary;
        string[] texts = ["restart the [MASK] service on web01", "[MASK]", "check [MASK] then read the [MASK] logs . if it fails page oncall"];
        var batched = new BertPredictor(model, batchSize: 3).FillMask(texts, top: 4);
        var single = new BertPredictor(model, batchSize: 1).FillMask(texts, top: 4);
        for (int t = 0; t < texts.Length; t++)
        {
            var result = batched[t];
            int masks = texts[t].Split("[MASK]").Length - 1;
            Assert.Equal(masks, result.MaskCount);
            Assert.Equal(masks * 4, result.Candidates.Count);
            Assert.DoesNotContain(result.Candidates, c => vocabulary.SpecialIds.Contains(c.TokenId));
            for (int c = 0; c < result.Candidates.Count; c++)
            {
                var candidate = result.Candidates[c];
                Assert.Equal(c / 4, candidate.Mask);
                Assert.Equal(c % 4 + 1, candidate.Rank);
                Assert.Equal(vocabulary.Tokens[candidate.TokenId], candidate.Token);
                Assert.Equal(single[t].Candidates[c].TokenId, candidate.TokenId);
                Assert.InRange(Math.Abs(candidate.Score - single[t].Candidates[c].Score), 0, Tolerance);
                if (candidate.Rank > 1) Assert.True(candidate.Score <= result.Candidates[c - 1].Score);
            }
        }

        // The first text's scores against the full prediction logits at the mask, computed directly.
        var ids = new List<long> { vocabulary.ClsId };
        ids.AddRange(vocabulary.Encode(texts[0]).Select(i => (long)i));
        ids.Add(vocabulary.SepId);
        int position = ids.IndexOf(vocabulary.MaskId);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var shape = new long[] { 1, ids.Count };
        var (prediction, _) = model.Module.Logits(tensor(ids.ToArray(), shape), zeros(shape, ScalarType.Int64), ones(shape, ScalarType.Int64));
        var probabilities = prediction[0, position].softmax(0).data<float>().ToArray();
        var expected = Enumerable.Range(0, probabilities.Length).Where(i => !vocabulary.SpecialIds.Contains(i))
            .OrderByDescending(i => probabilities[i]).Take(4).ToList();
        Assert.Equal(expected, batched[0].Candidates.Select(c => c.TokenId));
        foreach (var candidate in batched[0].Candidates)
            Assert.InRange(Math.Abs(candidate.Score - probabilities[candidate.TokenId]), 0, 1e-6);
    }

    [Fact]
    public void FillMaskFillsTheOriginalText()
    {
        using var model = Model(null, seed: 2);
        var vocabulary = model.Vocabulary;
        // Make "nginx" and "##z" overwhelmingly likely everywhere by raising their output bias.
        using (no_grad())
        {
            var bias = model.Module.named_parameters().Single(p => p.name == "cls.predictions.bias").parameter;
            bias[vocabulary.IdOf("nginx")!.Value].fill_(50f);
            bias[vocabulary.IdOf("##z")!.Value].fill_(45f);
        }
        const string text = "Restart the  [MASK]  Service, then [MASK]!";
        var result = new BertPredictor(model).FillMask([text], top: 2).Single();
        Assert.Equal(2, result.MaskCount);
        var first = result.Candidates.Where(c => c.Mask == 0).ToList();
        Assert.Equal(["nginx", "##z"], first.Select(c => c.Token));
        Assert.True(first[0].Score > 0.99, $"nginx scored {first[0].Score}");
        Assert.Equal("Restart the  nginx  Service, then [MASK]!", first[0].Sequence);
        Assert.Equal("Restart the  z  Service, then [MASK]!", first[1].Sequence);
        Assert.Equal("Restart the  [MASK]  Service, then nginx!", result.Candidates.First(c => c.Mask == 1).Sequence);
        Assert.Equal("Restart the  nginx  Service, then nginx!", result.Sequence);
    }

    [Fact]
    public void FillMaskRefusesTextsWithoutAReachableMask()
    {
        using var model = Model(null);
        var predictor = new BertPredictor(model, maxLength: 8);
        AssertError("FillMaskNoMask", BertAdaptErrorKind.InvalidArgument, () => predictor.PrepareFillMask("no mask here [ MASK ]"));
        AssertError("FillMaskNoMask", BertAdaptErrorKind.InvalidArgument, () => predictor.FillMask(["restart [MASK]", "none"]));
        // 6 text positions: the mask is the 7th token.
        AssertError("FillMaskMaskTruncated", BertAdaptErrorKind.InvalidArgument, () => predictor.PrepareFillMask("a b c d e f [MASK]"));
        var prepared = predictor.PrepareFillMask("a b c d e [MASK] f g");
        Assert.Equal([6], prepared.MaskPositions);
        Assert.True(prepared.Encoded.Truncated);
        Assert.Throws<ArgumentOutOfRangeException>(() => predictor.FillMask([prepared], top: 0));
        // More candidates than the vocabulary has ordinary tokens: all of them, no more.
        var all = predictor.FillMask([prepared], top: 100_000).Single();
        Assert.Equal(model.Vocabulary.Count - model.Vocabulary.SpecialIds.Count, all.Candidates.Count);
    }

    #endregion

    #region Embeddings

    [Theory]
    [InlineData(EmbeddingPooling.Mean, false)]
    [InlineData(EmbeddingPooling.Mean, true)]
    [InlineData(EmbeddingPooling.Cls, false)]
    [InlineData(EmbeddingPooling.Cls, true)]
    public void EmbeddingsBatchedEqualOneByOne(EmbeddingPooling pooling, bool normalize)
    {
        using var model = Model(null, seed: 4);
        var batched = new BertPredictor(model, batchSize: 4).Embed(Texts, pooling, normalize);
        var single = new BertPredictor(model, batchSize: 1).Embed(Texts, pooling, normalize);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(64, batched[i].Dimensions);
            Assert.Equal(pooling.ToString(), batched[i].Pooling);
            Assert.Equal(normalize, batched[i].Normalized);
            double worst = batched[i].Vector.Zip(single[i].Vector, (a, b) => Math.Abs(a - b)).Max();
            Assert.InRange(worst, 0, Tolerance);
            double norm = Math.Sqrt(batched[i].Vector.Sum(v => (double)v * v));
            if (normalize) Assert.InRange(norm, 1 - 1e-5, 1 + 1e-5);
            else Assert.True(Math.Abs(norm - 1) > 1e-3, $"an unnormalised vector has norm {norm}");
        }
        Assert.NotEqual(batched[0].Vector, batched[2].Vector);
    }

    [Fact]
    public void MeanPoolingAveragesTheRealTokensAndClsTakesTheFirst()
    {
        using var model = Model(null, seed: 6);
        const string text = "restart the nginx service";
        var predictor = new BertPredictor(model);
        var mean = predictor.Embed([text, "x"], EmbeddingPooling.Mean).First().Vector;
        var cls = predictor.Embed([text], EmbeddingPooling.Cls).Single().Vector;
        var ids = predictor.Encode(text).Ids.Select(i => (long)i).ToArray();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shape = new long[] { 1, ids.Length };
        var hidden = model.Module.Bert.Encode(tensor(ids, shape), zeros(shape, ScalarType.Int64), ones(shape, ScalarType.Int64))[0];
        var rows = hidden.data<float>().ToArray();
        int h = 64;
        for (int d = 0; d < h; d++)
        {
            double sum = 0;
            for (int t = 0; t < ids.Length; t++) sum += rows[t * h + d];
            Assert.InRange(Math.Abs(sum / ids.Length - mean[d]), 0, 1e-5);
            Assert.InRange(Math.Abs(rows[d] - cls[d]), 0, 1e-5);
        }
    }

    #endregion
}
