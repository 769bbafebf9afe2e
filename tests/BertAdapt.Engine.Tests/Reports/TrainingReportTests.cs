using System.Text.RegularExpressions;
using BertAdapt.Engine.Reports;
using BertAdapt.Engine.Training;

namespace BertAdapt.Engine.Tests.Reports;

public sealed class TrainingReportTests : IDisposable
{
    readonly string temp = Directory.CreateTempSubdirectory("bertadapt-report-").FullName;

    public void Dispose() => Directory.Delete(temp, recursive: true);

    internal static TrainingStepMetrics Step(int step, double loss, double? perplexity = null) =>
        new(step, 0, loss, 5e-5 * step, 1.0, 512, 70, 1000 + step, 0.1 * step)
        {
            ValidationPerplexity = perplexity,
            ValidationLoss = perplexity is double p ? Math.Log(p) : null,
        };

    static readonly KeyValuePair<string, string>[] Settings = [new("Batch size", "8")];

    [Fact]
    public void EscapesTheTitleAndEverySetting()
    {
        var evil = "<script>alert('x')</script> & \"quoted\"";
        var html = TrainingReport.Render([Step(1, 3.0)], [new(evil, evil)], evil);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;", html);
    }

    [Fact]
    public void HasNoExternalReferencesOrScripts()
    {
        var html = TrainingReport.Render(Enumerable.Range(1, 50).Select(i => Step(i, 5.0 / i, i % 10 == 0 ? 100.0 / i : null)).ToList(), Settings, "run");
        foreach (var forbidden in new[] { "http://", "https://", "src=", "<script", "<link", "@import", "@font-face", "<img" })
            Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
        // url() only ever names a clip path inside the page.
        Assert.All(Regex.Matches(html, @"url\(([^)]*)\)").Select(m => m.Groups[1].Value), target => Assert.StartsWith("#", target));
        Assert.Equal(4, Regex.Matches(html, "<svg").Count);
        Assert.Contains("<th scope=\"row\">Batch size</th><td>8</td>", html);
    }

    [Fact]
    public void RendersASingleStepAsVisibleMarkersOnFiniteAxes()
    {
        var html = TrainingReport.Render([Step(7, 5.5, 210.5)], Settings, "one");
        Assert.DoesNotContain("NaN", html);
        Assert.DoesNotContain("Infinity", html);
        // One point has no neighbour to draw a line to, so it becomes a dot.
        Assert.Contains("<circle", html);
        Assert.Contains(">step 7<", html);
    }

    [Fact]
    public void SaysSoWhenNoValidationRan()
    {
        var html = TrainingReport.Render([Step(1, 3.0), Step(2, 2.9)], Settings, "run");
        Assert.Contains("no validation was run", html);
    }

    [Fact]
    public void LeavesNonFiniteLossesAsGapsAndCountsThem()
    {
        var steps = Enumerable.Range(1, 40).Select(i => Step(i, i is >= 10 and < 15 ? double.NaN : i == 20 ? double.PositiveInfinity : 4.0 - 0.01 * i)).ToList();
        var html = TrainingReport.Render(steps, Settings, "gaps");
        Assert.DoesNotContain("NaN", html);
        Assert.DoesNotContain("Infinity", html);
        Assert.Contains("6 non-finite loss value(s)", html);
        var lossChart = Regex.Match(html, "<svg[^>]*aria-label=\"Training loss\".*?</svg>", RegexOptions.Singleline).Value;
        var rawPath = Regex.Match(lossChart, "<path class=\"line\" d=\"([^\"]*)\"").Groups[1].Value;
        Assert.Equal(3, rawPath.Count(c => c == 'M'));
    }

    [Fact]
    public void SummarisesTheRun()
    {
        var steps = new List<TrainingStepMetrics> { Step(1, 4.0), Step(2, 3.5, 40), Step(3, 3.2), Step(4, 3.0, 30), Step(5, 2.9, 35) };
        var summary = TrainingSummary.Of(steps);
        Assert.Equal(5, summary.Steps);
        Assert.Equal(2.9, summary.FinalLoss);
        Assert.Equal(30, summary.BestValidationPerplexity);
        Assert.Equal(4, summary.BestValidationStep);
        Assert.Equal(5 * 512, summary.Tokens);
        Assert.Equal(0.5, summary.ElapsedSeconds, 6);
    }

    [Fact]
    public void AddsUpElapsedTimeOverResumedSessions()
    {
        // A resumed run restarts its clock: 3 s, then 2 s more.
        var steps = new[] { (1, 1.0), (2, 2.0), (3, 3.0), (4, 1.0), (5, 2.0) }
            .Select(s => Step(s.Item1, 3.0) with { ElapsedSeconds = s.Item2 }).ToList();
        Assert.Equal(5.0, TrainingSummary.Of(steps).ElapsedSeconds, 6);
    }

    [Fact]
    public void WritesAtomicallyAndRefusesToOverwriteUnlessAsked()
    {
        var path = Path.Combine(temp, "report.html");
        TrainingReport.Write(path, "first", overwrite: false);
        var error = Assert.Throws<BertAdaptException>(() => TrainingReport.Write(path, "second", overwrite: false));
        Assert.Equal("ReportExists", error.ErrorId);
        Assert.Equal("first", File.ReadAllText(path));
        TrainingReport.Write(path, "third", overwrite: true);
        Assert.Equal("third", File.ReadAllText(path));
        Assert.Equal(["report.html"], Directory.GetFiles(temp).Select(Path.GetFileName));
    }

    [Fact]
    public void FormatsAxisNumbersTheWayPeopleReadThem()
    {
        Assert.Equal("7", Html.Number(7, 1));
        Assert.Equal("2.5", Html.Number(2.5, 2.5));
        Assert.Equal("0.25", Html.Number(0.25, 0.25));
        Assert.Equal("1e-3", Html.Number(0.001, 2e-4));
        Assert.Equal("8e-4", Html.Number(0.0008, 2e-4));
        Assert.Equal("20k", Html.Number(20000, 10000));
        Assert.Equal("1.5M", Html.Number(1.5e6, 5e5));
        Assert.Equal("n/a", Html.Number(double.NaN));
    }
}
