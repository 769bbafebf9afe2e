using System.Globalization;
using System.Text;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// A <see cref="StudyEstimate"/> as lines of text: what Compare-BertAdaptation -WhatIf prints.
/// A header says what the numbers rest on, a table has one row per run, and a total line sums
/// them with the disk the study will take.
/// </summary>
public static class StudyPlanText
{
    public static string Of(StudyEstimate estimate)
    {
        var c = estimate.Calibration;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Compare-BertAdaptation would run {estimate.RunCount} run(s) in '{estimate.OutputPath}'. ")
            .Append(estimate.Exact ? "Rows and tokens are counted in the files, read whole" : $"Rows and tokens are estimates from the first {StudyDataSample.SampleBytes >> 10} KB of each file")
            .Append(CultureInfo.InvariantCulture, $"; seconds from a {StudyEstimate.Describe(c.Seconds)} calibration on {c.Device}, {c.Threads} thread(s) ")
            .Append(CultureInfo.InvariantCulture, $"({Ms(c.PretrainStepSeconds)} a pre-training step, {Ms(c.FineTuneStepSeconds)} a fine-tuning step of {c.FineTuneLength} tokens).")
            .AppendLine();
        int width = Math.Max(6, estimate.Runs.Max(r => r.Folder.Length));
        text.AppendLine(CultureInfo.InvariantCulture, $"  {"#",3}  {"Folder".PadRight(width)}  {"Kind",-8}  {"Strategy",-17}  {"Seed",4}  {"Steps",7}  {"Tokens",12}  {"Estimate",12}");
        foreach (var run in estimate.Runs)
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {run.Number,3}  {run.Folder.PadRight(width)}  {run.Kind,-8}  {run.Strategy?.ToString() ?? "",-17}  {run.Seed?.ToString(CultureInfo.InvariantCulture) ?? "",4}  {run.Steps,7:N0}  {run.Tokens,12:N0}  {StudyEstimate.Describe(run.EstimatedSeconds),12}");
        text.Append(CultureInfo.InvariantCulture, $"  Total: {estimate.RunCount} run(s), {estimate.Tokens:N0} tokens, about {StudyEstimate.Describe(estimate.EstimatedSeconds)}, ")
            .Append(CultureInfo.InvariantCulture, $"{StudyEstimate.DescribeBytes(estimate.DiskBytes)} on disk (base model {StudyEstimate.DescribeBytes(c.ModelBytes)}, ")
            .Append(CultureInfo.InvariantCulture, $"a pre-training run {StudyEstimate.DescribeBytes(c.PretrainCheckpointBytes)}, a fine-tuning run {StudyEstimate.DescribeBytes(c.FineTuneCheckpointBytes)} with its best weights, and the token cache).");
        return text.ToString();
    }

    static string Ms(double seconds) => seconds < 1
        ? (seconds * 1000).ToString("0.#", CultureInfo.InvariantCulture) + " ms"
        : StudyEstimate.Describe(seconds);
}
