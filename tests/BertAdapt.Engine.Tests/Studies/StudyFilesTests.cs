using BertAdapt.Engine.Data.FineTuning;
using BertAdapt.Engine.Studies;
namespace BertAdapt.Engine.Tests.Studies;

public sealed class StudyFilesTests : IDisposable
{
    readonly string temp = Path.Combine(Path.GetTempPath(), $"bertadapt-study-{Guid.NewGuid():N}");

    public StudyFilesTests() => Directory.CreateDirectory(temp);

    public void Dispose() => Directory.Delete(temp, recursive: true);

    string Write(string name, string text)
    {
        var path = Path.Combine(temp, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void TheTaskCorpusIsTheTrainingRowsTextsAndPairsOneDocumentEach()
    {
        var train = Write("train.csv", "text,pair,label\n\"restart nginx\nnow\",is it up,a\ncheck redis,,b\nstop cron,is it down,b\n");
        var text = TaskCorpus.TextOf([train], FineTuneTask.SequenceClassification,
            FineTuneReadOptions.Default with { TextPairColumn = "pair", SkipInvalidRows = true });
        // A text's own line break would end a document early; the row without its pair is one
        // fine-tuning skips, so task pre-training does not read it either.
        Assert.Equal("restart nginx now\nis it up\n\nstop cron\nis it down\n\n", text);
    }

    [Fact]
    public void TheTaskCorpusOfTaggedSentencesIsTheirWords()
    {
        var train = Write("train.conll", "-DOCSTART- O\n\nrestart O\nnginx B-SVC\n\ncheck O\nredis B-SVC\n");
        Assert.Equal("restart nginx\n\ncheck redis\n\n", TaskCorpus.TextOf([train], FineTuneTask.TokenClassification, FineTuneReadOptions.Default));
    }

    [Fact]
    public void ARunRecordRoundTripsAndRunsCsvQuotesWhatNeedsIt()
    {
        var record = new StudyRunRecord
        {
            Kind = StudyRunRecord.FineTune, Folder = "finetune-DomainMlm-m0.15-s1", Strategy = AdaptationStrategy.DomainMlm, MaskProbability = 0.15,
            Seed = 1, RunId = "r", Steps = 3, Tokens = 120, WallSeconds = 0.1 + 0.2, Metric = "macro-F1", Score = 1.0 / 3,
        };
        var path = Path.Combine(temp, "run.json");
        StudyFiles.WriteRecord(path, record);
        Assert.Equal(record, StudyFiles.ReadRecord(path));
        Assert.Contains("\"Strategy\": \"DomainMlm\"", File.ReadAllText(path));

        var csv = Path.Combine(temp, "runs.csv");
        StudyFiles.WriteRunsCsv(csv, [record, record with { Metric = "a, \"b\"" }]);
        var lines = File.ReadAllLines(csv);
        Assert.StartsWith("Kind,Folder,Strategy,Stage,", lines[0]);
        Assert.Contains(",0.30000000000000004,", lines[1]);
        Assert.Contains(",0.3333333333333333,", lines[1]);
        Assert.Contains(",\"a, \"\"b\"\"\",", lines[2]);
        Assert.Empty(Directory.GetFiles(temp, "*.tmp"));
    }
}
