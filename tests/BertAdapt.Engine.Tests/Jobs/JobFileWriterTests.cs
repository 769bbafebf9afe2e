using BertAdapt.Engine.Data;
using BertAdapt.Engine.Jobs;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Tests.Jobs;

public sealed class JobFileWriterTests
{
    [Fact]
    public void WhatItWritesParsesBackToTheSameValues()
    {
        var text = JobFileWriter.Text(["a job, written: 'quoted' # not a comment end"],
        [
            ("model", [new("Checkpoint", "../it's here/base-model")]),
            ("training",
            [
                new("Corpus", new[] { "../a b.txt", "true", "12", "null" }), new("MaxSteps", 40), new("LearningRate", 1.0 / 3),
                new("Objective", TrainingObjective.MlmNsp), new("WholeWordMask", true), new("Seed", 9007199254740993L),
            ]),
        ]);
        var job = JobFileParser.ParseText(text, JobTestSchema.JobPath, JobTestSchema.Sections);

        Assert.Equal("../it's here/base-model", job.Section("model")!["Checkpoint"]);
        var training = job.Section("training")!;
        // Text that YAML would read as a boolean, a number or null stays text.
        Assert.Equal(["../a b.txt", "true", "12", "null"], (string[])training["Corpus"]!);
        Assert.Equal(40, training["MaxSteps"]);
        Assert.Equal(1.0 / 3, (double)training["LearningRate"]!);
        Assert.Equal(TrainingObjective.MlmNsp, training["Objective"]);
        Assert.Equal(true, training["WholeWordMask"]);
        Assert.Equal(9007199254740993L, training["Seed"]);
        Assert.StartsWith("# a job", text);
        Assert.Contains("  maxSteps: 40\n", text);
    }
}
