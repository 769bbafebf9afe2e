using System.Globalization;
using System.Text;
using BertAdapt.Engine.Training;
using static BertAdapt.Engine.Reports.Html;
using static System.FormattableString;

namespace BertAdapt.Engine.Reports;

/// <summary>
/// A training run as one self-contained HTML page: summary, inline SVG charts (loss,
/// validation perplexity, learning rate, throughput) and the run's settings. Nothing is
/// loaded from anywhere, and a Content-Security-Policy forbids the page to try.
/// </summary>
public static class TrainingReport
{
    const string Blue = "#2563eb", PaleBlue = "#93b4f5", Orange = "#d9480f", Green = "#2f9e44", Purple = "#7048e8", PalePurple = "#b9a6f2";

    /// <summary>
    /// The page for <paramref name="metrics"/>, which may hold several runs (told apart by their
    /// run id): each run is drawn as its own stretch of line, smoothed on its own, and a "Runs"
    /// table lists them, so two runs are never read as one.
    /// </summary>
    public static string Render(IReadOnlyList<TrainingStepMetrics> metrics, IEnumerable<KeyValuePair<string, string>> settings, string title, DateTimeOffset? generated = null)
    {
        var runs = RunsOf(metrics);
        var steps = runs.SelectMany(r => r).ToList();
        var summary = TrainingSummary.Of(steps);
        int span = Math.Clamp(steps.Count / 20, 5, 200);
        (double, double)? range = steps.Count == 0 ? null : (steps.Min(m => m.Step), steps.Max(m => m.Step));
        var charts = new[]
        {
            LossChart(runs, span, range),
            summary.IsFineTuning ? ScoreChart(steps, summary.ValidationMetric, range) : PerplexityChart(steps, range),
            new SvgChart { Id = "lr", Title = "Learning rate", YLabel = "learning rate", XRange = range }
                .With(new ChartSeries("learning rate", Green, Points(runs, m => m.LearningRate)) { StrokeWidth = 2 }),
            new SvgChart { Id = "throughput", Title = "Throughput", YLabel = "tokens per second", XRange = range, YFromZero = true }
                .With(new ChartSeries("per step", PalePurple, Points(runs, m => m.TokensPerSecond)) { StrokeWidth = 1, Opacity = 0.5 })
                .With(new ChartSeries($"smoothed ({span} steps)", Purple, Points(runs, m => m.TokensPerSecond, span)) { StrokeWidth = 2 }),
        };

        var html = HtmlPage.Begin(title, Invariant($"from {summary.Steps:N0} step record(s)"), generated);
        AppendSummary(html, summary);
        html.Append("<section class=\"charts\">\n");
        foreach (var chart in charts)
        {
            var svg = chart.Render();
            HtmlPage.AppendFigure(html, svg, chart.Decimated ? Invariant($"Drawn from {Decimation.DefaultMaxPoints:N0} points per series at most: the lowest and highest value of each bucket of steps, so spikes stay visible.") : null);
        }
        html.Append("</section>\n");
        if (runs.Count > 1) AppendRuns(html, runs);
        AppendSettings(html, settings.ToList());
        return HtmlPage.End(html, $"Smoothed lines are exponential moving averages over about {span} steps. Hover over a validation point to see its value.");
    }

    /// <summary>
    /// Checks that <see cref="Write"/> could write <paramref name="path"/>, writing nothing:
    /// ReportPathIsDirectory, ReportExists (without <paramref name="overwrite"/>) or ReportPathNotWritable.
    /// </summary>
    public static void CheckDestination(string path, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
            throw new BertAdaptException("ReportPathIsDirectory", BertAdaptErrorKind.InvalidArgument,
                $"'{full}' is a directory. Give the path of the HTML file to write, for example '{Path.Combine(full, "report.html")}'.", full);
        if (File.Exists(full) && !overwrite)
            throw new BertAdaptException("ReportExists", BertAdaptErrorKind.ResourceExists, $"'{full}' already exists. Use -Force to replace it.", full);
        OutputLocation.CheckFile(full, "ReportPath", "The report", replacedBeside: true);
    }

    /// <summary>
    /// Writes the page to a temporary file beside the target and moves it into place, creating
    /// missing parent folders first.
    /// </summary>
    public static void Write(string path, string html, bool overwrite)
    {
        var full = Path.GetFullPath(path);
        var temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            OutputLocation.CreateParent(full);
            File.WriteAllText(temporary, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            SharingViolationRetry.Run(() => File.Move(temporary, full, overwrite));
        }
        catch (IOException) when (!overwrite && File.Exists(full))
        {
            throw new BertAdaptException("ReportExists", BertAdaptErrorKind.ResourceExists, $"'{full}' already exists. Use -Force to replace it.", full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BertAdaptException("ReportWriteFailed", BertAdaptErrorKind.WriteError, $"Could not write the report '{full}': {ex.Message}", full, ex);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    /// <summary>The records by run, runs in the order they first appear, each run's steps in order.</summary>
    static List<List<TrainingStepMetrics>> RunsOf(IReadOnlyList<TrainingStepMetrics> metrics) =>
        metrics.GroupBy(m => m.RunId ?? "").Select(run => run.OrderBy(m => m.RunStep ?? m.Step).ThenBy(m => m.Step).ToList()).ToList();

    static SvgChart LossChart(List<List<TrainingStepMetrics>> runs, int span, (double, double)? range)
    {
        var chart = new SvgChart { Id = "loss", Title = "Training loss", YLabel = "loss", XRange = range }
            .With(new ChartSeries("per step", PaleBlue, Points(runs, m => m.Loss)) { StrokeWidth = 1, Opacity = 0.7 })
            .With(new ChartSeries($"smoothed ({span} steps)", Blue, Points(runs, m => m.Loss, span)) { StrokeWidth = 2.2 });
        var validation = Points(runs.SelectMany(r => r).Where(m => m.ValidationLoss is not null), m => m.ValidationLoss!.Value);
        if (validation.Count > 0)
            chart.With(new ChartSeries("validation", Orange, validation) { Style = SeriesStyle.Points, Tooltip = p => Invariant($"step {p.X:N0}: validation loss {Significant(p.Y)}") });
        return chart;
    }

    static SvgChart PerplexityChart(List<TrainingStepMetrics> steps, (double, double)? range) =>
        new SvgChart { Id = "perplexity", Title = "Validation perplexity", YLabel = "perplexity", LogYFromRatio = 20, EmptyMessage = "no validation was run", XRange = range }
            .With(new ChartSeries("validation perplexity", Orange, Points(steps.Where(m => m.ValidationPerplexity is not null), m => m.ValidationPerplexity!.Value))
            {
                Style = SeriesStyle.Points,
                Tooltip = p => Invariant($"step {p.X:N0}: perplexity {Significant(p.Y)}"),
            });

    // A fine-tuning run's validation passes score the task's metric (macro-F1, entity F1, Pearson r), not perplexity.
    static SvgChart ScoreChart(List<TrainingStepMetrics> steps, string? metric, (double, double)? range) =>
        new SvgChart { Id = "score", Title = $"Validation {metric ?? "score"}", YLabel = metric ?? "score", EmptyMessage = "no validation was run", XRange = range }
            .With(new ChartSeries($"validation {metric}", Orange, Points(steps.Where(m => m.ValidationScore is not null), m => m.ValidationScore!.Value))
            {
                Style = SeriesStyle.Points,
                Tooltip = p => Invariant($"step {p.X:N0}: {metric} {Significant(p.Y)}"),
            });

    static List<ChartPoint> Points(IEnumerable<TrainingStepMetrics> steps, Func<TrainingStepMetrics, double> value) =>
        steps.Select(m => new ChartPoint(m.Step, value(m))).ToList();

    /// <summary>Each run's points (smoothed over <paramref name="span"/> when given), with a gap between runs so no line joins two.</summary>
    static List<ChartPoint> Points(List<List<TrainingStepMetrics>> runs, Func<TrainingStepMetrics, double> value, int? span = null)
    {
        var points = new List<ChartPoint>();
        foreach (var run in runs)
        {
            if (points.Count > 0) points.Add(points[^1] with { Y = double.NaN });
            var raw = Points(run, value);
            points.AddRange(span is int s ? Smoothed(raw, s) : raw);
        }
        return points;
    }

    /// <summary>
    /// A bias-corrected exponential moving average (so it does not start at zero). Non-finite
    /// values are skipped, and stay gaps in the smoothed line too.
    /// </summary>
    internal static List<ChartPoint> Smoothed(List<ChartPoint> points, int span)
    {
        double alpha = 2.0 / (span + 1), average = 0, weight = 0;
        var smoothed = new List<ChartPoint>(points.Count);
        foreach (var p in points)
        {
            if (p.IsGap) { smoothed.Add(p); continue; }
            average = (1 - alpha) * average + alpha * p.Y;
            weight = (1 - alpha) * weight + alpha;
            smoothed.Add(p with { Y = average / weight });
        }
        return smoothed;
    }

    static SvgChart With(this SvgChart chart, ChartSeries series)
    {
        chart.Series.Add(series);
        return chart;
    }

    static void AppendSummary(StringBuilder html, TrainingSummary s)
    {
        var cards = new List<(string Key, string Value, string Note)>
        {
            ("Steps", s.Steps.ToString("N0", CultureInfo.InvariantCulture), s.Steps == 0 ? "" : s.FirstStep == s.LastStep ? Invariant($"step {s.FirstStep:N0}") : Invariant($"steps {s.FirstStep:N0} to {s.LastStep:N0}")),
            ("Final loss", s.FinalLoss is double l ? Significant(l) : "n/a", s.NonFiniteLosses > 0 ? $"{s.NonFiniteLosses} non-finite loss value(s)" : "training, last step"),
            s.IsFineTuning
                ? ($"Validation {s.ValidationMetric ?? "score"}", s.BestValidationScore is double score ? Significant(score) : "n/a",
                    s.BestValidationScoreStep is int best ? Invariant($"best, at step {best:N0} ({s.ScoredEvaluations} evaluated)") : "no validation was run")
                : ("Validation perplexity", s.BestValidationPerplexity is double p ? Significant(p) : "n/a",
                    s.BestValidationStep is int at ? Invariant($"best, at step {at:N0} ({s.Evaluations} evaluated)") : "no validation was run"),
            ("Elapsed", Duration(s.ElapsedSeconds), "wall time of the steps"),
            ("Tokens", Number(s.Tokens), s.IsFineTuning ? "in the training batches" : $"{Number(s.MaskedTokens)} masked"),
            ("Throughput", double.IsFinite(s.TokensPerSecond) ? Number(Math.Round(s.TokensPerSecond)) : "n/a", "tokens per second, overall"),
        };
        if (s.NspAccuracy is double nsp) cards.Add(("NSP accuracy", nsp.ToString("P1", CultureInfo.InvariantCulture), "next-sentence, last step"));
        HtmlPage.AppendCards(html, cards);
    }

    static void AppendRuns(StringBuilder html, List<List<TrainingStepMetrics>> runs)
    {
        html.Append("<section><h2>Runs</h2>\n<p class=\"sub\">The metrics hold several runs; each is drawn as its own line.</p>\n");
        HtmlPage.AppendKeyValueTable(html, runs.Select(run =>
        {
            var s = TrainingSummary.Of(run);
            var id = run[0].RunId is { Length: > 0 } runId ? runId : "(no run id)";
            var loss = s.FinalLoss is double l ? Significant(l) : "n/a";
            return new KeyValuePair<string, string>(id, Invariant($"steps {s.FirstStep:N0} to {s.LastStep:N0}, {s.Steps:N0} record(s); final loss {loss}"));
        }), ("Run", "Steps (of the model) and step records; final loss"));
        html.Append("</section>\n");
    }

    static void AppendSettings(StringBuilder html, List<KeyValuePair<string, string>> settings)
    {
        html.Append("<section><h2>Settings</h2>\n");
        if (settings.Count == 0)
        {
            html.Append("<p class=\"sub\">No settings were recorded for this run.</p></section>\n");
            return;
        }
        HtmlPage.AppendKeyValueTable(html, settings);
        html.Append("</section>\n");
    }
}
