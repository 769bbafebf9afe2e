using System.Diagnostics;
using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Checkpoints.Onnx;
using BertAdapt.Engine.Modeling;
using BertAdapt.Engine.Tokenization;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests.Interop;

/// <summary>
/// A real pretrained BERT (all-MiniLM-L6-v2, exported to ONNX by its publisher) imported through
/// <see cref="OnnxBertReader"/> must compute what ONNX Runtime computes on the same file.
/// <para>
/// The graph's outputs are <c>last_hidden_state</c> [batch, length, 384] and the pooler output
/// (tanh of dense over [CLS], under an anonymous name). Both are compared: the hidden states at
/// every position the attention mask keeps (padding rows differ by design: the export adds
/// −10000 to masked scores, BertAdapt masks them out exactly, and padded rows are never used),
/// and the pooled vector of each row.
/// </para>
/// </summary>
public sealed class MiniLmParityTests(ITestOutputHelper output)
{
    const double Tolerance = 1e-4;

    static readonly string LongParagraph =
        "BERT is a transformer encoder pre-trained on masked language modelling. Domain adaptation continues that "
        + "pre-training on text from a new field — clinical notes, legal contracts, source code, tweets — so that the "
        + "vocabulary's statistics and the contextual representations shift toward the target domain before fine-tuning. "
        + "In 2019, Turc et al. published 24 compact models (e.g. L=2/H=128, L=4/H=256); MiniLM distils a 12-layer teacher "
        + "into 6 layers with hidden size 384, and sentence-transformers tuned it for embeddings on over 1,000,000,000 pairs. ";

    /// <summary>(first segment, optional second segment): short and long, accents, scripts, emoji, punctuation, numbers, pairs.</summary>
    static readonly (string A, string? B)[] Inputs =
    [
        ("Hello world!", null),
        (string.Concat(Enumerable.Repeat(LongParagraph, 3)), null),
        ("The quick brown fox jumps over the lazy dog.", null),
        ("Café crème brûlée à la française, naïve façade, Zürich, Ångström.", null),
        ("東京は日本の首都です。北京是中国的首都。", null),
        ("I ❤️ pizza 🍕 and 🚀 rockets!!! 😀👍🏽", null),
        ("Москва — столица России, а Київ — столиця України.", null),
        ("!!!???...,,,;;;:::---((([[[{{{}}}]]]))) @#$%^&*_+=|\\/<>~`", null),
        ("3.14159 2,718 1e-10 42 007 1,000,000 $99.99 50% 24/7 -273.15°C 0x1F", null),
        ("", null),
        ("a", null),
        ("Ελληνικά, العربية و עברית side by side with हिन्दी and 한국어 (안녕하세요).", null),
        (string.Concat(Enumerable.Repeat("Numbers 12345 and symbols ±×÷ mixed with words. ", 30)), null),
        ("URL: https://example.com/path?query=1&x=2 — mail someone@example.org.", null),
        ("ALL CAPS SHOUTING TEXT WITH MiXeD cAsE", null),
        ("tab\tseparated\nnew lines\r\n and   multiple   spaces", null),
        ("Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis", null),
        ("The patient was prescribed 500mg of amoxicillin twice daily for 7 days.", null),
        ("How old are you?", "I am 25 years old."),
        ("What is the capital of France?", "Paris is the capital and most populous city of France."),
        ("Das ist ein Test.", "Это тест, 這是測試。"),
        ("short", string.Concat(Enumerable.Repeat(LongParagraph, 2))),
        ("🙂", "😢"),
        ("Numbers: 1 2 3 4 5", "Punctuation: ; : ! ? … « » “ ”"),
        (string.Concat(Enumerable.Repeat("Tokenisers split unfamiliar words into word-pieces. ", 12)), "And the second segment is here."),
        ("naïve résumé", "NAÏVE RÉSUMÉ"),
    ];

    sealed record Encoded(long[] Ids, long[] Types);

    static Encoded Encode(BertVocabulary vocabulary, string a, string? b, int maxLength)
    {
        var ids = new List<long> { vocabulary.ClsId };
        ids.AddRange(vocabulary.Encode(a).Select(i => (long)i));
        ids.Add(vocabulary.SepId);
        int firstSegment = ids.Count;
        if (b is not null)
        {
            ids.AddRange(vocabulary.Encode(b).Select(i => (long)i));
            ids.Add(vocabulary.SepId);
        }
        if (ids.Count > maxLength) throw new InvalidOperationException($"Test input of {ids.Count} tokens exceeds {maxLength}.");
        var types = ids.Select((_, i) => i < firstSegment ? 0L : 1L).ToArray();
        return new Encoded([.. ids], types);
    }

    [Fact]
    public void LastHiddenStateMatchesOnnxRuntime()
    {
        var clock = Stopwatch.StartNew();
        var directory = TestAssets.MiniLmDirectory;
        var modelPath = Path.Combine(directory, "model.onnx");
        // The real import path: directory → model.onnx, config inferred from the graph, names mapped.
        using var imported = HfCheckpointDirectory.Import(directory);
        var model = imported.Module;
        var config = imported.Config;
        var vocabulary = imported.Vocabulary;
        Assert.True(vocabulary.LowerCase);
        Assert.Equal(config.VocabSize, vocabulary.Count);
        var loadTime = clock.Elapsed;

        // Every bert.* parameter is filled, the pooler included (this export keeps it), with the
        // layout's shapes; only the heads are new, and position_ids is ignored without a word.
        var layout = StateDictLayout.PreTraining(config);
        var line = Assert.Single(imported.LoadReport);
        var missing = line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..].Split(", ");
        Assert.Equal(layout.Keys.Where(k => k.StartsWith("cls.", StringComparison.Ordinal)).Order(StringComparer.Ordinal), missing);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        foreach (var (name, shape) in layout) Assert.Equal(shape, parameters[name]);

        var encoded = Inputs.Select(x => Encode(vocabulary, x.A, x.B, config.MaxPositionEmbeddings)).ToArray();
        Assert.True(encoded.Length >= 24);
        Assert.Contains(encoded, e => e.Ids.Length >= 200);
        Assert.Contains(encoded, e => e.Types.Contains(1));
        Assert.Contains(encoded, e => e.Ids.Contains(vocabulary.UnknownId));

        using var options = new SessionOptions { IntraOpNumThreads = Math.Max(1, Environment.ProcessorCount) };
        using var session = new InferenceSession(modelPath, options);
        var inputNames = session.InputMetadata.Keys.ToHashSet();
        Assert.Subset(inputNames, new HashSet<string> { "input_ids", "attention_mask" });
        var outputNames = session.OutputMetadata.Keys.ToList();
        Assert.Contains("last_hidden_state", outputNames);
        var pooledName = outputNames.SingleOrDefault(n => n != "last_hidden_state");
        output.WriteLine($"ORT inputs: {string.Join(", ", inputNames)}; outputs: {string.Join(", ", outputNames)}");

        var sessionTime = clock.Elapsed;
        TimeSpan oursTime = TimeSpan.Zero, theirsTime = TimeSpan.Zero;
        double overall = 0, overallPooled = 0;
        var perInput = new double[encoded.Length];
        int[] batchSizes = [5, 1, 4, 3, 6, 2, 5];
        int next = 0;
        foreach (var size in batchSizes.Concat(Enumerable.Repeat(4, encoded.Length)))
        {
            if (next >= encoded.Length) break;
            var batch = encoded.Skip(next).Take(size).ToArray();
            int rows = batch.Length, length = batch.Max(e => e.Ids.Length);
            var ids = new long[rows * length];
            var types = new long[rows * length];
            var mask = new long[rows * length];
            for (int r = 0; r < rows; r++)
            {
                batch[r].Ids.CopyTo(ids, r * length);
                batch[r].Types.CopyTo(types, r * length);
                for (int c = 0; c < batch[r].Ids.Length; c++) mask[r * length + c] = 1;
                for (int c = batch[r].Ids.Length; c < length; c++) ids[r * length + c] = vocabulary.PadId;
            }

            float[] ours, oursPooled;
            var started = clock.Elapsed;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var shape = new long[] { rows, length };
                var hidden = model.Bert.Encode(tensor(ids, shape), tensor(types, shape), tensor(mask, shape));
                Assert.Equal(new long[] { rows, length, config.HiddenSize }, hidden.shape);
                ours = hidden.contiguous().data<float>().ToArray();
                oursPooled = model.Bert.Pool(hidden).contiguous().data<float>().ToArray();
            }

            oursTime += clock.Elapsed - started;
            started = clock.Elapsed;
            var (theirs, theirsPooled) = RunOnnx(session, inputNames, pooledName, ids, types, mask, rows, length);
            theirsTime += clock.Elapsed - started;
            Assert.Equal(ours.Length, theirs.Length);
            int hiddenSize = config.HiddenSize;
            for (int r = 0; r < rows; r++)
            {
                double worst = 0;
                for (int c = 0; c < batch[r].Ids.Length; c++)
                {
                    int at = (r * length + c) * hiddenSize;
                    for (int h = 0; h < hiddenSize; h++)
                    {
                        Assert.True(float.IsFinite(ours[at + h]), $"input {next + r}: non-finite value at position {c}");
                        worst = Math.Max(worst, Math.Abs(ours[at + h] - theirs[at + h]));
                    }
                }
                perInput[next + r] = worst;
                overall = Math.Max(overall, worst);
                if (theirsPooled is not null)
                    for (int h = 0; h < hiddenSize; h++)
                        overallPooled = Math.Max(overallPooled, Math.Abs(oursPooled[r * hiddenSize + h] - theirsPooled[r * hiddenSize + h]));
            }
            // The comparison means something only if the reference values are not trivially small.
            Assert.True(theirs.Max(Math.Abs) > 0.1f, "ONNX Runtime's hidden states are all near zero.");
            next += rows;
        }

        output.WriteLine($"load {loadTime.TotalSeconds:F1} s, ORT session {(sessionTime - loadTime).TotalSeconds:F1} s, "
            + $"BertAdapt forward {oursTime.TotalSeconds:F1} s, ORT forward {theirsTime.TotalSeconds:F1} s");
        for (int i = 0; i < encoded.Length; i++)
            output.WriteLine($"input {i,2}: {encoded[i].Ids.Length,3} tokens, max |diff| = {perInput[i]:E2}");
        var summary = $"MiniLM last_hidden_state parity: {encoded.Length} inputs, max |diff| = {overall:E3}"
            + (pooledName is null ? "" : $"; pooler output '{pooledName}' max |diff| = {overallPooled:E3}")
            + $" ({clock.Elapsed.TotalSeconds:F1} s)";
        output.WriteLine(summary);
        Console.WriteLine(summary);

        for (int i = 0; i < encoded.Length; i++)
            Assert.True(perInput[i] <= Tolerance, $"input {i} ({encoded[i].Ids.Length} tokens): max |diff| {perInput[i]:E3} > {Tolerance:E0}");
        Assert.InRange(overall, 0, Tolerance);
        if (pooledName is not null) Assert.InRange(overallPooled, 0, Tolerance);
    }

    /// <summary>Runs the ONNX graph on one padded batch; returns last_hidden_state and the pooled output (when the graph has one).</summary>
    static (float[] Hidden, float[]? Pooled) RunOnnx(InferenceSession session, IReadOnlySet<string> inputNames, string? pooledName,
        long[] ids, long[] types, long[] mask, int rows, int length)
    {
        var shape = new long[] { rows, length };
        var inputs = new Dictionary<string, OrtValue>();
        try
        {
            inputs["input_ids"] = OrtValue.CreateTensorValueFromMemory(ids, shape);
            inputs["attention_mask"] = OrtValue.CreateTensorValueFromMemory(mask, shape);
            if (inputNames.Contains("token_type_ids")) inputs["token_type_ids"] = OrtValue.CreateTensorValueFromMemory(types, shape);
            var wanted = pooledName is null ? new[] { "last_hidden_state" } : new[] { "last_hidden_state", pooledName };
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, inputs, wanted);
            var hidden = results[0].GetTensorDataAsSpan<float>().ToArray();
            var pooled = pooledName is null ? null : results[1].GetTensorDataAsSpan<float>().ToArray();
            return (hidden, pooled);
        }
        finally
        {
            foreach (var value in inputs.Values) value.Dispose();
        }
    }

    /// <summary>The comparison above can fail: the same model with the second segment's token types zeroed moves the output well past the tolerance.</summary>
    [Fact]
    public void TokenTypesChangeTheOutput()
    {
        var directory = TestAssets.MiniLmDirectory;
        using var imported = HfCheckpointDirectory.Import(Path.Combine(directory, "model.onnx"));
        var (model, config, vocabulary) = (imported.Module, imported.Config, imported.Vocabulary);

        var pair = Encode(vocabulary, "What is the capital of France?", "Paris is the capital of France.", config.MaxPositionEmbeddings);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shape = new long[] { 1, pair.Ids.Length };
        var ids = tensor(pair.Ids, shape);
        var mask = ones(shape, ScalarType.Int64);
        var withTypes = model.Bert.Encode(ids, tensor(pair.Types, shape), mask);
        var withoutTypes = model.Bert.Encode(ids, zeros(shape, ScalarType.Int64), mask);
        double change = (withTypes - withoutTypes).abs().max().item<float>();
        output.WriteLine($"zeroing token types moves last_hidden_state by up to {change:E3}");
        Assert.True(change > 100 * Tolerance, $"token types changed the output by only {change:E3}");
    }
}
