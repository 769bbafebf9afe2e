using BertAdapt.Engine.Checkpoints;
using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Evaluation;
using BertAdapt.Engine.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace BertAdapt.Engine.Tests.FineTuning;

/// <summary>
/// Each fine-tuning task on a small labelled set with a learnable signal, trained from a fresh
/// tiny model: the trained model must beat the best constant prediction by a wide margin, and
/// the same run on shuffled training labels must not (so the check can fail).
/// </summary>
public sealed class FineTuneTrainingTests(ITestOutputHelper output) : IDisposable
{
    static readonly string[] Services = ["nginx", "postgres", "redis", "spooler", "sshd", "cron"];
    static readonly string[] Verbs = ["restart", "stop", "start", "check", "reload"];
    static readonly string[] Hosts = ["web01", "web02", "db01", "cache01", "files01"];
    readonly string temp = Path.Combine(Path.GetTempPath(), $"bertadapt-finetune-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
    }

    static BertModel TinyModel(long seed = 5)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        return BertModel.Create(TinyFixtures.Config(vocabulary.Count), vocabulary, seed, "test");
    }

    static FineTuneOptions Options(FineTuneTask task, int epochs = 8) => new()
    {
        Task = task, Epochs = epochs, BatchSize = 16, LearningRate = 1e-3, WarmupRatio = 0.1, Seed = 3,
    };

    static string Sentence(Random random, string verb, string service, string host) =>
        $"{verb} {service} on {host} then read logs{(random.Next(2) == 0 ? " and page oncall team" : "")}";

    /// <summary>The verb decides the class: restart, power (stop/start) or inspect (check/reload).</summary>
    static List<LabeledRow> ClassificationRows(int count, int seed, bool shuffleLabels = false)
    {
        var random = new Random(seed);
        var rows = new List<LabeledRow>();
        for (int i = 0; i < count; i++)
        {
            var verb = Verbs[random.Next(Verbs.Length)];
            var label = verb switch { "restart" => "restart", "stop" or "start" => "power", _ => "inspect" };
            rows.Add(new LabeledRow(Sentence(random, verb, Services[random.Next(6)], Hosts[random.Next(5)]), null, label, $"test:{i + 1}"));
        }
        if (shuffleLabels)
        {
            var labels = rows.Select(r => r.Label).OrderBy(_ => random.Next()).ToList();
            rows = rows.Select((r, i) => r with { Label = labels[i] }).ToList();
        }
        return rows;
    }

    FineTuneResult Train(BertModel model, FineTuneTask task, IFineTuneExamples train, IFineTuneExamples validation, FineTuneOptions? options = null)
    {
        var result = FineTuneTrainer.Train(model, train, validation, options ?? Options(task), new TrainingCallbacks());
        foreach (var e in result.Evaluations)
            output.WriteLine($"{task} epoch {e.Epoch} step {e.Step}: train loss {e.TrainLoss:F3}, validation loss {e.ValidationLoss:F3}, {e.Metric} {e.Score:F3} (constant baseline {e.BaselineScore:F3})");
        return result;
    }

    [Fact]
    public void SequenceClassificationLearnsTheSignal_AndNotFromShuffledLabels()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var trainRows = ClassificationRows(240, 1);
        var labels = LabelMap.FromTraining(trainRows, FineTuneTask.SequenceClassification);
        var validation = FineTuneExamples.FromRows(ClassificationRows(90, 2), FineTuneTask.SequenceClassification, labels, vocabulary);
        var gold = Enumerable.Range(0, (int)validation.Count).Select(i => validation.Get(i).ClassLabel).ToList();
        double majority = ClassificationMetrics.MajorityBaselineAccuracy(gold);

        using var model = TinyModel();
        model.AddTaskHead(FineTuneTask.SequenceClassification, labels.Labels, seed: 1);
        var result = Train(model, FineTuneTask.SequenceClassification,
            FineTuneExamples.FromRows(trainRows, FineTuneTask.SequenceClassification, labels, vocabulary), validation);
        var last = result.Evaluations[^1];
        Assert.Equal(8, result.Evaluations.Count); // one per epoch
        Assert.Equal("macro-F1", last.Metric);
        Assert.True(last.Accuracy >= 0.9, $"accuracy {last.Accuracy:F3}");
        Assert.True(last.Accuracy >= majority + 0.4, $"accuracy {last.Accuracy:F3} vs majority {majority:F3}");
        Assert.True(last.MacroF1 >= last.BaselineScore + 0.5);
        Assert.Equal(3, ((ClassificationReport)last.Report!).PerClass.Count);

        using var control = TinyModel();
        control.AddTaskHead(FineTuneTask.SequenceClassification, labels.Labels, seed: 1);
        var shuffled = Train(control, FineTuneTask.SequenceClassification,
            FineTuneExamples.FromRows(ClassificationRows(240, 1, shuffleLabels: true), FineTuneTask.SequenceClassification, labels, vocabulary), validation);
        Assert.True(shuffled.Evaluations.Max(e => e.Accuracy!.Value) < 0.7, $"shuffled labels reached {shuffled.Evaluations.Max(e => e.Accuracy):F3}");
    }

    [Fact]
    public void GroupingByLengthCutsThePaddingEveryStepReports()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var random = new Random(4);
        // One to five sentences per row: 12 to 70 tokens, so batches padded to their longest waste a lot.
        var rows = ClassificationRows(160, 1).Select(r => r with { Text = string.Join(" ", Enumerable.Repeat(r.Text, random.Next(1, 6))) }).ToList();
        var labels = LabelMap.FromTraining(rows, FineTuneTask.SequenceClassification);
        var train = FineTuneExamples.FromRows(rows, FineTuneTask.SequenceClassification, labels, vocabulary);
        double Padding(bool group)
        {
            using var model = TinyModel();
            model.AddTaskHead(FineTuneTask.SequenceClassification, labels.Labels, seed: 1);
            var result = FineTuneTrainer.Train(model, train, null, Options(FineTuneTask.SequenceClassification, epochs: 1) with { GroupByLength = group },
                new TrainingCallbacks());
            Assert.Equal(10, model.History.Count);
            Assert.All(model.History, m => Assert.InRange(m.PaddingFraction!.Value, 0, 1));
            // The run's figure is the position-weighted mean of the steps'.
            Assert.InRange(result.PaddingFraction, model.History.Min(m => m.PaddingFraction!.Value), model.History.Max(m => m.PaddingFraction!.Value));
            return result.PaddingFraction;
        }
        double plain = Padding(false), grouped = Padding(true);
        output.WriteLine($"padding: shuffled batches {plain:P1}, grouped by length {grouped:P1}");
        Assert.True(plain > 0.25, $"shuffled padding {plain:P1}");
        Assert.True(grouped < plain / 3, $"grouped padding {grouped:P1} vs shuffled {plain:P1}");
    }

    [Fact]
    public void MultiLabelClassificationFindsEveryServiceMentioned_AndNotFromShuffledLabels()
    {
        static List<LabeledRow> Rows(int count, int seed, bool shuffle = false)
        {
            var random = new Random(seed);
            string[] services = ["nginx", "postgres", "redis"];
            var rows = new List<LabeledRow>();
            for (int i = 0; i < count; i++)
            {
                var chosen = services.Where(_ => random.Next(2) == 0).ToList();
                if (chosen.Count == 0) chosen.Add(services[random.Next(3)]);
                var text = $"{Verbs[random.Next(5)]} {string.Join(" and ", chosen)} on {Hosts[random.Next(5)]}";
                rows.Add(new LabeledRow(text, null, string.Join("|", chosen), $"test:{i + 1}") { Labels = chosen });
            }
            if (shuffle)
            {
                var sets = rows.Select(r => r.Labels).OrderBy(_ => random.Next()).ToList();
                rows = rows.Select((r, i) => r with { Label = string.Join("|", sets[i]), Labels = sets[i] }).ToList();
            }
            return rows;
        }
        var vocabulary = TinyFixtures.Vocabulary();
        var trainRows = Rows(240, 3);
        var labels = LabelMap.FromTraining(trainRows, FineTuneTask.MultiLabelClassification);
        using var model = TinyModel();
        model.AddTaskHead(FineTuneTask.MultiLabelClassification, labels.Labels, seed: 1);
        Assert.Equal("multi_label_classification", model.Config.ProblemType);
        var result = Train(model, FineTuneTask.MultiLabelClassification,
            FineTuneExamples.FromRows(trainRows, FineTuneTask.MultiLabelClassification, labels, vocabulary),
            FineTuneExamples.FromRows(Rows(90, 4), FineTuneTask.MultiLabelClassification, labels, vocabulary),
            Options(FineTuneTask.MultiLabelClassification, epochs: 20));
        var last = result.Evaluations[^1];
        Assert.True(last.MicroF1 >= 0.9, $"micro-F1 {last.MicroF1:F3}");
        Assert.True(last.MicroF1 >= last.BaselineScore + 0.2, $"micro-F1 {last.MicroF1:F3} vs constant {last.BaselineScore:F3}");
        Assert.True(last.SubsetAccuracy >= 0.75, $"subset accuracy {last.SubsetAccuracy:F3}");

        using var control = TinyModel();
        control.AddTaskHead(FineTuneTask.MultiLabelClassification, labels.Labels, seed: 1);
        var shuffled = Train(control, FineTuneTask.MultiLabelClassification,
            FineTuneExamples.FromRows(Rows(240, 3, shuffle: true), FineTuneTask.MultiLabelClassification, labels, vocabulary),
            FineTuneExamples.FromRows(Rows(90, 4), FineTuneTask.MultiLabelClassification, labels, vocabulary),
            Options(FineTuneTask.MultiLabelClassification, epochs: 20));
        Assert.True(shuffled.Evaluations.Max(e => e.SubsetAccuracy!.Value) < 0.5, $"shuffled labels reached subset accuracy {shuffled.Evaluations.Max(e => e.SubsetAccuracy):F3}");
    }

    [Fact]
    public void RegressionTracksTheTarget_AndNotShuffledTargets()
    {
        static List<LabeledRow> Rows(int count, int seed, bool shuffle = false)
        {
            var random = new Random(seed);
            var rows = new List<LabeledRow>();
            for (int i = 0; i < count; i++)
            {
                int verb = random.Next(5);
                double value = verb + 1 + (random.NextDouble() - 0.5) * 0.2;
                var text = Sentence(random, Verbs[verb], Services[random.Next(6)], Hosts[random.Next(5)]);
                rows.Add(new LabeledRow(text, null, value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), $"test:{i + 1}") { Value = value });
            }
            if (shuffle)
            {
                var values = rows.Select(r => r.Value).OrderBy(_ => random.Next()).ToList();
                rows = rows.Select((r, i) => r with { Label = values[i]!.Value.ToString("R", System.Globalization.CultureInfo.InvariantCulture), Value = values[i] }).ToList();
            }
            return rows;
        }
        var vocabulary = TinyFixtures.Vocabulary();
        using var model = TinyModel();
        model.AddTaskHead(FineTuneTask.Regression, [], seed: 1);
        Assert.Equal("regression", model.Config.ProblemType);
        Assert.Null(model.Config.Id2Label);
        var result = Train(model, FineTuneTask.Regression,
            FineTuneExamples.FromRows(Rows(240, 5), FineTuneTask.Regression, null, vocabulary),
            FineTuneExamples.FromRows(Rows(90, 6), FineTuneTask.Regression, null, vocabulary),
            Options(FineTuneTask.Regression, epochs: 20));
        var last = result.Evaluations[^1];
        var report = (RegressionReport)last.Report!;
        Assert.True(last.Pearson >= 0.9, $"Pearson {last.Pearson:F3}");
        Assert.True(last.Spearman >= 0.85, $"Spearman {last.Spearman:F3}");
        Assert.True(report.Mse <= report.ConstantBaselineMse / 4, $"MSE {report.Mse:F3} vs predicting the mean {report.ConstantBaselineMse:F3}");

        using var control = TinyModel();
        control.AddTaskHead(FineTuneTask.Regression, [], seed: 1);
        var shuffled = Train(control, FineTuneTask.Regression,
            FineTuneExamples.FromRows(Rows(240, 5, shuffle: true), FineTuneTask.Regression, null, vocabulary),
            FineTuneExamples.FromRows(Rows(90, 6), FineTuneTask.Regression, null, vocabulary),
            Options(FineTuneTask.Regression, epochs: 20));
        Assert.True(shuffled.Evaluations.Max(e => double.IsNaN(e.Pearson!.Value) ? 0 : e.Pearson!.Value) < 0.5,
            $"shuffled targets reached Pearson {shuffled.Evaluations.Max(e => e.Pearson):F3}");
    }

    /// <summary>Services are B-SVC, hosts B-HOST, and "disk full" is a two-word ISSUE.</summary>
    static List<TaggedSentence> Sentences(int count, int seed, bool shuffleTags = false)
    {
        var random = new Random(seed);
        var sentences = new List<TaggedSentence>();
        for (int i = 0; i < count; i++)
        {
            var words = new List<string>();
            var tags = new List<string>();
            void Add(string word, string tag) { words.Add(word); tags.Add(tag); }
            Add(Verbs[random.Next(5)], "O");
            Add(Services[random.Next(6)], "B-SVC");
            Add("on", "O");
            Add(Hosts[random.Next(5)], "B-HOST");
            if (random.Next(2) == 0) { Add("if", "O"); Add("disk", "B-ISSUE"); Add("full", "I-ISSUE"); }
            Add("then", "O");
            Add("page", "O");
            Add("oncall", "O");
            if (shuffleTags) tags = tags.OrderBy(_ => random.Next()).ToList();
            sentences.Add(new TaggedSentence(words, tags, $"test:{i + 1}"));
        }
        return sentences;
    }

    [Fact]
    public void TokenClassificationFindsTheEntities_AndNotFromShuffledTags()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var train = Sentences(200, 7);
        var tags = LabelMap.FromTraining(train);
        var validation = FineTuneExamples.FromSentences(Sentences(80, 8), tags, vocabulary);
        using var model = TinyModel();
        model.AddTaskHead(FineTuneTask.TokenClassification, tags.Labels, seed: 1);
        Assert.Equal("BertForTokenClassification", model.Architecture);
        var result = Train(model, FineTuneTask.TokenClassification, FineTuneExamples.FromSentences(train, tags, vocabulary), validation);
        var last = result.Evaluations[^1];
        Assert.Equal("entity F1", last.Metric);
        Assert.True(last.F1 >= 0.95, $"entity F1 {last.F1:F3}");
        Assert.Equal(0, last.BaselineScore); // tagging everything O finds no entity
        Assert.Equal(3, ((TokenClassificationReport)last.Report!).PerType.Count);

        using var control = TinyModel();
        control.AddTaskHead(FineTuneTask.TokenClassification, tags.Labels, seed: 1);
        var shuffled = Train(control, FineTuneTask.TokenClassification, FineTuneExamples.FromSentences(Sentences(200, 7, shuffleTags: true), tags, vocabulary), validation);
        Assert.True(shuffled.Evaluations.Max(e => e.F1!.Value) < 0.5, $"shuffled tags reached entity F1 {shuffled.Evaluations.Max(e => e.F1):F3}");
    }

    [Theory]
    [InlineData(FineTuneTask.SequenceClassification)]
    [InlineData(FineTuneTask.TokenClassification)]
    public void ExportImportRoundTripGivesIdenticalPredictions(FineTuneTask task)
    {
        var vocabulary = TinyFixtures.Vocabulary();
        IFineTuneExamples train, validation;
        LabelMap labels;
        if (task == FineTuneTask.TokenClassification)
        {
            var sentences = Sentences(60, 9);
            labels = LabelMap.FromTraining(sentences);
            train = FineTuneExamples.FromSentences(sentences, labels, vocabulary);
            validation = FineTuneExamples.FromSentences(Sentences(20, 10), labels, vocabulary);
        }
        else
        {
            var rows = ClassificationRows(60, 9);
            labels = LabelMap.FromTraining(rows, task);
            train = FineTuneExamples.FromRows(rows, task, labels, vocabulary);
            validation = FineTuneExamples.FromRows(ClassificationRows(20, 10), task, labels, vocabulary);
        }
        using var model = TinyModel();
        model.AddTaskHead(task, labels.Labels, seed: 1);
        FineTuneTrainer.Train(model, train, validation, Options(task, epochs: 1), new TrainingCallbacks());

        var directory = Path.Combine(temp, "exported");
        Directory.CreateDirectory(temp);
        HfCheckpointDirectory.Export(model, directory, force: false);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "config.json")))!;
        Assert.Equal(model.Architecture, config["architectures"]![0]!.GetValue<string>());
        Assert.Equal(labels.Labels[0], config["id2label"]!["0"]!.GetValue<string>());
        using (var weights = SafeTensorsReader.Open(Path.Combine(directory, "model.safetensors")))
        {
            Assert.Contains("classifier.weight", weights.Entries.Keys);
            Assert.DoesNotContain(weights.Entries.Keys, k => k.StartsWith("cls."));
            Assert.Equal(task != FineTuneTask.TokenClassification, weights.Entries.ContainsKey("bert.pooler.dense.weight"));
        }

        using var imported = HfCheckpointDirectory.Import(directory);
        Assert.Empty(imported.LoadReport);
        Assert.Equal(task, imported.GetTask());
        Assert.Equal(labels.Labels, imported.Labels);
        var (lossA, a) = FineTuneEvaluator.Evaluate(model, validation, task);
        var (lossB, b) = FineTuneEvaluator.Evaluate(imported, validation, task);
        Assert.Equal(lossA, lossB);
        Assert.Equal(a.Score, b.Score);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var batch = FineTuneBatch.Collate(Enumerable.Range(0, (int)validation.Count).Select(i => validation.Get(i)).ToList(), task, labels.Count, vocabulary.PadId);
        long[] shape = [batch.Rows, batch.Length];
        Tensor Logits(BertModel m) => m.Module.ClassifierLogits(tensor(batch.InputIds, shape), tensor(batch.TokenTypeIds, shape), tensor(batch.AttentionMask, shape));
        Assert.Equal(0f, (Logits(model) - Logits(imported)).abs().max().item<float>());
    }

    [Fact]
    public void FreezingKeepsEmbeddingsAndLowerLayersFixed_AndClassWeightsAreChecked()
    {
        var vocabulary = TinyFixtures.Vocabulary();
        var rows = ClassificationRows(48, 11);
        var labels = LabelMap.FromTraining(rows, FineTuneTask.SequenceClassification);
        var train = FineTuneExamples.FromRows(rows, FineTuneTask.SequenceClassification, labels, vocabulary);
        using var model = TinyModel();
        model.AddTaskHead(FineTuneTask.SequenceClassification, labels.Labels, seed: 1);
        float[] Snapshot(string name) => model.Module.named_parameters().Single(p => p.name == name).parameter.detach().clone().data<float>().ToArray();
        var embeddings = Snapshot("bert.embeddings.word_embeddings.weight");
        var layer0 = Snapshot("bert.encoder.layer.0.attention.self.query.weight");
        var layer1 = Snapshot("bert.encoder.layer.1.attention.self.query.weight");
        var weights = ClassWeights.Auto(train.LabelCounts!);
        FineTuneTrainer.Train(model, train, null, Options(FineTuneTask.SequenceClassification, epochs: 1) with
        {
            FreezeEmbeddings = true, FreezeLayers = 1, ClassWeights = weights,
        }, new TrainingCallbacks());
        Assert.Equal(embeddings, Snapshot("bert.embeddings.word_embeddings.weight"));
        Assert.Equal(layer0, Snapshot("bert.encoder.layer.0.attention.self.query.weight"));
        Assert.NotEqual(layer1, Snapshot("bert.encoder.layer.1.attention.self.query.weight"));
        Assert.All(model.Module.parameters(), p => Assert.True(p.requires_grad)); // unfrozen again afterwards

        var error = Assert.Throws<BertAdaptException>(() => FineTuneTrainer.Train(model, train, null,
            Options(FineTuneTask.SequenceClassification, 1) with { ClassWeights = [1f, 2f] }, new TrainingCallbacks()));
        Assert.Equal("TrainingOptionInvalid", error.ErrorId);
        error = Assert.Throws<BertAdaptException>(() => FineTuneTrainer.Train(model, train, null,
            Options(FineTuneTask.Regression, 1), new TrainingCallbacks()));
        Assert.Equal("ModelTaskMismatch", error.ErrorId);
    }
}
