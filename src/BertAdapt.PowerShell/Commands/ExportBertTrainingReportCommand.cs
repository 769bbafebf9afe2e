using System.Management.Automation;
using BertAdapt.Engine.Reports;
using BertAdapt.Engine.Training;
using BertAdapt.PowerShell.Internal;

namespace BertAdapt.PowerShell.Commands;

/// <summary>Writes a training run (a model's history, or a metrics JSONL file) as one self-contained HTML page.</summary>
[Cmdlet(VerbsData.Export, "BertTrainingReport", SupportsShouldProcess = true, DefaultParameterSetName = ModelSet)]
[OutputType(typeof(FileInfo))]
public sealed class ExportBertTrainingReportCommand : BertCmdlet
{
    const string ModelSet = "Model", MetricsSet = "MetricsPath", LiteralMetricsSet = "LiteralMetricsPath";

    #region Parameters

    /// <summary>The HTML file to create. Not expanded as a wildcard: it names something new.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    [Parameter(ParameterSetName = ModelSet, Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public BertModel Model { get; set; } = null!;

    /// <summary>A metrics JSONL file, or a run directory (its metrics.jsonl is used).</summary>
    [Parameter(ParameterSetName = MetricsSet, Mandatory = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string MetricsPath { get; set; } = "";

    /// <summary>-MetricsPath named exactly, never expanded; a piped metrics file binds here through PSPath.</summary>
    [Parameter(ParameterSetName = LiteralMetricsSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "FullName")]
    [ValidateNotNullOrEmpty]
    public string LiteralMetricsPath { get; set; } = "";

    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Title { get; set; }

    /// <summary>Reports only the run with this id (the run_id of its metrics lines); by default every run, drawn apart.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? RunId { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    #endregion

    #region Overrides

    bool FromFile => ParameterSetName != ModelSet;

    /// <summary>The destination is checked before any input arrives, so '… | Invoke-MlmTraining | Export-BertTrainingReport' fails before training.</summary>
    protected override void BeginCommand() => Guard(() => TrainingReport.CheckDestination(ResolveLiteral(Path), Force));

    protected override void ProcessInput()
    {
        var target = ResolveLiteral(Path);
        var progress = new ProgressRecord(2, "Export-BertTrainingReport", "Reading the metrics");
        WriteProgress(progress);
        metricsFile = null; // a piped file per record
        var (metrics, settings, title) = Guard(() => FromFile ? FromMetricsFile() : FromModel());
        if (RunId is not null)
        {
            var all = metrics;
            metrics = all.Where(m => m.RunId == RunId).ToList();
            if (metrics.Count == 0)
                ThrowTerminatingError(ErrorRecords.From(new BertAdaptException("ReportRunNotFound", BertAdaptErrorKind.ObjectNotFound,
                    $"No step record has the run id '{RunId}'. The runs there are: {string.Join(", ", all.Select(m => m.RunId ?? "(none)").Distinct())}.", RunId)));
        }
        if (metrics.Count == 0)
        {
            var source = FromFile ? $"The metrics file '{MetricsFileOf()}'" : $"The model {Model}";
            ThrowTerminatingError(ErrorRecords.From(new BertAdaptException("ReportNoMetrics", BertAdaptErrorKind.InvalidData,
                $"{source} has no training steps to report. Train it with Invoke-MlmTraining first (use -MetricsPath or -OutputPath to keep a metrics file).", target)));
        }
        // Checked again: an earlier record of this pipeline may have written the file since.
        bool exists = File.Exists(target);
        Guard(() => TrainingReport.CheckDestination(target, Force));

        if (ShouldProcess(target, exists ? "Replace with a training report" : "Write a training report"))
        {
            progress.StatusDescription = $"Drawing {metrics.Count:N0} steps";
            WriteProgress(progress);
            Guard(() => TrainingReport.Write(target, TrainingReport.Render(metrics, settings, Title ?? title), overwrite: Force));
            WriteVerbose($"Wrote the report of {metrics.Count} step(s) to '{target}'.");
            if (PassThru) WriteObject(new FileInfo(target));
        }
        WriteProgress(new ProgressRecord(2, "Export-BertTrainingReport", "Done") { RecordType = ProgressRecordType.Completed });
    }

    #endregion

    (IReadOnlyList<TrainingStepMetrics>, List<KeyValuePair<string, string>>, string) FromModel() =>
        (Model.History.ToList(), RunSettings.FromModel(Model), $"Training report: {Model.Preset ?? Model.Shape}");

    (IReadOnlyList<TrainingStepMetrics>, List<KeyValuePair<string, string>>, string) FromMetricsFile()
    {
        var file = MetricsFileOf();
        var job = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(file));
        return (MetricsFile.Read(file, Cancellation), RunSettings.FromJob(file), $"Training report: {job}");
    }

    string? metricsFile;

    /// <summary>The one metrics file -MetricsPath names; a run directory stands for its metrics.jsonl.</summary>
    string MetricsFileOf()
    {
        if (metricsFile is not null) return metricsFile;
        bool isLiteral = ParameterSetName == LiteralMetricsSet;
        var given = isLiteral ? LiteralMetricsPath : MetricsPath;
        var literal = ResolveLiteral(isLiteral ? given : WildcardPattern.Unescape(given));
        var inJob = System.IO.Path.Combine(literal, "metrics.jsonl");
        if (Directory.Exists(literal) && File.Exists(inJob)) return metricsFile = inJob;
        var files = ResolveFiles([given], isLiteral, "Metrics");
        if (files.Count > 1)
            throw new BertAdaptException("MetricsPathAmbiguous", BertAdaptErrorKind.InvalidArgument,
                $"'{given}' matches {files.Count} files; a report is drawn from one metrics file.", given);
        return metricsFile = files[0];
    }
}
