using System.Text.Json;
using System.Text.Json.Serialization;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Reports;

/// <summary>Reads a metrics JSONL file (one <see cref="TrainingStepMetrics"/> per line) for a report.</summary>
public static class MetricsFile
{
    // Other tools write NaN and Infinity as JSON strings; a report should show them as gaps, not fail.
    static readonly JsonSerializerOptions Options = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Every record in file order; blank lines are skipped, anything else that is not a step record fails with its line number.</summary>
    public static List<TrainingStepMetrics> Read(string path, CancellationToken cancellation = default)
    {
        var records = new List<TrainingStepMetrics>();
        int number = 0;
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                number++;
                cancellation.ThrowIfCancellationRequested();
                if (string.IsNullOrWhiteSpace(line)) continue;
                records.Add(Parse(line, path, number));
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BertAdaptException("MetricsReadFailed", BertAdaptErrorKind.ReadError, $"Could not read the metrics file '{path}': {ex.Message}", path, ex);
        }
        return records;
    }

    static TrainingStepMetrics Parse(string line, string path, int number)
    {
        string why;
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object) why = "it is not a JSON object";
            else if (!document.RootElement.TryGetProperty("step", out var step) || step.ValueKind != JsonValueKind.Number) why = "it has no numeric \"step\"";
            else if (!document.RootElement.TryGetProperty("loss", out _)) why = "it has no \"loss\"";
            else return document.RootElement.Deserialize<TrainingStepMetrics>(Options) ?? throw new JsonException("null record");
        }
        catch (JsonException ex)
        {
            why = ex.Message;
        }
        catch (InvalidOperationException ex)
        {
            why = ex.Message;
        }
        throw new BertAdaptException("MetricsInvalid", BertAdaptErrorKind.InvalidData,
            $"Line {number} of the metrics file '{path}' is not a training step record: {why}", $"{path}:{number}");
    }
}
