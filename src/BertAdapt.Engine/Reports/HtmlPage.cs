using System.Globalization;
using System.Text;
using static BertAdapt.Engine.Reports.Html;

namespace BertAdapt.Engine.Reports;

/// <summary>
/// The frame every BertAdapt report shares (the training report and the adaptation study's):
/// one self-contained page with its styles inline, a Content-Security-Policy that forbids it to
/// load anything (no scripts, images or fonts from anywhere), a header, figures around inline
/// SVG charts, and key/value tables. Callers add their sections between <see cref="Begin"/> and
/// <see cref="End"/>; every text that goes through here is escaped.
/// </summary>
public static class HtmlPage
{
    /// <summary>A new page up to its header: the title, and under it "Generated ... by BertAdapt" and <paramref name="source"/>.</summary>
    public static StringBuilder Begin(string title, string source, DateTimeOffset? generated = null)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append($"<title>{Escape(title)}</title>\n<style>{Style}</style>\n</head>\n<body>\n<main>\n");
        var when = (generated ?? DateTimeOffset.UtcNow).ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        html.Append($"<header><h1>{Escape(title)}</h1><p class=\"sub\">Generated {Escape(when)} by BertAdapt {Escape(source)}</p></header>\n");
        return html;
    }

    /// <summary>The footer's note and the end of the page.</summary>
    public static string End(StringBuilder html, string footer)
    {
        html.Append($"<footer>{Escape(footer)}</footer>\n");
        html.Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    /// <summary>A rendered chart in its frame, with a caption under it when there is one.</summary>
    public static void AppendFigure(StringBuilder html, string svg, string? caption = null) =>
        html.Append($"<figure>{svg}{(string.IsNullOrEmpty(caption) ? "" : $"<figcaption>{Escape(caption)}</figcaption>")}</figure>\n");

    /// <summary>A row of summary cards: each a name, a large value and a note under it.</summary>
    public static void AppendCards(StringBuilder html, IEnumerable<(string Key, string Value, string Note)> cards)
    {
        html.Append("<section class=\"cards\">");
        foreach (var (key, value, note) in cards)
            html.Append($"<div class=\"card\"><div class=\"k\">{Escape(key)}</div><div class=\"v\">{Escape(value)}</div><div class=\"n\">{Escape(note)}</div></div>");
        html.Append("</section>\n");
    }

    /// <summary>A two-column table of names and values; <paramref name="header"/> is a first row naming the columns.</summary>
    public static void AppendKeyValueTable(StringBuilder html, IEnumerable<KeyValuePair<string, string>> rows, (string Key, string Value)? header = null)
    {
        html.Append("<table class=\"settings\">\n");
        if (header is var (key, value)) html.Append($"<tr><th scope=\"col\">{Escape(key)}</th><td>{Escape(value)}</td></tr>\n");
        foreach (var row in rows)
            html.Append($"<tr><th scope=\"row\">{Escape(row.Key)}</th><td>{Escape(row.Value)}</td></tr>\n");
        html.Append("</table>\n");
    }

    const string Style = """
        body{margin:0;background:#f4f5f7;color:#1d2430;font:14px/1.45 system-ui,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
        main{max-width:1200px;margin:0 auto;padding:20px 28px 32px}
        h1{font-size:24px;margin:0 0 2px}h2{font-size:18px;margin:24px 0 8px}h3{font-size:15px;margin:16px 0 6px}
        .sub{color:#5b6472;margin:0 0 16px}
        .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin-bottom:16px}
        .card{background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:10px 14px}
        .card .k{font-size:12px;color:#5b6472;text-transform:uppercase;letter-spacing:.04em}
        .card .v{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
        .card .n{font-size:12px;color:#5b6472}
        .charts{display:grid;grid-template-columns:1fr 1fr;gap:16px}
        .charts.wide{grid-template-columns:1fr}
        @media (max-width:900px){.charts{grid-template-columns:1fr}}
        figure{margin:0;background:#fff;border:1px solid #dde1e7;border-radius:8px;padding:6px}
        figcaption{font-size:12px;color:#5b6472;padding:0 10px 6px}
        svg.chart{display:block;width:100%;height:auto;font-family:inherit}
        .chart .title{font-size:15px;font-weight:600;fill:#1d2430}
        .chart .grid line{stroke:#e8ebef;stroke-width:1}
        .chart .frame{fill:none;stroke:#a3abb6}
        .chart .ticks text{font-size:11px;fill:#5b6472;font-variant-numeric:tabular-nums}
        .chart .axis{font-size:12px;fill:#374151}
        .chart .legend{font-size:11px;fill:#374151}
        .chart .line{fill:none;stroke-linejoin:round;stroke-linecap:round}
        .chart line.reference{stroke-width:1.2;stroke-dasharray:5 4}
        .chart text.reference{font-size:11px;fill:#5b6472}
        .chart .empty{font-size:15px;fill:#5b6472;font-style:italic}
        table.settings{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e7}
        .settings th,.settings td{text-align:left;vertical-align:top;padding:6px 12px;border-bottom:1px solid #eef0f3}
        .settings tr:last-child>*{border-bottom:none}
        .settings th{width:28%;font-weight:600;color:#374151}
        .settings td{white-space:pre-wrap;overflow-wrap:anywhere;font:13px/1.45 ui-monospace,"DejaVu Sans Mono",monospace}
        .scroll{overflow-x:auto}
        table.numbers{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e7;font-variant-numeric:tabular-nums}
        .numbers th,.numbers td{text-align:right;vertical-align:top;padding:6px 10px;border-bottom:1px solid #eef0f3}
        .numbers th:first-child,.numbers td:first-child{text-align:left}
        .numbers thead th{font-size:12px;color:#5b6472;font-weight:600;border-bottom:1px solid #dde1e7}
        .numbers tbody th{font-weight:600;color:#374151}
        .numbers ul{list-style:none;margin:0;padding:0}
        .numbers .n{display:block;font-size:12px;color:#5b6472}
        .verdict-Better{color:#2f9e44;font-weight:600}.verdict-Worse{color:#c92a2a;font-weight:600}
        .verdict-WithinNoise,.verdict-Undetermined,.verdict-Baseline{color:#5b6472}
        .note{background:#fff;border:1px solid #dde1e7;border-left:4px solid #a3abb6;border-radius:4px;padding:8px 12px;margin:0 0 12px}
        .note.warn{border-left-color:#d9480f}
        footer{margin-top:16px;font-size:12px;color:#5b6472}
        """;
}
