using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Data.Corpora;
using BertAdapt.Engine.Tokenization;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests;

public sealed class VocabularyExtensionTests : IDisposable
{
    const string WordEmbeddings = "bert.embeddings.word_embeddings.weight", MlmBias = "cls.predictions.bias";

    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-vocab-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    /// <summary>A tiny model whose MLM bias is random, so copying and averaging it is actually tested.</summary>
    static BertModel TinyModel()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var model = BertModel.Create(TinyFixtures.Config(vocabulary.Count), vocabulary, seed: 1, "test");
        using var noGrad = no_grad();
        manual_seed(3);
        Parameters(model)[MlmBias].copy_(randn(vocabulary.Count));
        return model;
    }

    static Dictionary<string, Tensor> Parameters(BertModel model) =>
        model.Module.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);

    static Dictionary<string, float[]> Snapshot(BertModel model) =>
        Parameters(model).ToDictionary(p => p.Key, p => p.Value.data<float>().ToArray(), StringComparer.Ordinal);

    [Fact]
    public void NewRowsAreTheMeanOfTheOldPiecesAndEverythingElseIsBitIdentical()
    {
        using var model = TinyModel();
        int oldCount = model.Vocabulary.Count, hidden = model.Config.HiddenSize;
        long oldParameters = model.ParameterCount;
        var before = Snapshot(model);
        var pieces = new[] { "systemctl", "journalctl" }.Select(w => model.Vocabulary.Encode(w).ToArray()).ToList();
        Assert.All(pieces, p => Assert.True(p.Length > 1));

        var added = model.ExtendVocabulary(["systemctl", "Journalctl"]);

        Assert.Equal(["systemctl", "journalctl"], added);
        Assert.Equal(oldCount + 2, model.Vocabulary.Count);
        Assert.Equal(oldCount + 2, model.Config.VocabSize);
        Assert.Equal(oldParameters + 2 * (hidden + 1), model.ParameterCount);
        var after = Snapshot(model);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        foreach (var (name, values) in before)
        {
            // Old values must survive bit for bit: the leading part (all of it, for unresized tensors).
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), after[name].Take(values.Length).Select(BitConverter.SingleToInt32Bits));
        }
        for (int i = 0; i < 2; i++)
        {
            var row = after[WordEmbeddings].Skip((oldCount + i) * hidden).Take(hidden).ToArray();
            for (int d = 0; d < hidden; d++)
            {
                double mean = pieces[i].Average(id => before[WordEmbeddings][id * hidden + d]);
                Assert.Equal(mean, row[d], 1e-6);
            }
            Assert.Equal(pieces[i].Average(id => before[MlmBias][id]), after[MlmBias][oldCount + i], 1e-6);
        }
    }

    [Fact]
    public void TheNewWordTokenizesToItsOwnIdAndTheModelStillRuns()
    {
        using var model = TinyModel();
        int id = model.Vocabulary.Count;
        model.ExtendVocabulary(["systemctl"]);

        Assert.Equal([id], model.Vocabulary.Encode("systemctl"));
        Assert.Equal([id], model.Vocabulary.Encode("SystemCTL"));
        Assert.Contains(id, model.Vocabulary.Encode("restart nginx then systemctl status"));
        Assert.Equal(id, model.Vocabulary.IdOf("systemctl"));

        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { model.Vocabulary.ClsId, id, model.Vocabulary.MaskId, model.Vocabulary.SepId }, [1, 4]);
        var losses = model.Module.Losses(ids, zeros_like(ids), ones_like(ids), tensor(new long[] { 2 }), tensor(new long[] { id }));
        Assert.True(float.IsFinite(losses.Mlm.item<float>()));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("two words")]
    [InlineData("sys-ctl")]
    [InlineData("a.b")]
    [InlineData("[NEW]")]
    [InlineData("##ctl")]
    [InlineData("日本")]
    public void TokensTheTokenizerCouldNeverProduceAreRejectedAndNothingChanges(string token)
    {
        using var model = TinyModel();
        var module = model.Module;
        int count = model.Vocabulary.Count;
        var ex = Assert.Throws<BertAdaptException>(() => model.ExtendVocabulary(["fine", token]));
        Assert.Equal("VocabularyTokenInvalid", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.InvalidArgument, ex.Kind);
        Assert.Same(module, model.Module);
        Assert.Equal(count, model.Vocabulary.Count);
    }

    [Fact]
    public void TokensAlreadyPresentOrRepeatedAreSkippedAndAccentsStripped()
    {
        using var model = TinyModel();
        var plan = VocabularyPlan.For(model.Vocabulary, ["nginx", "NGINX", " Café ", "cafe", "kubectl"]);
        Assert.Equal(["cafe", "kubectl"], plan.Added);
        Assert.Equal(["nginx", "nginx", "cafe"], plan.Skipped);
        var skipped = new List<string>();
        var added = model.ExtendVocabulary(["nginx", "NGINX", " Café ", "cafe", "kubectl"], skipped.Add);
        Assert.Equal(["cafe", "kubectl"], added);
        Assert.Equal(["nginx", "nginx", "cafe"], skipped);

        var module = model.Module;
        Assert.Empty(model.ExtendVocabulary(["kubectl"], skipped.Add));
        Assert.Same(module, model.Module);
    }

    /// <summary>
    /// An added word is normalised as Encode normalises text (composed, and for an uncased
    /// vocabulary lower-cased per character in full and stripped of accents), so the new row is
    /// the one Encode emits for the word however it is written.
    /// </summary>
    [Theory]
    [InlineData(false, "Cafe\u0301", "Caf\u00E9", "Caf\u00E9")]                   // decomposed accent, cased: composed (NFC)
    [InlineData(false, "A\u030Angstro\u0308m", "\u00C5ngstr\u00F6m", "\u00C5ngstr\u00F6m")]
    [InlineData(true, "\u0130ZM\u0130R", "izmir", "Izmir")]                       // İ lower-cases to i + U+0307, which stripping removes
    [InlineData(true, "CAFE\U0001D167", "cafe", "cafe")]                           // a non-spacing mark outside the BMP is stripped too
    [InlineData(true, "\U00010414\U0001042F\U00010445", "\U0001043C\U0001042F\U00010445", "\U0001043C\U0001042F\U00010445")] // a Deseret capital, outside the BMP
    public void AddedWordsAreNormalisedAsEncodeNormalisesText(bool lowerCase, string token, string expected, string written)
    {
        var vocabulary = BertVocabulary.FromText(TinyFixtures.VocabularyText(), lowerCase, "tiny");
        using var model = BertModel.Create(TinyFixtures.Config(vocabulary.Count), vocabulary, seed: 1, "test");
        int id = vocabulary.Count;
        Assert.Equal(VocabularyPlan.For(vocabulary, [token]).Added, [expected]);

        Assert.Equal([expected], model.ExtendVocabulary([token]));

        Assert.Equal(id, model.Vocabulary.IdOf(expected));
        Assert.Equal([id], model.Vocabulary.Encode(token));
        Assert.Equal([id], model.Vocabulary.Encode(written));
        Assert.Equal(["x", expected], model.Vocabulary.Encode($"x {token}").Select(i => model.Vocabulary.Tokens[i]));
    }

    [Fact]
    public void ExtendedModelsSurviveExportAndImport()
    {
        using var model = TinyModel();
        model.ExtendVocabulary(["systemctl"]);
        int id = model.Vocabulary.Count - 1;
        var directory = Path.Combine(temp, "extended");
        HfCheckpointDirectory.Export(model, directory, force: false);
        using var imported = HfCheckpointDirectory.Import(directory);
        Assert.Equal(model.Vocabulary.Count, imported.Config.VocabSize);
        Assert.Equal([id], imported.Vocabulary.Encode("systemctl"));
        Assert.Empty(imported.LoadReport);
        foreach (var name in new[] { WordEmbeddings, MlmBias })
            Assert.True(Parameters(model)[name].eq(Parameters(imported)[name]).all().item<bool>(), name);
    }

    [Fact]
    public void TheReportRanksWordsByTokensSaved()
    {
        var path = Path.Combine(temp, "runbook.txt");
        var lines = new List<string>();
        for (int i = 0; i < 6; i++) lines.Add("Run Systemctl, then systemctl status nginx.");
        for (int i = 0; i < 3; i++) lines.Add("journalctl -u nginx");
        for (int i = 0; i < 20; i++) lines.Add("ab the ab");
        File.WriteAllText(path, string.Join("\n", lines));
        var vocabulary = TinyFixtures.Vocabulary();

        var report = FragmentationReport.FromCorpus([path], vocabulary, minCount: 5);

        // systemctl: 12 × 8 saved = 96; ab: 40 × 1 = 40; status: 6 × 5 = 30; run: 6 × 2 = 12.
        Assert.Equal(["systemctl", "ab", "status", "run"], report.Select(r => r.Word));
        var top = report[0];
        Assert.Equal(12, top.Count);
        Assert.Equal(["s", "##y", "##s", "##t", "##e", "##m", "##c", "##t", "##l"], top.Pieces);
        Assert.Equal(9, top.PieceCount);
        Assert.Equal(96, top.TokensSaved);
        Assert.DoesNotContain(report, r => r.Word == "journalctl"); // 3 < minCount
        Assert.Single(FragmentationReport.FromCorpus([path], vocabulary, minCount: 5, top: 1));
        Assert.Contains(FragmentationReport.FromCorpus([path], vocabulary, minCount: 1), r => r.Word == "journalctl");
    }
}
