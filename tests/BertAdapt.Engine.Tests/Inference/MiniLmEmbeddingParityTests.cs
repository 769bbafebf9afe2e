using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Inference;
using BertAdapt.Engine.Tests.Interop;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace BertAdapt.Engine.Tests.Inference;

/// <summary>
/// Sentence embeddings of the imported MiniLM (the engine call behind Get-BertEmbedding, mean
/// pooling) against ONNX Runtime on the same model.onnx: its <c>last_hidden_state</c> mean-pooled
/// here over the attention mask, for the same token ids. Both sides run padded batches, grouped
/// differently (5 and 7 rows here, 4 there), so each input meets different padding on each side.
/// </summary>
/// <remarks>Fill-mask is not checked on MiniLM: the export has no trained MLM head (it is initialised on import).</remarks>
public sealed class MiniLmEmbeddingParityTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    static readonly string[] Texts =
    [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The girl is carrying a baby.",
        "A man is riding a horse.",
        "A woman is playing violin.",
        "Two men pushed carts through the woods.",
        "A man is riding a white horse on an enclosed ground.",
        "A monkey is playing drums.",
        "Someone in a gorilla costume is playing a set of drums.",
        "",
        "a",
        "Café crème brûlée à la française, naïve façade, Zürich, Ångström.",
        "東京は日本の首都です。北京是中国的首都。",
        "I ❤️ pizza 🍕 and 🚀 rockets!!! 😀👍🏽",
        "Москва — столица России, а Київ — столиця України.",
        "3.14159 2,718 1e-10 42 007 1,000,000 $99.99 50% 24/7 -273.15°C 0x1F",
        "URL: https://example.com/path?query=1&x=2 — mail someone@example.org.",
        "The patient was prescribed 500mg of amoxicillin twice daily for 7 days.",
        string.Concat(Enumerable.Repeat("Domain adaptation continues pre-training on text from a new field. ", 12)),
        "Supercalifragilisticexpialidocious antidisestablishmentarianism",
        "restart the nginx service on web01 then read the logs",
        "ALL CAPS SHOUTING TEXT WITH MiXeD cAsE",
        string.Concat(Enumerable.Repeat("Numbers 12345 and symbols mixed with words. ", 100)), // past 512 tokens: truncated
        "How old are you?",
    ];

    /// <remarks>With <see cref="InferenceRuntime.OnnxRuntime"/>, BertAdapt runs its own export of the imported weights, not the package's file.</remarks>
    [Theory]
    [InlineData(InferenceRuntime.LibTorch)]
    [InlineData(InferenceRuntime.OnnxRuntime)]
    public void MeanPooledEmbeddingsMatchOnnxRuntime(InferenceRuntime runtime)
    {
        var directory = TestAssets.MiniLmDirectory;
        using var model = HfCheckpointDirectory.Import(directory);
        using var predictor = new BertPredictor(model, batchSize: 5, runtime: runtime);
        var ours = predictor.Embed(Texts, EmbeddingPooling.Mean);
        using var normalizing = new BertPredictor(model, batchSize: 7, runtime: runtime);
        var normalized = normalizing.Embed(Texts, EmbeddingPooling.Mean, normalize: true);
        Assert.True(Texts.Length >= 20);
        Assert.Contains(ours, r => r.Truncated);

        using var options = new SessionOptions { IntraOpNumThreads = Math.Max(1, Environment.ProcessorCount) };
        using var session = new InferenceSession(Path.Combine(directory, "model.onnx"), options);
        bool hasTypes = session.InputMetadata.ContainsKey("token_type_ids");
        var encoded = Texts.Select(t => predictor.Encode(t).Ids.Select(id => (long)id).ToArray()).ToArray();
        var reference = new List<double[]>();
        for (int start = 0; start < encoded.Length; start += 4)
            reference.AddRange(MeanPooledOnnx(session, hasTypes, encoded.Skip(start).Take(4).ToArray(), model.Vocabulary.PadId));
        double worst = 0, worstNormalized = 0;
        for (int i = 0; i < Texts.Length; i++)
        {
            var expected = reference[i];
            Assert.Equal(expected.Length, ours[i].Dimensions);
            Assert.True(expected.Max(Math.Abs) > 0.05, $"input {i}: the reference vector is near zero");
            double diff = expected.Zip(ours[i].Vector, (a, b) => Math.Abs(a - b)).Max();
            double norm = Math.Sqrt(expected.Sum(v => v * v));
            double diffNormalized = expected.Zip(normalized[i].Vector, (a, b) => Math.Abs(a / norm - b)).Max();
            output.WriteLine($"input {i,2}: {encoded[i].Length,3} tokens, max |diff| = {diff:E2}, normalised {diffNormalized:E2}");
            worst = Math.Max(worst, diff);
            worstNormalized = Math.Max(worstNormalized, diffNormalized);
        }
        var summary = $"MiniLM mean-pooled embedding parity ({runtime}): {Texts.Length} inputs, batches of 5, max |diff| = {worst:E3} (L2-normalised: {worstNormalized:E3})";
        output.WriteLine(summary);
        Console.WriteLine(summary);
        Assert.InRange(worst, 0, Tolerance);
        Assert.InRange(worstNormalized, 0, Tolerance);
    }

    /// <summary>The embeddings carry meaning: a paraphrase is closer than an unrelated sentence (a check that could fail for a mis-imported model).</summary>
    [Fact]
    public void ParaphrasesAreCloserThanUnrelatedSentences()
    {
        using var model = HfCheckpointDirectory.Import(TestAssets.MiniLmDirectory);
        var vectors = new BertPredictor(model).Embed(
            ["A man is eating food.", "A man is eating a piece of bread.", "A monkey is playing drums."], normalize: true);
        double Cosine(int a, int b) => vectors[a].Vector.Zip(vectors[b].Vector, (x, y) => (double)x * y).Sum();
        output.WriteLine($"paraphrase {Cosine(0, 1):F3}, unrelated {Cosine(0, 2):F3}");
        Assert.True(Cosine(0, 1) > Cosine(0, 2) + 0.3, $"paraphrase {Cosine(0, 1):F3} vs unrelated {Cosine(0, 2):F3}");
    }

    /// <summary>One padded batch through ONNX Runtime; each row's last_hidden_state averaged over its attention mask.</summary>
    static List<double[]> MeanPooledOnnx(InferenceSession session, bool hasTypes, long[][] rows, long padId)
    {
        int length = rows.Max(r => r.Length);
        var shape = new long[] { rows.Length, length };
        var ids = new long[rows.Length * length];
        var mask = new long[ids.Length];
        Array.Fill(ids, padId);
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r].CopyTo(ids, r * length);
            for (int c = 0; c < rows[r].Length; c++) mask[r * length + c] = 1;
        }
        var inputs = new Dictionary<string, OrtValue>
        {
            ["input_ids"] = OrtValue.CreateTensorValueFromMemory(ids, shape),
            ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(mask, shape),
        };
        if (hasTypes) inputs["token_type_ids"] = OrtValue.CreateTensorValueFromMemory(new long[ids.Length], shape);
        try
        {
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs, ["last_hidden_state"]);
            var hidden = results[0].GetTensorDataAsSpan<float>();
            int size = hidden.Length / ids.Length;
            var pooled = new List<double[]>(rows.Length);
            for (int r = 0; r < rows.Length; r++)
            {
                var sum = new double[size];
                double count = 0;
                for (int c = 0; c < length; c++)
                {
                    if (mask[r * length + c] == 0) continue;
                    count++;
                    for (int h = 0; h < size; h++) sum[h] += hidden[(r * length + c) * size + h];
                }
                for (int h = 0; h < size; h++) sum[h] /= count;
                pooled.Add(sum);
            }
            return pooled;
        }
        finally
        {
            foreach (var value in inputs.Values) value.Dispose();
        }
    }
}
