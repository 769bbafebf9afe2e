using BertAdapt.Engine.Data;
using BertAdapt.Engine.Jobs;
using BertAdapt.Engine.Training;
using static BertAdapt.Engine.Tests.Jobs.JobTestSchema;

namespace BertAdapt.Engine.Tests.Jobs;

public class JobFileParserTests
{
    const string Model = "model:\n  preset: mini\n";

    [Fact]
    public void ReadsAValidJobWithTypedValuesInSchemaOrder()
    {
        var job = Parse(Lines(
            "# nightly adaptation",
            "export:",
            "  path: ./out/bert",
            "  force: true",
            "training:",
            "  Corpus: [./a.txt, ./b/*.txt]",
            "  maxSteps: 1000",
            "  learningRate: 1e-4",
            "  seed: 12345678901",
            "  objective: mlmnsp",
            "  wholeWordMask: FALSE",
            "model:",
            "  preset: mini",
            "  cased: true"));

        Assert.Equal(["model", "training", "export"], job.Sections.Select(s => s.Name));
        var training = job.Section("training")!;
        Assert.Equal(new[] { "./a.txt", "./b/*.txt" }, training["corpus"]);
        Assert.Equal(1000, training["MaxSteps"]);
        Assert.Equal(1e-4, training["learningRate"]);
        Assert.Equal(12345678901L, training["seed"]);
        Assert.Equal(TrainingObjective.MlmNsp, training["objective"]);
        Assert.Equal(false, training["wholeWordMask"]);
        Assert.Equal("Corpus", training.Settings[0].Key);
        Assert.Equal(new JobFileMark(6, 3), training.Settings[0].Mark);
        Assert.Equal(true, job.Section("export")!["force"]);
        Assert.Null(job.Section("perplexity"));
    }

    [Fact]
    public void MakesASingleValueAOneElementListAndReadsQuotedNumbers()
    {
        var training = Parse(Model + "training:\n  corpus: ./runbooks.txt\n  batchSize: '16'\n  schedule: \"Cosine\"\n").Section("training")!;
        Assert.Equal(new[] { "./runbooks.txt" }, training["corpus"]);
        Assert.Equal(16, training["batchSize"]);
        Assert.Equal(ScheduleKind.Cosine, training["schedule"]);
    }

    [Fact]
    public void ReadsAConfigMappingWithYamlTypes()
    {
        var model = Parse("model:\n  config: { hidden_size: 64, hidden_dropout_prob: 0.1, model_type: bert, label: '7', flag: true, none: ~ }\n").Section("model")!;
        var config = Assert.IsType<Dictionary<string, object?>>(model["config"]);
        Assert.Equal(64, config["hidden_size"]);
        Assert.Equal(0.1, config["hidden_dropout_prob"]);
        Assert.Equal("bert", config["model_type"]);
        Assert.Equal("7", config["label"]);
        Assert.Equal(true, config["flag"]);
        Assert.Null(config["none"]);
    }

    [Fact]
    public void TakesTheFolderOfTheJobFileAsTheAnchorOfRelativePaths()
    {
        var folder = Directory.CreateTempSubdirectory("bertadapt-job-");
        var previous = Environment.CurrentDirectory;
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "jobs"));
            File.WriteAllText(Path.Combine(folder.FullName, "jobs", "job.yaml"), Model);
            Environment.CurrentDirectory = folder.FullName;
            var job = JobFileParser.Parse(Path.Combine("jobs", "job.yaml"), Sections);
            Assert.Equal(Path.Combine(folder.FullName, "jobs", "job.yaml"), job.Path);
            Assert.Equal(Path.Combine(folder.FullName, "jobs"), job.Directory);
        }
        finally
        {
            Environment.CurrentDirectory = previous;
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void AMissingFileIsNotFound()
    {
        var ex = Assert.Throws<BertAdaptException>(() => JobFileParser.Parse("/no/such/job.yaml", Sections));
        Assert.Equal("JobFileNotFound", ex.ErrorId);
        Assert.Equal(BertAdaptErrorKind.ObjectNotFound, ex.Kind);
    }

    [Fact]
    public void AnUnknownKeyNamesItsPlaceAndSuggestsTheNearestKey()
    {
        var error = Error(Model + "training:\n  corpus: a.txt\n\n\n  maxStep: 5\n");
        Assert.Equal("Unknown key 'maxStep' in section 'training' at line 7, column 3. Did you mean 'maxSteps'?", error.Message);
        Assert.Equal(new JobFileMark(7, 3), error.Mark);
    }

    [Fact]
    public void SnakeCaseKeysGetTheCamelCaseSuggestion()
    {
        Assert.EndsWith("Did you mean 'batchSize'?", Error(Model + "training:\n  corpus: a.txt\n  batch_size: 8\n").Message);
    }

    [Fact]
    public void AnUnknownKeyFarFromAnyListsTheAllowedKeys()
    {
        var error = Error(Model + "export:\n  destination: ./out\n");
        Assert.Equal("Unknown key 'destination' in section 'export' at line 4, column 3. The keys of 'export' are 'path', 'literalPath' and 'force'.", error.Message);
    }

    [Fact]
    public void AnUnknownSectionSuggestsTheNearestSection()
    {
        var error = Error(Model + "trainng:\n  corpus: a.txt\n");
        Assert.Equal("Unknown section 'trainng' at line 3, column 1. Did you mean 'training'?", error.Message);
        Assert.Equal(new JobFileMark(3, 1), error.Mark);
    }

    [Theory]
    [InlineData("  batchSize: sixteen", "'batchSize' at line 5, column 14 must be an integer, not 'sixteen'.")]
    [InlineData("  batchSize: 1.5", "'batchSize' at line 5, column 14 must be an integer, not '1.5'.")]
    [InlineData("  maxSteps: 99999999999", "'maxSteps' at line 5, column 13 must be an integer, not '99999999999'.")]
    [InlineData("  learningRate: fast", "'learningRate' at line 5, column 17 must be a number, not 'fast'.")]
    [InlineData("  wholeWordMask: yes", "'wholeWordMask' at line 5, column 18 must be true or false, not 'yes'.")]
    [InlineData("  objective: mlm2", "'objective' at line 5, column 14 must be one of Mlm, MlmNsp, not 'mlm2'.")]
    [InlineData("  objective: 1", "'objective' at line 5, column 14 must be one of Mlm, MlmNsp, not '1'.")]
    [InlineData("  outputPath: [a, b]", "'outputPath' at line 5, column 15 must be a single value, not a list.")]
    [InlineData("  maxSteps: { a: 1 }", "'maxSteps' at line 5, column 13 must be an integer, not a mapping.")]
    [InlineData("  maxSteps:", "'maxSteps' at line 5, column 12 has no value.")]
    [InlineData("  maxSteps: ~", "'maxSteps' at line 5, column 13 has no value.")]
    [InlineData("  corpus: []", "'corpus' at line 5, column 11 is an empty list.")]
    public void AValueOfTheWrongTypeNamesItsPlaceAndTheExpectedType(string line, string expected)
    {
        // No 'corpus' is needed: which keys are missing is checked only once every value is valid.
        Assert.Equal(expected, Error(Model + "training:\n  seed: 1\n" + line + "\n").Message);
    }

    [Fact]
    public void AWrongListElementIsPointedAtItself()
    {
        var error = Error(Model + "training:\n  corpus:\n    - a.txt\n    - { b: 1 }\n");
        Assert.Equal("'corpus' at line 6, column 7 must be a single value, not a mapping.", error.Message);
        Assert.Equal(new JobFileMark(6, 7), error.Mark);
    }

    [Fact]
    public void TheValueCheckReportsWithThePlaceOfTheValue()
    {
        JobValueCheck check = (section, key, value) =>
            section == "training" && key == "BatchSize" && (int)value! < 1 ? "The batch size must be at least 1." : null;
        var error = Error(Model + "training:\n  corpus: a.txt\n  batchSize: 0\n", check);
        Assert.Equal("'batchSize' at line 5, column 14 is not allowed: The batch size must be at least 1.", error.Message);
    }

    [Fact]
    public void AJobWithoutAModelSectionIsRefused()
    {
        var error = Error("training:\n  corpus: a.txt\n");
        Assert.Equal("The job file has no 'model' section.", error.Message);
        Assert.Equal(new JobFileMark(1, 1), error.Mark);
    }

    [Fact]
    public void AModelWithoutASourceNamesTheChoices()
    {
        Assert.Equal("Section 'model' at line 1, column 1 needs 'preset', 'config' or 'checkpoint'.", Error("model:\n").Message);
        // A seed only goes with a new model, so only those sources are offered.
        Assert.Equal("Section 'model' at line 1, column 1 needs 'preset' or 'config'.", Error("model:\n  seed: 3\n").Message);
    }

    [Fact]
    public void TwoModelSourcesCannotBeCombined()
    {
        var error = Error("model:\n  checkpoint: ./bert\n  preset: mini\n");
        Assert.Equal("'preset' at line 3, column 3 cannot be used with 'checkpoint' (at line 2, column 3) in section 'model'.", error.Message);
        Assert.Equal(new JobFileMark(3, 3), error.Mark);
    }

    [Fact]
    public void AMissingRequiredKeyIsNamed()
    {
        Assert.Equal("Section 'training' at line 3, column 1 needs 'corpus'.", Error(Model + "training:\n  maxSteps: 5\n").Message);
        Assert.Equal("Section 'export' at line 3, column 1 needs 'path' or 'literalPath'.", Error(Model + "export:\n  force: true\n").Message);
        Assert.Equal("Section 'perplexity' at line 3, column 1 needs 'corpus'.", Error(Model + "perplexity:\n").Message);
    }

    [Fact]
    public void ADuplicateKeyIsReportedWhereItRepeats()
    {
        var error = Error(Model + "training:\n  corpus: a.txt\n  maxSteps: 5\n  maxSteps: 6\n");
        Assert.Equal("Duplicate key 'maxSteps' at line 6, column 3.", error.Message);
        Assert.Equal(new JobFileMark(6, 3), error.Mark);
    }

    [Fact]
    public void KeysThatDifferOnlyInCaseAreDuplicatesToo()
    {
        var error = Error(Model + "training:\n  corpus: a.txt\n  maxSteps: 5\n  MaxSteps: 6\n");
        Assert.Equal("'MaxSteps' at line 6, column 3 repeats 'maxSteps' from line 5, column 3 in section 'training'.", error.Message);
        Assert.Equal("Section 'Model' at line 3, column 1 repeats 'model' from line 1, column 1.", Error(Model + "Model:\n  preset: tiny\n").Message);
    }

    [Theory]
    [InlineData("model:\n  preset: mini\n training: {}\n", 3, 2, "The YAML is malformed at line 3, column 2:")]
    [InlineData("model:\n  preset: 'mini\n", 2, 11, "The YAML is malformed from line 2, column 11 to line 3, column 1: While scanning a quoted scalar")]
    [InlineData("model: [preset, mini\ntraining: 1\n", 2, 1, "The YAML is malformed at line 2, column 1:")]
    [InlineData("model:\n  preset: mini\n\ttraining: 1\n", 2, 11, "The YAML is malformed from line 2, column 11 to line 3, column 1: While scanning a plain scalar, found a tab")]
    public void MalformedYamlNamesTheLineAndColumn(string text, int line, int column, string start)
    {
        var error = Error(text);
        Assert.StartsWith(start, error.Message);
        Assert.Equal(new JobFileMark(line, column), error.Mark);
    }

    [Theory]
    [InlineData("", "The job file is empty.", 1, 1)]
    [InlineData("# only a comment\n", "The job file is empty.", 1, 1)]
    [InlineData("- model\n- training\n", "The job file must be a mapping of sections (model, training, export and perplexity), not a list, at line 1, column 1.", 1, 1)]
    [InlineData("model:\n  preset: mini\n---\nmodel:\n  preset: tiny\n", "The job file holds 2 YAML documents; a second one starts at line 4, column 1. A job file holds one.", 4, 1)]
    [InlineData("model:\n  - preset\n", "Section 'model' at line 1, column 1 must be a mapping of settings, not a list.", 1, 1)]
    public void AFileOfTheWrongShapeIsRefused(string text, string message, int line, int column)
    {
        var error = Error(text);
        Assert.Equal(message, error.Message);
        Assert.Equal(new JobFileMark(line, column), error.Mark);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var ex = Assert.Throws<JobFileException>(() => Parse("model:\n  preset: mini\n  config: c.json\ntraining:\n  corpus: a.txt\n  maxStep: 5\n  batchSize: x\nexpor:\n  path: o\n"));
        Assert.Equal([3, 6, 7, 8], ex.Errors.Select(e => e.Mark.Line));
        Assert.StartsWith($"Job file '{JobPath}' has 4 problems:", ex.Message);
        Assert.Contains("line 7, column 14 must be an integer", ex.Message);
    }

    [Fact]
    public void OneProblemIsTheWholeMessage()
    {
        var ex = Assert.Throws<JobFileException>(() => Parse("model:\n  preset: [mini]\n"));
        Assert.Equal($"Job file '{JobPath}': 'preset' at line 2, column 11 must be a single value, not a list.", ex.Message);
    }
}
