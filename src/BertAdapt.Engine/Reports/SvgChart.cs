using System.Globalization;
using System.Text;
using static BertAdapt.Engine.Reports.Html;

namespace BertAdapt.Engine.Reports;

/// <summary>
/// Line: a line through the points. Points: dots joined by a thin line (evaluations along a run).
/// Markers: dots alone (values side by side, such as one per seed). Intervals: each point's Y as a
/// short level mark, with a bar from its <see cref="ChartPoint.Low"/> to its <see cref="ChartPoint.High"/>.
/// </summary>
public enum SeriesStyle { Line, Points, Markers, Intervals }

/// <summary>One named series of a chart, drawn in one colour.</summary>
public sealed record ChartSeries(string Name, string Color, IReadOnlyList<ChartPoint> Points)
{
    public SeriesStyle Style { get; init; } = SeriesStyle.Line;
    public double StrokeWidth { get; init; } = 1.5;
    public double Opacity { get; init; } = 1;
    /// <summary>Formats a point's hover text (all styles but lines), e.g. "step 40: 12.3"; without it a point's own <see cref="ChartPoint.Note"/>.</summary>
    public Func<ChartPoint, string>? Tooltip { get; init; }
}

/// <summary>A dashed horizontal line across the plot at <paramref name="Y"/>, labelled at its right end (a baseline's mean, zero).</summary>
public sealed record ChartReferenceLine(double Y, string Label, string Color);

/// <summary>
/// A line/point chart as inline SVG: axes with "nice" ticks, grid, legend, and a message in
/// the plot area when there is nothing to draw. It scales with its container (viewBox), and
/// every series is thinned with <see cref="Decimation.MinMax"/> first. With <see cref="Categories"/>
/// the X axis is categorical: position i is labelled with the i-th name.
/// </summary>
public sealed class SvgChart
{
    const double Left = 70, Right = 18, Top = 40, Bottom = 46, Inset = 8, LabelLine = 13;

    public required string Title { get; init; }
    /// <summary>Unique within the page: it names the chart's clip path.</summary>
    public required string Id { get; init; }
    public string XLabel { get; init; } = "step";
    public string YLabel { get; init; } = "";
    public int Width { get; init; } = 560;
    public int Height { get; init; } = 300;
    /// <summary>Use a log Y axis when the values span this ratio or more (all positive); 0 for never.</summary>
    public double LogYFromRatio { get; init; }
    /// <summary>Start the Y axis at zero, for quantities whose size matters more than their wiggle.</summary>
    public bool YFromZero { get; init; }
    public string EmptyMessage { get; init; } = "no data";
    public int MaxPointsPerSeries { get; init; } = Decimation.DefaultMaxPoints;
    public List<ChartSeries> Series { get; } = [];
    /// <summary>Steps the X axis covers at least, so that charts of one run line up.</summary>
    public (double Min, double Max)? XRange { get; init; }
    /// <summary>Names of the X positions 0, 1, 2, ... (a categorical axis; XRange is then ignored); a '\n' breaks a name into lines.</summary>
    public IReadOnlyList<string>? Categories { get; init; }
    public List<ChartReferenceLine> ReferenceLines { get; } = [];

    /// <summary>After <see cref="Render"/>: whether any series had more points than were drawn.</summary>
    public bool Decimated { get; private set; }

    public string Render()
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Escape(Title)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"title\" x=\"{Left}\" y=\"22\">{Escape(Title)}</text>");
        // Category names of several lines need room below the axis.
        int labelLines = Categories is null || Categories.Count == 0 ? 1 : Categories.Max(c => c.Split('\n').Length);
        double bottom = Bottom + LabelLine * (labelLines - 1);
        double plotW = Width - Left - Right, plotH = Height - Top - bottom;
        var finite = Series.SelectMany(s => s.Points).Where(p => !p.IsGap && double.IsFinite(p.X)).ToList();
        // What the Y axis must show: the values, the ends of their intervals and the reference lines.
        var levels = finite.Select(p => p.Y)
            .Concat(finite.SelectMany(p => new[] { p.Low, p.High }).OfType<double>().Where(double.IsFinite))
            .Concat(finite.Count == 0 ? [] : ReferenceLines.Select(r => r.Y).Where(double.IsFinite)).ToList();
        bool logY = LogYFromRatio > 0 && finite.Count > 0 && levels.Min() > 0 && levels.Max() / levels.Min() >= LogYFromRatio;
        if (finite.Count == 0)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"frame\" x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"empty\" x=\"{Left + plotW / 2}\" y=\"{Top + plotH / 2}\" text-anchor=\"middle\">{Escape(EmptyMessage)}</text></svg>");
            return svg.ToString();
        }

        var x = Categories is { Count: > 0 } names
            ? Axis.Positions(names.Count)
            : Axis.Linear(Math.Min(XRange?.Min ?? double.MaxValue, finite.Min(p => p.X)), Math.Max(XRange?.Max ?? double.MinValue, finite.Max(p => p.X)), integer: true);
        double low = levels.Min(), high = levels.Max();
        if (YFromZero && !logY) (low, high) = (Math.Min(0, low), Math.Max(0, high));
        var y = logY ? Axis.Log(low, high) : Axis.Linear(low, high, integer: false);
        // The data area sits a few pixels inside the frame, so extreme points never lie on it.
        double Px(double v) => Left + Inset + (plotW - 2 * Inset) * x.Fraction(v);
        double Py(double v) => Top + Inset + (plotH - 2 * Inset) * (1 - y.Fraction(v));

        // Grid lines only inside the data area: the frame already marks its edges.
        svg.Append("<g class=\"grid\">");
        foreach (var t in y.Ticks.Where(t => t > y.Min && t < y.Max)) svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Left + plotW}\" y1=\"{R(Py(t))}\" y2=\"{R(Py(t))}\"/>");
        // A categorical axis has its grid lines between the categories, a numeric one at its ticks.
        var columns = Categories is null ? x.Ticks.Where(t => t > x.Min && t < x.Max) : x.Ticks.Skip(1).Select(t => t - 0.5);
        foreach (var t in columns) svg.Append(CultureInfo.InvariantCulture, $"<line y1=\"{Top}\" y2=\"{Top + plotH}\" x1=\"{R(Px(t))}\" x2=\"{R(Px(t))}\"/>");
        svg.Append("</g>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"frame\" x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\"/>");
        svg.Append("<g class=\"ticks\">");
        foreach (var t in y.Ticks) svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{R(Py(t) + 4)}\" text-anchor=\"end\">{Escape(y.Label(t))}</text>");
        foreach (var t in x.Ticks) svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{R(Px(t))}\" y=\"{Top + plotH + 16}\" text-anchor=\"middle\">{TickLabel(t, x, Px(t))}</text>");
        svg.Append("</g>");
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" x=\"{Left + plotW / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">{Escape(XLabel)}</text>");
        var yLabel = logY ? $"{YLabel} (log scale)" : YLabel;
        svg.Append(CultureInfo.InvariantCulture, $"<text class=\"axis\" transform=\"translate(16 {R(Top + plotH / 2)}) rotate(-90)\" text-anchor=\"middle\">{Escape(yLabel)}</text>");

        // Clip to the frame, so that nothing drawn spills over the axes or the legend.
        var clip = $"{Id}-plot";
        svg.Append(CultureInfo.InvariantCulture, $"<clipPath id=\"{clip}\"><rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\"/></clipPath><g clip-path=\"url(#{clip})\">");
        foreach (var line in ReferenceLines.Where(r => double.IsFinite(r.Y) && (!logY || r.Y > 0)))
        {
            double at = Py(line.Y);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"reference\" x1=\"{Left}\" x2=\"{Left + plotW}\" y1=\"{R(at)}\" y2=\"{R(at)}\" stroke=\"{line.Color}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"reference\" x=\"{Left + plotW - 4}\" y=\"{R(at - 4)}\" text-anchor=\"end\">{Escape(line.Label)}</text>");
        }
        Decimated = false;
        foreach (var series in Series)
        {
            var points = logY ? series.Points.Select(p => p.Y > 0 ? p with { Low = p.Low > 0 ? p.Low : null, High = p.High > 0 ? p.High : null } : p with { Y = double.NaN }).ToList() : series.Points;
            var drawn = Decimation.MinMax(points, MaxPointsPerSeries);
            Decimated |= drawn.Count(p => !p.IsGap) < points.Count(p => !p.IsGap);
            switch (series.Style)
            {
                case SeriesStyle.Points or SeriesStyle.Markers: AppendPoints(svg, series, drawn, Px, Py); break;
                case SeriesStyle.Intervals: AppendIntervals(svg, series, drawn, Px, Py); break;
                default: AppendLine(svg, series, drawn, Px, Py); break;
            }
        }
        svg.Append("</g>");
        AppendLegend(svg);
        svg.Append("</svg>");
        return svg.ToString();
    }

    static void AppendLine(StringBuilder svg, ChartSeries series, List<ChartPoint> points, Func<double, double> px, Func<double, double> py)
    {
        var path = new StringBuilder();
        var lonely = new List<ChartPoint>();
        for (int i = 0; i < points.Count; i++)
        {
            if (points[i].IsGap) continue;
            bool starts = i == 0 || points[i - 1].IsGap, ends = i == points.Count - 1 || points[i + 1].IsGap;
            if (starts && ends) { lonely.Add(points[i]); continue; }
            path.Append(CultureInfo.InvariantCulture, $"{(starts ? "M" : "L")}{R(px(points[i].X))} {R(py(points[i].Y))}");
        }
        var look = string.Create(CultureInfo.InvariantCulture, $"stroke=\"{series.Color}\" stroke-width=\"{series.StrokeWidth}\" opacity=\"{series.Opacity}\"");
        if (path.Length > 0) svg.Append(CultureInfo.InvariantCulture, $"<path class=\"line\" d=\"{path}\" {look}/>");
        // A point with no neighbour (one step, or between two gaps) would draw no line at all.
        foreach (var p in lonely)
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{R(px(p.X))}\" cy=\"{R(py(p.Y))}\" r=\"{Math.Max(2.5, series.StrokeWidth + 1)}\" fill=\"{series.Color}\" opacity=\"{series.Opacity}\"/>");
    }

    static void AppendPoints(StringBuilder svg, ChartSeries series, List<ChartPoint> points, Func<double, double> px, Func<double, double> py)
    {
        var finite = points.Where(p => !p.IsGap).ToList();
        // A thin joining line helps to read the trend between evaluations (markers stand alone).
        if (finite.Count > 1 && series.Style == SeriesStyle.Points)
            svg.Append(CultureInfo.InvariantCulture, $"<path class=\"line\" d=\"M{string.Join(" L", finite.Select(p => $"{R(px(p.X))} {R(py(p.Y))}"))}\" stroke=\"{series.Color}\" stroke-width=\"1\" opacity=\"0.5\"/>");
        foreach (var p in finite)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{R(px(p.X))}\" cy=\"{R(py(p.Y))}\" r=\"3.5\" fill=\"{series.Color}\" opacity=\"{series.Opacity}\">{Tip(series, p)}</circle>");
        }
    }

    /// <summary>Each point as a level mark at Y, with a capped bar over its interval when it has one; hovering over either shows its text.</summary>
    static void AppendIntervals(StringBuilder svg, ChartSeries series, List<ChartPoint> points, Func<double, double> px, Func<double, double> py)
    {
        const double Cap = 4, Mark = 9;
        foreach (var p in points.Where(p => !p.IsGap))
        {
            double at = px(p.X);
            svg.Append(CultureInfo.InvariantCulture, $"<g class=\"interval\" stroke=\"{series.Color}\" opacity=\"{series.Opacity}\">{Tip(series, p)}");
            if (p.Low is double low && p.High is double high && double.IsFinite(low) && double.IsFinite(high))
            {
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{R(at)}\" x2=\"{R(at)}\" y1=\"{R(py(low))}\" y2=\"{R(py(high))}\" stroke-width=\"{series.StrokeWidth}\"/>");
                foreach (var end in new[] { low, high })
                    svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{R(at - Cap)}\" x2=\"{R(at + Cap)}\" y1=\"{R(py(end))}\" y2=\"{R(py(end))}\" stroke-width=\"{series.StrokeWidth}\"/>");
            }
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{R(at - Mark)}\" x2=\"{R(at + Mark)}\" y1=\"{R(py(p.Y))}\" y2=\"{R(py(p.Y))}\" stroke-width=\"3\"/></g>");
        }
    }

    static string Tip(ChartSeries series, ChartPoint p) => (series.Tooltip?.Invoke(p) ?? p.Note) is { } text ? $"<title>{Escape(text)}</title>" : "";

    /// <summary>A tick's label: its number, or on a categorical axis its category's name, one line per tspan.</summary>
    string TickLabel(double tick, Axis x, double at)
    {
        if (Categories is null) return Escape(x.Label(tick));
        var lines = Categories[(int)Math.Round(tick)].Split('\n');
        return string.Concat(lines.Select((line, i) => string.Create(CultureInfo.InvariantCulture, $"<tspan x=\"{R(at)}\" dy=\"{(i == 0 ? 0 : LabelLine)}\">{Escape(line)}</tspan>")));
    }

    void AppendLegend(StringBuilder svg)
    {
        // A series without a name (the segments joining paired markers) has no entry.
        var named = Series.Where(s => s.Name.Length > 0).ToList();
        if (named.Count < 2) return;
        double right = Width - Right;
        foreach (var series in Enumerable.Reverse(named))
        {
            double textWidth = 6.5 * series.Name.Length;
            svg.Append(CultureInfo.InvariantCulture, $"<text class=\"legend\" x=\"{R(right)}\" y=\"22\" text-anchor=\"end\">{Escape(series.Name)}</text>");
            right -= textWidth + 6;
            if (series.Style is SeriesStyle.Points or SeriesStyle.Markers)
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{R(right - 5)}\" cy=\"18\" r=\"3.5\" fill=\"{series.Color}\"/>");
            else if (series.Style == SeriesStyle.Intervals)
                svg.Append(CultureInfo.InvariantCulture, $"<g stroke=\"{series.Color}\"><line x1=\"{R(right - 6)}\" x2=\"{R(right - 6)}\" y1=\"11\" y2=\"25\" stroke-width=\"1.5\"/><line x1=\"{R(right - 12)}\" x2=\"{R(right)}\" y1=\"18\" y2=\"18\" stroke-width=\"3\"/></g>");
            else
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{R(right - 18)}\" x2=\"{R(right)}\" y1=\"18\" y2=\"18\" stroke=\"{series.Color}\" stroke-width=\"3\" opacity=\"{Math.Max(series.Opacity, 0.6)}\"/>");
            right -= series.Style == SeriesStyle.Line ? 30 : 18;
        }
    }

    static string R(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);
}
