using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using BertAdapt.Engine.Data;

namespace BertAdapt.Engine.Training;

/// <summary>One micro-batch and the data position (epoch, cursor) just after it.</summary>
public readonly record struct FedBatch<TBatch>(TBatch Batch, int Rows, int Epoch, long Cursor);

/// <summary>
/// The micro-batches of a run, in order, from a data position: each epoch's seeded order (the
/// plain shuffle, or <see cref="LengthGroupedOrder"/>) cut into batches that never span two
/// epochs. With <see cref="TrainingOptions.PrefetchBatches"/> above zero, one background thread
/// collates up to that many batches ahead into a bounded queue while the model computes; the
/// batches and their order are the same either way, because collation depends only on the
/// indexes and the epoch. Collation must not touch native tensors, and an error in it reaches
/// the training thread at the batch where it happened.
/// </summary>
public sealed class BatchFeed<TBatch> : IDisposable
{
    readonly ITrainingObjective<TBatch> objective;
    readonly TrainingOptions options;
    int epoch;
    long cursor;
    Func<long, long>? order;
    int orderEpoch = -1;

    readonly BlockingCollection<(FedBatch<TBatch> Batch, ExceptionDispatchInfo? Error)>? queue;
    readonly CancellationTokenSource? stop;
    readonly Task? producer;

    public BatchFeed(ITrainingObjective<TBatch> objective, TrainingOptions options, int epoch, long cursor)
    {
        this.objective = objective;
        this.options = options;
        this.epoch = epoch;
        this.cursor = cursor;
        if (options.PrefetchBatches == 0) return;
        queue = new(options.PrefetchBatches);
        stop = new CancellationTokenSource();
        var token = stop.Token;
        producer = Task.Factory.StartNew(() =>
        {
            try
            {
                while (!token.IsCancellationRequested) queue.Add((Produce(), null), token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested) { }
            catch (Exception ex)
            {
                try { queue.Add((default, ExceptionDispatchInfo.Capture(ex)), token); }
                catch (OperationCanceledException) { }
            }
        }, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>The next micro-batch.</summary>
    public FedBatch<TBatch> Next()
    {
        if (queue is null) return Produce();
        var (batch, error) = queue.Take();
        error?.Throw();
        return batch;
    }

    FedBatch<TBatch> Produce()
    {
        if (cursor >= objective.Count) { epoch++; cursor = 0; }
        if (orderEpoch != epoch) { order = OrderOf(epoch); orderEpoch = epoch; }
        int rows = (int)Math.Min(options.BatchSize, objective.Count - cursor);
        var indexes = new long[rows];
        for (int r = 0; r < rows; r++) indexes[r] = order!(cursor + r);
        cursor += rows;
        return new FedBatch<TBatch>(objective.Collate(indexes, epoch), rows, epoch, cursor);
    }

    Func<long, long> OrderOf(int epoch)
    {
        if (options.GroupByLength)
        {
            var grouped = new LengthGroupedOrder(objective.Count, index => objective.LengthOf(index, epoch), options.BatchSize, options.Seed, epoch);
            return index => grouped[index];
        }
        var shuffle = new SeededPermutation(objective.Count, options.Seed, epoch);
        return index => shuffle[index];
    }

    public void Dispose()
    {
        if (queue is null) return;
        stop!.Cancel();
        try { producer!.Wait(); }
        catch (AggregateException) { }
        stop.Dispose();
        queue.Dispose();
    }
}
