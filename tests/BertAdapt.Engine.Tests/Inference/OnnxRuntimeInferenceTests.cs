using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Inference;

namespace BertAdapt.Engine.Tests.Inference;

/// <summary>
/// <see cref="InferenceRuntime.OnnxRuntime"/>: every task's results equal the libtorch runtime's
/// within 1e-4 (the bound against ONNX Runtime), at batch 1 and in sorted batches of 32,
/// with text pairs (token types matter) and empty texts, for each head kind.
/// </summary>
public sealed class OnnxRuntimeInferenceTests
{
    const double Tolerance = 1e-4;

    static readonly string[] Words = ["restart", "the", "nginx", "service", "on", "web01", "check", "disk", "then", "read", "logs", ".", "page", "oncall", "zzz"];

    /// <summary>41 texts of 0 to about 30 words, in a scrambled order, empty ones included.</summary>
    static readonly string[] Texts = Enumerable.Range(0, 41).Select(i => (i * 17) % 41).Select(n => n % 7 == 3 ? ""
        : string.Join(' ', Enumerable.Range(0, n % 19 + (n % 3) * 5).Select(w => Words[(n + w * 4) % Words.Length]))).ToArray();

    static BertModel Model(FineTuneTask? task, IReadOnlyList<string>? labels = null)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var model = BertModel.Create(TinyFixtures.Config(vocabulary.Count), vocabulary, 3, "test");
        if (task is FineTuneTask t) model.AddTaskHead(t, labels ?? [], 4);
        return model;
    }

    static BertPredictor OnOnnx(BertModel model, int batch) =>
        new(model, batchSize: batch, sortWindow: batch * 4, runtime: InferenceRuntime.OnnxRuntime);

    public static TheoryData<int> Batches => new() { 1, 32 };

    [Theory]
    [MemberData(nameof(Batches))]
    public void EmbeddingsEqualLibTorchs(int batch)
    {
        using var model = Model(null);
        using var onnx = OnOnnx(model, batch);
        Assert.Equal(InferenceRuntime.OnnxRuntime, onnx.Runtime);
        var torch = new BertPredictor(model, batchSize: 1);
        foreach (var (pooling, normalize) in new[] { (EmbeddingPooling.Mean, false), (EmbeddingPooling.Cls, false), (EmbeddingPooling.Mean, true) })
        {
            var expected = torch.Embed(Texts, pooling, normalize);
            var actual = onnx.Embed(Texts, pooling, normalize);
            for (int i = 0; i < Texts.Length; i++)
            {
                Assert.Equal(Texts[i], actual[i].Text);
                Assert.InRange(MaxDiff(actual[i].Vector, expected[i].Vector), 0, Tolerance);
            }
        }
    }

    [Fact]
    public void EmbeddingsOfAModelWithATaskHeadComeFromItsEncoder()
    {
        using var model = Model(FineTuneTask.SequenceClassification, ["a", "b"]);
        using var onnx = OnOnnx(model, 8);
        var expected = new BertPredictor(model).Embed(Texts);
        var actual = onnx.Embed(Texts);
        for (int i = 0; i < Texts.Length; i++) Assert.InRange(MaxDiff(actual[i].Vector, expected[i].Vector), 0, Tolerance);
    }

    [Theory]
    [InlineData(FineTuneTask.SequenceClassification, 1)]
    [InlineData(FineTuneTask.SequenceClassification, 32)]
    [InlineData(FineTuneTask.MultiLabelClassification, 32)]
    [InlineData(FineTuneTask.Regression, 32)]
    public void SequenceHeadsEqualLibTorchs(FineTuneTask task, int batch)
    {
        using var model = Model(task, task == FineTuneTask.Regression ? [] : ["a", "b", "c"]);
        // Pairs: their second text has token type 1, so a runtime that dropped the types would differ.
        var inputs = Texts.Select((t, i) => new InferenceInput(t, i % 3 == 1 ? Texts[(i + 5) % Texts.Length] + " web01" : null)).ToList();
        var expected = new BertPredictor(model, batchSize: 1).Classify(inputs);
        using var onnx = OnOnnx(model, batch);
        var actual = onnx.Classify(inputs);
        for (int i = 0; i < inputs.Count; i++)
        {
            Assert.Equal(inputs[i].TextPair, actual[i].TextPair);
            if (task == FineTuneTask.Regression) Assert.InRange(Math.Abs(actual[i].Value!.Value - expected[i].Value!.Value), 0, Tolerance);
            else Assert.InRange(MaxDiff(actual[i].GetScores().Select(s => s.Score), expected[i].GetScores().Select(s => s.Score)), 0, Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void TokenTagsEqualLibTorchs(int batch)
    {
        using var model = Model(FineTuneTask.TokenClassification, ["O", "B-HOST", "I-HOST"]);
        var expected = new BertPredictor(model, batchSize: 1).ClassifyTokens(Texts);
        using var onnx = OnOnnx(model, batch);
        var actual = onnx.ClassifyTokens(Texts);
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(expected[i].Words.Select(w => w.Word), actual[i].Words.Select(w => w.Word));
            Assert.InRange(MaxDiff(actual[i].Words.Select(w => w.Score), expected[i].Words.Select(w => w.Score)), 0, Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void FillMaskEqualsLibTorchs(int batch)
    {
        using var model = Model(null);
        var texts = Texts.Select((t, i) => t.Length == 0 ? "[MASK]" : i % 2 == 0 ? "[MASK] " + t : t + " [MASK] the [MASK]").ToArray();
        var expected = new BertPredictor(model, batchSize: 1).FillMask(texts, top: 4);
        using var onnx = OnOnnx(model, batch);
        var actual = onnx.FillMask(texts, top: 4);
        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i].Candidates.Count, actual[i].Candidates.Count);
            Assert.InRange(MaxDiff(actual[i].Candidates.Select(c => c.Score), expected[i].Candidates.Select(c => c.Score)), 0, Tolerance);
        }
    }

    [Fact]
    public void AModelWithoutAHeadStillSaysSo()
    {
        using var model = Model(null);
        using var onnx = OnOnnx(model, 4);
        var error = Assert.Throws<BertAdaptException>(() => onnx.Classify([new InferenceInput("restart the service")]));
        Assert.Equal("ModelHasNoClassifier", error.ErrorId);
    }

    [Fact]
    public void TheSessionIsBuiltFromTheWeightsAtTheFirstBatch()
    {
        // A second predictor after the weights change sees the change: nothing is cached on the model.
        using var model = Model(null);
        string[] texts = ["restart the nginx service"];
        float before;
        using (var first = OnOnnx(model, 1)) before = first.Embed(texts)[0].Vector[0];
        using (TorchSharp.torch.no_grad())
            foreach (var (name, parameter) in model.GetModule().named_parameters())
                if (name.EndsWith("output.LayerNorm.bias", StringComparison.Ordinal)) parameter.add_(0.5f);
        using var second = OnOnnx(model, 1);
        var after = second.Embed(texts)[0].Vector[0];
        Assert.InRange(Math.Abs(after - before), 0.1, double.MaxValue);
        Assert.InRange(Math.Abs(after - new BertPredictor(model).Embed(texts)[0].Vector[0]), 0, Tolerance);
    }

    static double MaxDiff(IEnumerable<float> a, IEnumerable<float> b) => MaxDiff(a.Select(x => (double)x), b.Select(x => (double)x));

    static double MaxDiff(IEnumerable<double> a, IEnumerable<double> b)
    {
        var x = a.ToArray();
        var y = b.ToArray();
        Assert.Equal(x.Length, y.Length);
        double max = 0;
        for (int i = 0; i < x.Length; i++) max = Math.Max(max, Math.Abs(x[i] - y[i]));
        return max;
    }
}
