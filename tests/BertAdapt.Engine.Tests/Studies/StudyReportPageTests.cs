using System.Globalization;
using System.Text.RegularExpressions;
using BertAdapt.Engine.Reports;
using BertAdapt.Engine.Studies;

namespace BertAdapt.Engine.Tests.Studies;

/// <summary>report.html of a study, from synthetic run records: what it shows must be what the strategy reports say.</summary>
public sealed class StudyReportPageTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-study-report-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    const string Hostile = "<script>alert('x')</script> & \"q\"";

    static readonly Dictionary<string, string> Settings = new()
    {
        ["Strategies"] = "FineTuneOnly, DomainMlm, TaskMlm",
        ["Mask probabilities"] = "0.15",
        ["Seeds"] = "1, 2, 3",
        ["Pre-training steps"] = "10",
        ["Pre-training budget"] = "10 steps of 4 x 32 tokens",
        ["Pre-training each seed"] = "False",
        ["Domain corpus"] = $"{Hostile}.txt (12 bytes, sha256 0123)",
        ["Fine-tuning Batch size"] = "8",
    };

    static readonly double[] OnlyScores = [0.60, 0.62, 0.65], DomainScores = [0.80, 0.82, 0.83], TaskScores = [0.58, 0.66, 0.61];

    /// <summary>A finished study of three strategies and three seeds, its records made up, its reports made by <see cref="StudyReport"/>.</summary>
    static AdaptationStudyResult Study(double? referenceBefore = 80, StudyLeakageCheck? leakage = null)
    {
        var plan = StudySettings.PlanOf(Settings, out var budget);
        var records = new Dictionary<string, StudyRunRecord>();
        foreach (var run in plan.FineTuning)
        {
            var scores = run.Strategy switch { AdaptationStrategy.FineTuneOnly => OnlyScores, AdaptationStrategy.DomainMlm => DomainScores, _ => TaskScores };
            records[run.Folder] = new StudyRunRecord
            {
                Kind = StudyRunRecord.FineTune, Folder = run.Folder, Strategy = run.Strategy, MaskProbability = run.MaskProbability, Seed = run.Seed,
                Metric = "macro-F1", Score = scores[(int)run.Seed - 1], Steps = 6, Tokens = 600 + run.Seed, WallSeconds = 2.5,
            };
        }
        foreach (var stage in plan.Pretraining)
            records[stage.Folder] = new StudyRunRecord
            {
                Kind = StudyRunRecord.Pretrain, Folder = stage.Folder, Strategy = stage.Strategy, Stage = stage.Stage, MaskProbability = stage.MaskProbability,
                Seed = stage.Seed, Steps = 10, Tokens = 1280, WallSeconds = 12.25,
                DomainPerplexity = stage.Strategy == AdaptationStrategy.DomainMlm ? 41.5 : 77.25, ReferencePerplexity = referenceBefore is null ? null : 95.125,
            };
        var baseRecord = new StudyRunRecord { Kind = StudyRunRecord.Base, Folder = StudyFiles.BaseModelFolder, DomainPerplexity = 4321.5, ReferencePerplexity = referenceBefore };
        var all = new List<StudyRunRecord> { baseRecord };
        all.AddRange(plan.Pretraining.Select(s => records[s.Folder]));
        all.AddRange(plan.FineTuning.Select(r => records[r.Folder]));
        return new AdaptationStudyResult(StudyReport.Summarize(plan, baseRecord, records, budget), all)
        {
            Settings = Settings,
            Leakage = leakage ?? new StudyLeakageCheck { AllowOverlap = true, Overlap = [new StudyOverlapCount(Hostile, 12, 2, 0, 2), new StudyOverlapCount("task", 12, 0, 0, 0)] },
        };
    }

    static string R(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    static string Row(string html, string label) =>
        Regex.Match(html, $"<tr data-strategy=\"{Regex.Escape(label)}\">.*?</tr>", RegexOptions.Singleline).Value;

    static string Chart(string html, string id) =>
        Regex.Match(html, $"<svg[^>]*>(?:(?!</svg>).)*?<clipPath id=\"{id}-plot\">.*?</svg>", RegexOptions.Singleline).Value;

    [Fact]
    public void ShowsEachStrategyEachSeedItsMeanAndVerdictAsTheReportsHaveThem()
    {
        var study = Study();
        var html = StudyReportPage.Render(study, "study");
        Assert.Equal(3, study.Strategies.Count);
        foreach (var report in study.Strategies)
        {
            var label = report.MaskProbability is null ? report.Strategy.ToString() : $"{report.Strategy} masking 0.15";
            var row = Row(html, label);
            Assert.NotEqual("", row);
            Assert.Contains($"<td class=\"mean\"><data value=\"{R(report.MetricMean)}\">{report.MetricMean.ToString("F4", CultureInfo.InvariantCulture)}</data>", row);
            Assert.Contains($"<td class=\"sd\"><data value=\"{R(report.MetricStdDev!.Value)}\">", row);
            Assert.Contains($"<td class=\"verdict verdict-{report.Verdict}\">{report.Verdict}</td>", row);
            Assert.Contains($"<data value=\"{R(report.WallSeconds)}\">", row);
            Assert.Contains($"<data value=\"{R(report.TokensProcessed)}\">", row);
            var fineTunes = study.Runs.Where(r => r.Kind == StudyRunRecord.FineTune && r.Strategy == report.Strategy).ToList();
            Assert.Equal(3, fineTunes.Count);
            foreach (var run in fineTunes)
            {
                // The seed's cell names its run and holds its record's exact score; its dot's tooltip the same, rounded.
                Assert.Contains($"<li data-run=\"{run.Folder}\">seed {run.Seed}: <data value=\"{R(run.Score!.Value)}\">", row);
                Assert.Contains($"<title>{Html.Escape($"{label}, seed {run.Seed}: macro-F1 {Html.Significant(run.Score.Value)}")}</title>", Chart(html, "metric"));
            }
            if (report.Verdict != AdaptationVerdict.Baseline)
            {
                Assert.Contains($"<data value=\"{R(report.Difference!.Value)}\">", row);
                Assert.Contains($" [<data value=\"{R(report.DifferenceLow!.Value)}\">", row);
                Assert.Contains($"<data value=\"{R(report.DifferenceHigh!.Value)}\">", row);
                Assert.Contains(Html.Escape("Welch's t, 95%, against FineTuneOnly"), row);
            }
        }
        // The data chosen so that the verdicts differ: a clear gain, and noise.
        Assert.Equal([AdaptationVerdict.Baseline, AdaptationVerdict.Better, AdaptationVerdict.WithinNoise], study.Strategies.Select(r => r.Verdict));
        // A dot per seed (the legend's dot has no tooltip).
        Assert.Equal(9, Regex.Matches(Chart(html, "metric"), "<circle[^>]*><title>").Count);
    }

    [Fact]
    public void DrawsFineTuneOnlysSpreadAndEachIntervalAroundTheStrategysMean()
    {
        var study = Study();
        var (only, domain) = (study.Strategies[0], study.Strategies[1]);
        var chart = Chart(StudyReportPage.Render(study, "study"), "metric");
        // One bar for FineTuneOnly, one per other strategy, each a group with its tooltip; and the dashed baseline.
        Assert.Equal(3, Regex.Matches(chart, "<g class=\"interval\"").Count);
        Assert.Contains(Html.Escape($"FineTuneOnly mean {Html.Significant(only.MetricMean)}"), chart);
        Assert.Contains("class=\"reference\"", chart);
        Assert.Contains(Html.Escape($"difference +{domain.Difference!.Value.ToString("F4", CultureInfo.InvariantCulture)}"), chart);
        // Categorical axis: each strategy's name under its position, the masking rate on a line of its own.
        Assert.Contains(">DomainMlm</tspan><tspan", chart);
        Assert.Contains(">masking 0.15</tspan>", chart);
        Assert.DoesNotContain("NaN", chart);
    }

    [Fact]
    public void ShowsPerplexityBeforeAndAfterAndForgettingOnlyWithAReferenceCorpus()
    {
        var with = StudyReportPage.Render(Study(), "study");
        Assert.Equal(3, Regex.Matches(with, "<svg").Count);
        Assert.Contains("General-domain perplexity (forgetting)", with);
        var domainChart = Chart(with, "domain-perplexity");
        Assert.Contains(Html.Escape($"DomainMlm masking 0.15: after pre-training {Html.Significant(41.5)}"), domainChart);
        // 4321.5 to 41.5 spans a ratio above 20: a log axis.
        Assert.Contains("(log scale)", domainChart);
        Assert.Contains($"<data value=\"{R(4321.5)}\">", Row(with, "DomainMlm masking 0.15"));
        Assert.Contains($"<data value=\"{R(95.125)}\">", Row(with, "TaskMlm masking 0.15"));

        var without = StudyReportPage.Render(Study(referenceBefore: null), "study");
        Assert.Equal(2, Regex.Matches(without, "<svg").Count);
        Assert.Contains("No reference corpus was given", without);
    }

    [Fact]
    public void ShowsTheLeakageCheckAndWhetherOverlapWasAllowed()
    {
        var html = StudyReportPage.Render(Study(), "study");
        var table = Regex.Match(html, "<table class=\"numbers\" id=\"leakage\">.*?</table>", RegexOptions.Singleline).Value;
        Assert.Contains($"<th scope=\"row\">{Html.Escape(Hostile)}</th><td><data value=\"12\">12</data></td><td><data value=\"2\">2</data></td>", table);
        Assert.Contains("<strong id=\"allow-overlap\">yes</strong>", html);
        Assert.Contains("note warn", html);

        var clean = StudyReportPage.Render(Study(leakage: new StudyLeakageCheck { AllowOverlap = false, Overlap = [new StudyOverlapCount("domain", 12, 0, 0, 0)] }), "study");
        Assert.Contains("No validation text was found in the pre-training corpora", clean);
        Assert.Contains("<strong id=\"allow-overlap\">no</strong>", clean);
        Assert.Contains("did not record its leakage check", StudyReportPage.Render(Study() with { Leakage = null }, "study"));
    }

    [Fact]
    public void EscapesEveryTextAndLoadsNothing()
    {
        var html = StudyReportPage.Render(Study(), Hostile);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(Html.Escape(Hostile), html);
        Assert.Contains($"<td>{Html.Escape(Hostile)}.txt (12 bytes, sha256 0123)</td>", html);
        foreach (var forbidden in new[] { "http://", "https://", "src=", "<link", "@import", "@font-face", "<img", "<iframe", "<object" })
            Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
        // The one "http" is the name of the Content-Security-Policy's meta attribute.
        Assert.All(Regex.Matches(html, "http", RegexOptions.IgnoreCase), m => Assert.Equal("http-equiv", html.Substring(m.Index, 10)));
        Assert.All(Regex.Matches(html, @"url\(([^)]*)\)").Select(m => m.Groups[1].Value), target => Assert.StartsWith("#", target));
        Assert.Contains("<h3>Pre-training</h3>", html);
        Assert.Contains("<th scope=\"row\">Batch size</th><td>8</td>", html);
    }

    [Fact]
    public void CollectReportsCopiedResultFilesFromStudyJsonAndWritesReportHtmlAtomically()
    {
        var study = Study();
        StudyFiles.WriteStudyJson(Path.Combine(temp, StudyFiles.StudyJsonName), study, []);
        var collected = AdaptationStudy.Collect(temp);
        Assert.Equal(study.Strategies.Select(r => r.MetricMean), collected.Strategies.Select(r => r.MetricMean));
        Assert.Equal(study.Strategies.Select(r => r.DifferenceLow), collected.Strategies.Select(r => r.DifferenceLow));
        Assert.Equal(study.Strategies.Select(r => r.SeedScores.ToString()), collected.Strategies.Select(r => r.SeedScores.ToString()));
        Assert.Equal(study.Runs.Count, collected.Runs.Count);
        var html = File.ReadAllText(Path.Combine(temp, StudyFiles.ReportName));
        Assert.Contains($"<td class=\"mean\"><data value=\"{R(study.Strategies[1].MetricMean)}\">", html);
        // study.json recorded AllowOverlap (true here) and no corpus's counts, since none were given.
        Assert.Contains("<strong id=\"allow-overlap\">yes</strong>", html);
        Assert.Equal([StudyFiles.ReportName, StudyFiles.StudyJsonName], Directory.GetFiles(temp).Select(Path.GetFileName).Order());
    }
}
