using System.Globalization;
using System.Text;
using BertAdapt.Engine.Reports;
using static BertAdapt.Engine.Reports.Html;
using static System.FormattableString;

namespace BertAdapt.Engine.Studies;

/// <summary>
/// An adaptation study as one self-contained page (report.html): the task metric by strategy
/// (each seed, the mean, FineTuneOnly's spread and each strategy's Welch interval), perplexity
/// before and after pre-training, a table per strategy, the leakage check and the settings. It
/// computes nothing: every number is a property of the study's <see cref="AdaptationStrategyReport"/>s
/// or run records, the ones its pipeline objects, runs.csv and study.json hold. Table cells carry
/// the exact value in a &lt;data value&gt; element, so the page can be checked against those files.
/// </summary>
public static class StudyReportPage
{
    const string Blue = "#2563eb", Orange = "#d9480f", Gray = "#6b7280", PaleGray = "#b8bec8";

    public static string Render(AdaptationStudyResult study, string title, DateTimeOffset? generated = null)
    {
        var reports = study.Strategies;
        var baseline = reports.FirstOrDefault(r => r.Strategy == AdaptationStrategy.FineTuneOnly);
        var metric = reports.Select(r => r.Metric).FirstOrDefault(m => m.Length > 0) ?? "score";
        var html = HtmlPage.Begin(title, $"from {study.Runs.Count} run record(s) (runs.csv) and {reports.Count} strategy report(s) (study.json)", generated);
        HtmlPage.AppendCards(html,
        [
            ("Strategies", reports.Count.ToString(CultureInfo.InvariantCulture), string.Join(", ", reports.Select(r => r.Strategy).Distinct())),
            ("Seeds", Setting(study, "Seeds"), Invariant($"{reports.Sum(r => r.SeedCount)} fine-tuning run(s) finished")),
            ("Task metric", metric, "on the validation data, last evaluation"),
            ("Pre-training budget", Setting(study, "Pre-training budget"), "the same for every pre-training strategy"),
            ("Wall time", Duration(reports.Sum(r => r.WallSeconds)), "in the training loops, all runs"),
        ]);

        html.Append("<section><h2>Task metric by strategy</h2>\n<div class=\"charts wide\">\n");
        HtmlPage.AppendFigure(html, MetricChart(reports, baseline, metric).Render(), baseline is null
            ? "Each dot is one seed's score; the mark beside them is the strategy's mean. FineTuneOnly is not in the study, so there is no interval."
            : $"Each dot is one seed's score; the mark beside them is the strategy's mean. FineTuneOnly's bar is its mean ± one standard deviation over seeds. "
              + $"Every other strategy's bar is the 95% interval ({WelchComparison.Method}) of its difference from FineTuneOnly, drawn at FineTuneOnly's mean (the dashed line) plus the interval's ends, "
              + "so it is centred on the strategy's mean and crosses the dashed line exactly when the verdict is WithinNoise. Hover over a dot or a bar for its numbers.");
        html.Append("</div></section>\n");

        html.Append("<section><h2>Perplexity before and after pre-training</h2>\n<div class=\"charts\">\n");
        HtmlPage.AppendFigure(html, PerplexityChart("domain-perplexity", "Domain perplexity", reports, r => r.DomainPerplexityBefore, r => r.DomainPerplexityAfter).Render(),
            "Masked-token perplexity on the held-out domain text (else the domain corpus), at 15% masking with seed 0: the base model's on the left of each strategy, after its pre-training on the right.");
        if (reports.Any(r => r.ReferencePerplexityBefore is not null))
            HtmlPage.AppendFigure(html, PerplexityChart("reference-perplexity", "General-domain perplexity (forgetting)", reports, r => r.ReferencePerplexityBefore ?? double.NaN, r => r.ReferencePerplexityAfter).Render(),
                "The same on the reference corpus: a rise after pre-training is what the model forgot of general text.");
        html.Append("</div>\n");
        if (reports.All(r => r.ReferencePerplexityBefore is null))
            html.Append("<p class=\"sub\">No reference corpus was given (-ReferenceCorpus), so forgetting of general text was not measured.</p>\n");
        html.Append("</section>\n");

        AppendStrategies(html, study, metric);
        AppendLeakage(html, study.Leakage);
        AppendSettings(html, study.Settings);
        return HtmlPage.End(html, "Every number on this page is a field of the study's strategy reports (Compare-BertAdaptation's output and study.json) or of its run records (runs.csv); "
            + "table cells hold the exact value, and the text shows it rounded.");
    }

    /// <summary>A strategy's name on the axis and in tooltips: with its masking rate, for studies of several rates.</summary>
    static string Label(AdaptationStrategyReport r, string separator = " ") =>
        r.MaskProbability is double m ? $"{r.Strategy}{separator}masking {AdaptationPlan.Rate(m)}" : r.Strategy.ToString();

    static SvgChart MetricChart(IReadOnlyList<AdaptationStrategyReport> reports, AdaptationStrategyReport? baseline, string metric)
    {
        var chart = new SvgChart
        {
            Id = "metric",
            Title = $"{metric} by strategy",
            XLabel = "strategy",
            YLabel = metric,
            Width = Math.Max(640, 150 * reports.Count + 90),
            Height = 360,
            Categories = reports.Select(r => Label(r, "\n")).ToList(),
            EmptyMessage = "no fine-tuning run has finished",
        };
        var seeds = new List<ChartPoint>();
        var spread = new List<ChartPoint>();
        var intervals = new List<ChartPoint>();
        for (int i = 0; i < reports.Count; i++)
        {
            var r = reports[i];
            // The seeds side by side left of the centre, the mean and its bar right of it.
            for (int j = 0; j < r.SeedScores.Count; j++)
            {
                double offset = r.SeedScores.Count == 1 ? -0.18 : -0.3 + 0.2 * j / (r.SeedScores.Count - 1);
                seeds.Add(new ChartPoint(i + offset, r.SeedScores[j]) { Note = $"{Label(r)}, seed {SeedOf(r, j)}: {metric} {Significant(r.SeedScores[j])}" });
            }
            var mean = new ChartPoint(i + 0.12, r.MetricMean) { Note = Summary(r, metric) };
            if (r.Verdict == AdaptationVerdict.Baseline)
                spread.Add(r.MetricStdDev is double sd ? mean with { Low = r.MetricMean - sd, High = r.MetricMean + sd } : mean);
            else
                intervals.Add(baseline is not null && r.DifferenceLow is double low && r.DifferenceHigh is double high
                    ? mean with { Low = baseline.MetricMean + low, High = baseline.MetricMean + high } : mean);
        }
        chart.Series.Add(new ChartSeries("each seed", Blue, seeds) { Style = SeriesStyle.Markers, Opacity = 0.8 });
        if (spread.Count > 0) chart.Series.Add(new ChartSeries($"{AdaptationStrategy.FineTuneOnly} mean ± sd", Gray, spread) { Style = SeriesStyle.Intervals });
        if (intervals.Count > 0) chart.Series.Add(new ChartSeries(baseline is null ? "mean" : "mean, interval of the difference", Orange, intervals) { Style = SeriesStyle.Intervals });
        if (baseline is not null) chart.ReferenceLines.Add(new ChartReferenceLine(baseline.MetricMean, $"{AdaptationStrategy.FineTuneOnly} mean {Significant(baseline.MetricMean)}", Gray));
        return chart;
    }

    static string SeedOf(AdaptationStrategyReport r, int index) => index < r.Seeds.Count ? r.Seeds[index].ToString(CultureInfo.InvariantCulture) : "?";

    static string Summary(AdaptationStrategyReport r, string metric)
    {
        var text = $"{Label(r)}: mean {metric} {Significant(r.MetricMean)}" + (r.MetricStdDev is double sd ? $", sd {Significant(sd)}" : "") + Invariant($" over {r.SeedCount} seed(s)");
        if (r.Verdict == AdaptationVerdict.Baseline) return text + "; the baseline";
        return text + (r.Difference is double d ? $"; difference {Signed(d)}" : "")
            + (r.DifferenceLow is double low && r.DifferenceHigh is double high ? $" [{Signed(low)}, {Signed(high)}]" : "")
            + $" ({r.Comparison}): {r.Verdict}";
    }

    static SvgChart PerplexityChart(string id, string title, IReadOnlyList<AdaptationStrategyReport> reports,
        Func<AdaptationStrategyReport, double> before, Func<AdaptationStrategyReport, double?> after)
    {
        var chart = new SvgChart
        {
            Id = id,
            Title = title,
            XLabel = "strategy",
            YLabel = "perplexity",
            LogYFromRatio = 20,
            Categories = reports.Select(r => Label(r, "\n")).ToList(),
            Width = Math.Max(560, 110 * reports.Count + 90),
            Height = 320,
            EmptyMessage = "no perplexity was measured",
        };
        var joins = new List<ChartPoint>();
        var beforePoints = new List<ChartPoint>();
        var afterPoints = new List<ChartPoint>();
        for (int i = 0; i < reports.Count; i++)
        {
            var r = reports[i];
            var start = new ChartPoint(i - 0.15, before(r)) { Note = $"{Label(r)}: before pre-training (the base model) {Significant(before(r))}" };
            beforePoints.Add(start);
            if (after(r) is not double value) continue;
            var end = new ChartPoint(i + 0.15, value) { Note = $"{Label(r)}: after pre-training {Significant(value)} (base model {Significant(before(r))})" };
            afterPoints.Add(end);
            // Each pair joined on its own: a gap before the next strategy's.
            joins.AddRange([start, end, end with { Y = double.NaN }]);
        }
        chart.Series.Add(new ChartSeries("", PaleGray, joins) { StrokeWidth = 1.2 });
        chart.Series.Add(new ChartSeries("before (base model)", Gray, beforePoints) { Style = SeriesStyle.Markers });
        chart.Series.Add(new ChartSeries("after pre-training", Orange, afterPoints) { Style = SeriesStyle.Markers });
        return chart;
    }

    static void AppendStrategies(StringBuilder html, AdaptationStudyResult study, string metric)
    {
        var reports = study.Strategies;
        bool reference = reports.Any(r => r.ReferencePerplexityBefore is not null);
        var records = study.Runs.GroupBy(r => r.Folder).ToDictionary(g => g.Key, g => g.First());
        html.Append("<section><h2>Strategies</h2>\n<div class=\"scroll\"><table class=\"numbers\" id=\"strategies\">\n<thead><tr>");
        var headers = new List<string> { "Strategy", $"{metric} mean", "sd", "Each seed", "Difference vs FineTuneOnly [95% interval]", "Verdict", "Domain perplexity before → after" };
        if (reference) headers.Add("General perplexity before → after");
        headers.AddRange(["Pre-training", "Fine-tuning", "Total"]);
        foreach (var header in headers) html.Append($"<th scope=\"col\">{Escape(header)}</th>");
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var r in reports)
        {
            html.Append($"<tr data-strategy=\"{Escape(Label(r))}\"><th scope=\"row\">{Escape(Label(r))}</th>");
            html.Append($"<td class=\"mean\">{Value(r.MetricMean, Fixed(r.MetricMean))}</td>");
            html.Append($"<td class=\"sd\">{(r.MetricStdDev is double sd ? Value(sd, Fixed(sd)) : "–")}</td>");
            // The fine-tuning folders among the strategy's runs are its seeds', in the order of Seeds and SeedScores.
            var seedRuns = r.Runs.Where(f => records.TryGetValue(f, out var record) && record.Kind == StudyRunRecord.FineTune).ToList();
            html.Append("<td class=\"seeds\"><ul>");
            for (int j = 0; j < r.SeedScores.Count; j++)
            {
                var run = j < seedRuns.Count ? $" data-run=\"{Escape(seedRuns[j])}\"" : "";
                html.Append($"<li{run}>seed {Escape(SeedOf(r, j))}: {Value(r.SeedScores[j], Fixed(r.SeedScores[j]))}</li>");
            }
            html.Append("</ul></td>");
            html.Append("<td class=\"difference\">");
            if (r.Verdict == AdaptationVerdict.Baseline) html.Append("–");
            else
            {
                html.Append(r.Difference is double d ? Value(d, Signed(d)) : "–");
                if (r.DifferenceLow is double low && r.DifferenceHigh is double high)
                    html.Append($" [{Value(low, Signed(low))}, {Value(high, Signed(high))}]");
            }
            html.Append($"<span class=\"n\">{Escape(r.Comparison)}</span></td>");
            html.Append($"<td class=\"verdict verdict-{r.Verdict}\">{r.Verdict}</td>");
            html.Append($"<td>{BeforeAfter(r.DomainPerplexityBefore, r.DomainPerplexityAfter)}</td>");
            if (reference) html.Append($"<td>{BeforeAfter(r.ReferencePerplexityBefore, r.ReferencePerplexityAfter)}</td>");
            html.Append(r.Strategy == AdaptationStrategy.FineTuneOnly ? "<td>none</td>"
                : Invariant($"<td>{Value(r.PretrainSteps, r.PretrainSteps.ToString("N0", CultureInfo.InvariantCulture))} steps, {Value(r.PretrainTokens, Number(r.PretrainTokens))} tokens, {Value(r.PretrainSeconds, Duration(r.PretrainSeconds))}<span class=\"n\">{Escape(r.PretrainBudget)}</span></td>"));
            html.Append($"<td>{Value(r.FineTuneTokens, Number(r.FineTuneTokens))} tokens, {Value(r.FineTuneSeconds, Duration(r.FineTuneSeconds))}</td>");
            html.Append($"<td class=\"total\">{Value(r.TokensProcessed, Number(r.TokensProcessed))} tokens, {Value(r.WallSeconds, Duration(r.WallSeconds))}</td>");
            html.Append("</tr>\n");
        }
        html.Append("</tbody></table></div>\n");
        html.Append("<p class=\"sub\">Better or Worse: the 95% interval of the difference excludes zero; WithinNoise: it holds zero; Undetermined: fewer than two seeds on a side, or no FineTuneOnly. "
            + "Times are seconds in the training loops; tokens are those of the training batches.</p></section>\n");
    }

    static void AppendLeakage(StringBuilder html, StudyLeakageCheck? leakage)
    {
        html.Append("<section><h2>Leakage check</h2>\n");
        if (leakage is null)
        {
            html.Append("<p class=\"note\">This study did not record its leakage check (it was set up by an earlier version of BertAdapt).</p></section>\n");
            return;
        }
        var allow = leakage.AllowOverlap switch { true => "yes", false => "no", null => "not recorded" };
        var leaked = leakage.Overlap.Where(o => o.LeakedTexts > 0).ToList();
        if (leakage.Overlap.Count == 0)
            html.Append("<p class=\"note\">No corpus was checked: no strategy of the study pre-trains, or the validation data has no text.</p>\n");
        else if (leaked.Count == 0)
            html.Append(Invariant($"<p class=\"note\">No validation text was found in the pre-training corpora (exact copies after normalisation, and near copies by runs of {StudyLeakage.NgramSize} words at a threshold of {StudyLeakage.Threshold}).</p>\n"));
        else
            html.Append($"<p class=\"note warn\">Validation text is in {Escape(string.Join(" and ", leaked.Select(o => $"the {o.Corpus} corpus")))}: strategies that pre-trained on it were scored partly on text they had seen, so their scores may be too high. "
                + $"The study ran with -AllowOverlap: {Escape(allow)}. study.json lists every match with its file and line.</p>\n");
        if (leakage.Overlap.Count > 0)
        {
            html.Append("<table class=\"numbers\" id=\"leakage\"><thead><tr><th scope=\"col\">Pre-training corpus</th><th scope=\"col\">Validation texts</th><th scope=\"col\">In the corpus</th><th scope=\"col\">Exact copies</th><th scope=\"col\">Near copies</th></tr></thead>\n<tbody>\n");
            foreach (var o in leakage.Overlap)
                html.Append(Invariant($"<tr><th scope=\"row\">{Escape(o.Corpus)}</th><td>{Value(o.HeldOutTexts, $"{o.HeldOutTexts:N0}")}</td><td>{Value(o.LeakedTexts, $"{o.LeakedTexts:N0}")}</td><td>{Value(o.ExactMatches, $"{o.ExactMatches:N0}")}</td><td>{Value(o.NearDuplicates, $"{o.NearDuplicates:N0}")}</td></tr>\n"));
            html.Append("</tbody></table>\n");
        }
        html.Append($"<p class=\"sub\">Run with -AllowOverlap: <strong id=\"allow-overlap\">{Escape(allow)}</strong>. Without it, a leak stops the study before anything trains.</p></section>\n");
    }

    /// <summary>The settings in three tables: the study's own, pre-training's and fine-tuning's (by their names' prefixes).</summary>
    static void AppendSettings(StringBuilder html, IReadOnlyDictionary<string, string> settings)
    {
        html.Append("<section><h2>Settings</h2>\n");
        if (settings.Count == 0) html.Append("<p class=\"sub\">No settings were recorded for this study.</p>\n");
        foreach (var (heading, prefix) in new[] { ("Study", ""), ("Pre-training", "Pre-training "), ("Fine-tuning", "Fine-tuning ") })
        {
            var rows = settings.Where(s => GroupOf(s.Key) == prefix).Select(s => new KeyValuePair<string, string>(s.Key[prefix.Length..], s.Value)).ToList();
            if (rows.Count == 0) continue;
            html.Append($"<h3>{Escape(heading)}</h3>\n");
            HtmlPage.AppendKeyValueTable(html, rows);
        }
        html.Append("</section>\n");
    }

    static string GroupOf(string key) =>
        key.StartsWith("Pre-training ", StringComparison.Ordinal) ? "Pre-training " : key.StartsWith("Fine-tuning ", StringComparison.Ordinal) ? "Fine-tuning " : "";

    static string Setting(AdaptationStudyResult study, string key) => study.Settings.TryGetValue(key, out var value) ? value : "n/a";

    /// <summary>A number as a &lt;data&gt; element: its exact value (round-trip) for machines, <paramref name="shown"/> for people.</summary>
    static string Value(double value, string shown) =>
        $"<data value=\"{Escape(double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "")}\">{Escape(shown)}</data>";

    static string BeforeAfter(double before, double? after) =>
        double.IsNaN(before) ? "n/a" : Value(before, Significant(before)) + (after is double a ? " → " + Value(a, Significant(a)) : "");

    static string BeforeAfter(double? before, double? after) => before is double b ? BeforeAfter(b, after) : "n/a";

    static string Fixed(double value) => double.IsFinite(value) ? value.ToString("F4", CultureInfo.InvariantCulture) : "n/a";

    /// <summary>"+0.0123", "-0.0040"; a difference that rounds to zero reads +0.0000, whatever its sign.</summary>
    static string Signed(double value)
    {
        var text = Fixed(value);
        return text == "-0.0000" ? "+0.0000" : value >= 0 && double.IsFinite(value) ? "+" + text : text;
    }
}
