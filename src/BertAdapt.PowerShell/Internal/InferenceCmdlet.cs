using System.Management.Automation;
using BertAdapt.Engine.Inference;

namespace BertAdapt.PowerShell.Internal;

/// <summary>
/// A cmdlet that streams texts through a model: pipeline input is gathered into batches of
/// -BatchSize, each batch's results are written as soon as the batch is full (in ProcessRecord),
/// and the rest in EndProcessing. Only one batch is ever held, however long the input.
/// </summary>
/// <typeparam name="TInput">What one pending input is (a text, a text pair, a checked fill-mask text).</typeparam>
/// <typeparam name="TResult">What the engine gives back for one input.</typeparam>
public abstract class InferenceCmdlet<TInput, TResult> : BertCmdlet
{
    readonly List<TInput> pending = [];

    #region Parameters

    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    [ModelFromPath]
    public BertModel Model { get; set; } = null!;

    /// <summary>The texts: strings from the pipeline, or the Text property of piped objects (Import-Csv rows).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString]
    public string[] Text { get; set; } = [];

    [Parameter]
    [ValidateRange(1, 65536)]
    public int BatchSize { get; set; } = 32;

    /// <summary>The longest input in tokens; by default 512 or the model's max_position_embeddings, whichever is smaller.</summary>
    [Parameter]
    [ValidateRange(8, 65536)]
    public int? MaxLength { get; set; }

    #endregion

    /// <summary>Made in BeginProcessing from -Model, -MaxLength and -BatchSize.</summary>
    protected BertPredictor Predictor { get; private set; } = null!;

    protected override void BeginProcessing()
    {
        Predictor = Guard(() => new BertPredictor(Model, MaxLength, BatchSize));
        // A model that cannot do the task fails here, before any input arrives.
        Guard(CheckModel);
    }

    /// <summary>Throws (a BertAdaptException) when the model cannot do this cmdlet's task.</summary>
    protected virtual void CheckModel() { }

    /// <summary>Runs one batch through the engine.</summary>
    protected abstract IReadOnlyList<TResult> Predict(IReadOnlyList<TInput> batch);

    /// <summary>Queues one input; a full batch is run and written at once.</summary>
    protected void Enqueue(TInput input)
    {
        pending.Add(input);
        if (pending.Count >= BatchSize) Flush();
    }

    protected override void EndProcessing()
    {
        Flush();
        ModelFromPathAttribute.ReleaseIfImported(Model);
    }

    void Flush()
    {
        if (pending.Count == 0) return;
        var batch = pending.ToArray();
        pending.Clear();
        var results = Guard(() => Predict(batch));
        foreach (var result in results) WriteObject(result);
    }
}
