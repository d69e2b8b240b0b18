using ConnectorHealth.ServiceDefaults;
using Polly;


namespace ConnectorHealth.Runner.Publishing;

/// <summary>
/// Deletes the stored runs the broker confirmed from <c>runner.pending_runs</c>, in batches instead of one statement per
/// run. A confirmed run left pending is at worst published again (consumers are idempotent), so a batch that cannot be
/// deleted is given up after its retries rather than holding up the next.
/// </summary>
/// <remarks>
/// Not a <see cref="PeriodicWork"/>: it wakes when a confirmation arrives (a timer would wake an idle runner many times a
/// second to keep deletes as prompt), and runs inside <see cref="RunPublisher"/>, whose shutdown drain deletes last.
/// </remarks>
public sealed partial class PublishedRunCleanup(RunBuffer buffer, PendingRunStore store, TimeProvider time, ILogger<PublishedRunCleanup> logger)
{
    private const int BatchSize = 500;

    // A moment's wait lets confirmations gather into one statement.
    private static readonly TimeSpan GatherTime = TimeSpan.FromMilliseconds(50);

    private readonly ResiliencePipeline _whileTransient = Retries.WhileTransient(
        "Deleting published runs from the pending runs", logger, time, maxAttempts: 30,
        firstDelay: TimeSpan.FromSeconds(1), maxDelay: TimeSpan.FromSeconds(10));

    /// <summary>Deletes confirmed runs as confirmations arrive, until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task DeleteAsConfirmedAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await buffer.ConfirmedStored.WaitToReadAsync(stoppingToken))
            {
                await Task.Delay(GatherTime, time, stoppingToken);
                await DeleteConfirmedAsync(_whileTransient, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The shutdown drain: one try for each batch, since the database may be the reason for stopping.</summary>
    public Task DeleteConfirmedOnceAsync() => DeleteConfirmedAsync(ResiliencePipeline.Empty, CancellationToken.None);

    private async Task DeleteConfirmedAsync(ResiliencePipeline retries, CancellationToken cancellationToken)
    {
        var batch = new List<Guid>(BatchSize);
        while (true)
        {
            batch.Clear();
            while (batch.Count < BatchSize && buffer.ConfirmedStored.TryRead(out var runId))
            {
                batch.Add(runId);
            }
            if (batch.Count == 0)
            {
                return;
            }
            try
            {
                await retries.ExecuteAsync(
                    static async (delete, ct) => await delete.Store.DeletePendingAsync(delete.Batch, ct),
                    (Store: store, Batch: batch), cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                LogDeleteFailed(logger, ex, batch.Count);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting {Count} published runs from the pending runs failed; they may be published again")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, int count);
}
