using System.Management.Automation;
using BertAdapt.Engine.Inference;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// A cmdlet that streams texts through a model: pipeline input is gathered into batches of
/// -BatchSize (or windows of -SortWindow, sorted by length into batches), each batch's or window's
/// results are written, in input order, as soon as it is full (in ProcessRecord), and the rest in
/// EndProcessing. Only one batch or window is ever held, however long the input.
/// </summary>
/// <remarks>
/// A string is its own text; any other object gives the text of its -TextProperty (Text by
/// default), and an object without one is a non-terminating error for that item. Every result
/// carries the input's position (Index, from 0) and, with -IdProperty, that property's value (Id),
/// so that predictions join back to the rows they came from.
/// </remarks>
/// <typeparam name="TInput">What one pending input is (a text, a text pair, a checked fill-mask text).</typeparam>
/// <typeparam name="TResult">What the engine gives back for one input.</typeparam>
public abstract class InferenceCmdlet<TInput, TResult> : ComputeCmdlet, IDisposable where TInput : class where TResult : notnull
{
    readonly List<(TInput Input, Origin Origin)> pending = [];
    long received;

    /// <summary>Where a result came from: the input's position in the stream and its -IdProperty value.</summary>
    protected readonly record struct Origin(long Index, object? Id);

    #region Parameters

    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    [ModelFromPath]
    public BertModel Model { get; set; } = null!;

    /// <summary>The texts: strings, or objects (Import-Csv rows) whose -TextProperty holds the text.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [Alias("Text")]
    [AllowEmptyString]
    [AllowNull]
    public PSObject?[] InputObject { get; set; } = [];

    /// <summary>The property of a piped object that holds its text.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string TextProperty { get; set; } = "Text";

    /// <summary>A property of each input whose value every result carries as its Id (a row's key).</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? IdProperty { get; set; }

    [Parameter]
    [ValidateRange(1, 65536)]
    public int BatchSize { get; set; } = 32;

    /// <summary>
    /// How many texts are gathered and sorted by length before they run, in batches of -BatchSize,
    /// so that texts of similar length share a batch and carry less padding. Results still come out
    /// in input order, one window at a time. By default -BatchSize: each batch as it arrives.
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1048576)]
    public int? SortWindow { get; set; }

    /// <summary>The longest input in tokens; by default 512 or the model's max_position_embeddings, whichever is smaller.</summary>
    [Parameter]
    [ValidateRange(8, 65536)]
    public int? MaxLength { get; set; }

    /// <summary>
    /// What runs the model: LibTorch (the default, on the model's device) or OnnxRuntime (the CPU,
    /// through the module's own ONNX export of the model, built in memory at the first batch).
    /// </summary>
    [Parameter]
    public InferenceRuntime Runtime { get; set; } = InferenceRuntime.LibTorch;

    #endregion

    /// <summary>Made in BeginProcessing from -Model, -MaxLength and -BatchSize.</summary>
    protected BertPredictor Predictor { get; private set; } = null!;

    protected override void BeginCommand()
    {
        CheckModelArgument(Model);
        Predictor = Guard(() => new BertPredictor(Model, MaxLength, BatchSize, SortWindow, Runtime));
        // A model that cannot do the task fails here, before any input arrives.
        Guard(CheckModel);
        using (Guard(() => UseCompute(Model)))
            WriteVerbose(Runtime == InferenceRuntime.OnnxRuntime
                ? $"Running on ONNX Runtime (CPU, {Engine.Training.ComputeThreads.Current} thread(s)), through an in-memory ONNX export of the model."
                : $"Running {Where(Model.Device, Engine.Training.ComputeThreads.Current)}.");
    }

    /// <summary>Releases the predictor's ONNX Runtime sessions, also when the pipeline is stopped.</summary>
    public void Dispose()
    {
        Predictor?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws (a BertAdaptException) when the model cannot do this cmdlet's task.</summary>
    protected virtual void CheckModel() { }

    /// <summary>
    /// Makes one pending input from a pipeline item and its text; returns null, having written a
    /// non-terminating error, when the item cannot be one.
    /// </summary>
    protected abstract TInput? Prepare(PSObject? item, string text);

    /// <summary>Runs one batch through the engine.</summary>
    protected abstract IReadOnlyList<TResult> Predict(IReadOnlyList<TInput> batch);

    /// <summary>The objects one result is written as: the result itself, or its parts with -Expand.</summary>
    protected virtual IEnumerable<object> Rows(TResult result) => [result];

    /// <summary>Adds columns of a cmdlet's own to a written row (after Index and Id).</summary>
    protected virtual void AddColumns(PSObject row, object value) { }

    protected override void ProcessInput()
    {
        foreach (var item in InputObject)
        {
            long index = received++;
            object? id = null;
            if (!PipelineItem.TryGetText(item, TextProperty, "-TextProperty", out var text, out var error)
                || IdProperty is not null && !PipelineItem.TryGetValue(item, IdProperty, "-IdProperty", out id, out error))
            {
                WriteError(error!);
                continue;
            }
            var input = Prepare(item, text);
            if (input is null) continue;
            pending.Add((input, new Origin(index, id)));
            if (pending.Count >= Math.Max(BatchSize, Predictor.SortWindow)) Flush();
        }
    }

    protected override void EndCommand()
    {
        Flush();
        ModelFromPathAttribute.ReleaseIfImported(Model);
    }

    void Flush()
    {
        if (pending.Count == 0) return;
        var batch = pending.ToArray();
        pending.Clear();
        var results = Guard(() =>
        {
            using var threads = Engine.Training.ComputeThreads.Use(RequestedThreads);
            return Predict(batch.Select(p => p.Input).ToList());
        });
        for (int i = 0; i < results.Count; i++)
        {
            foreach (var value in Rows(results[i]))
            {
                var row = new PSObject(value);
                row.Properties.Add(new PSNoteProperty("Index", batch[i].Origin.Index));
                if (IdProperty is not null) row.Properties.Add(new PSNoteProperty("Id", batch[i].Origin.Id));
                AddColumns(row, value);
                WriteObject(row);
            }
        }
    }
}
