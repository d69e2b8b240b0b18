using System.Diagnostics;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Publishing;
using ConnectorHealth.ServiceDefaults;
using Medallion.Threading;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Runs;

/// <summary>Runs a catalog connector (never twice at once), records it as its last run and hands it to the buffer.</summary>
public sealed partial class ConnectorRunner(
    ConnectorCatalog catalog,
    RunBuffer buffer,
    ConnectorStateStore store,
    ScheduleSlots slots,
    ConnectorLocks locks,
    TimeProvider time,
    IOptions<RunnerOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ConnectorRunner> logger)
{
    // A scheduled run is stored with the end of its slot: an outage of the database is waited out, not a run lost.
    private readonly Polly.ResiliencePipeline _storeSlotRun = Retries.WhileTransient("Storing a scheduled run", logger, time);

    /// <summary>
    /// Starts a run now unless one is under way, here or on another replica: then <c>RunId</c> is that run's, when known.
    /// Of many calls at once one starts a run: on this replica the lock is taken without waiting, and across replicas
    /// the run is claimed in <c>runner.runs_under_way</c>. It then holds the connector's lock (<see cref="ConnectorLocks"/>),
    /// as a scheduled run does, so it never overlaps a scheduled run on another replica. The run goes on in the background.
    /// </summary>
    public async Task<(bool Started, Guid? RunId)> TryStartNowAsync(CatalogEntry entry, CancellationToken cancellationToken)
    {
        TaskCompletionSource<Guid?>? known = null;
        Task<Guid?>? underWay = null;
        // Taking the lock and publishing where its run's id will appear are one step, so a refused caller on this
        // replica always learns the id of the run that holds the connector.
        lock (entry.StartGate)
        {
            if (entry.RunLock.Wait(0))
            {
                known = new TaskCompletionSource<Guid?>(TaskCreationOptions.RunContinuationsAsynchronously);
                entry.UnderWay = known.Task;
            }
            else
            {
                underWay = entry.UnderWay;
            }
        }
        if (known is null)
        {
            return (false, await RunUnderWayAsync(underWay, cancellationToken));
        }

        var id = Guid.CreateVersion7();
        Guid? holder;
        var now = time.GetUtcNow();
        try
        {
            holder = await store.ClaimRunAsync(entry.Name, id, now, now + LongestRun(entry.Options), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Without the database this replica still never runs a connector twice; only other replicas are not asked.
            LogClaimFailed(logger, ex, entry.Name);
            holder = id;
        }
        catch
        {
            known.SetResult(null);
            Finish(entry);
            throw;
        }
        IDistributedSynchronizationHandle? held = null;
        if (holder == id)
        {
            try
            {
                (held, holder) = await HoldConnectorAsync(entry, id, cancellationToken);
            }
            catch
            {
                // The caller went away while the lock was asked for: the claim and this replica's lock are given back,
                // or the connector would answer "running" until the claim lapsed and never run here again.
                await ReleaseAsync(entry, id);
                known.SetResult(null);
                Finish(entry);
                throw;
            }
        }
        known.SetResult(holder);
        if (holder != id)
        {
            Finish(entry);
            return (false, holder);
        }

        // The run belongs to the request's trace, but must not be cancelled when the request ends.
        _ = Task.Run(async () =>
        {
            try
            {
                await RunLockedAsync(entry, id, RunSource.Triggered, lifetime.ApplicationStopping);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRunFailed(logger, ex, entry.Name);
            }
            finally
            {
                await held!.DisposeAsync();
                await ReleaseAsync(entry, id);
                Finish(entry);
            }
        });
        return (true, id);
    }

    /// <summary>
    /// Runs the slot taken for <paramref name="runId"/> when the connector is free here (a slow earlier run delays this
    /// one rather than overlapping it); the run is stored as pending with the end of its slot, then published.
    /// </summary>
    public async Task<RunCompleted> RunSlotAsync(CatalogEntry entry, Guid runId, CancellationToken cancellationToken)
    {
        await entry.RunLock.WaitAsync(cancellationToken);
        try
        {
            lock (entry.StartGate)
            {
                entry.UnderWay = Task.FromResult<Guid?>(runId);
            }
            return await RunLockedAsync(entry, runId, RunSource.Scheduled, cancellationToken, endsSlot: true);
        }
        finally
        {
            Finish(entry);
        }
    }

    /// <summary>
    /// Takes the connector's lock for a claimed run-now. When a scheduled run holds it (on any replica), the claim is
    /// given up and the answer is that run's id, when known.
    /// </summary>
    private async Task<(IDistributedSynchronizationHandle? Held, Guid? Holder)> HoldConnectorAsync(CatalogEntry entry, Guid id, CancellationToken cancellationToken)
    {
        try
        {
            if (await locks.TryAcquireAsync(entry.Name, cancellationToken) is { } held)
            {
                return (held, id);
            }
            await ReleaseAsync(entry, id);
            return (null, await slots.RunningIdAsync(entry.Name, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // As with the claim: without the database, this replica's own lock still keeps its runs apart.
            LogClaimFailed(logger, ex, entry.Name);
            return (NotHeld.Instance, id);
        }
    }

    private sealed class NotHeld : IDistributedSynchronizationHandle
    {
        public static readonly NotHeld Instance = new();

        public CancellationToken HandleLostToken => CancellationToken.None;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public void Dispose()
        {
        }
    }

    private static async Task<Guid?> RunUnderWayAsync(Task<Guid?>? underWay, CancellationToken cancellationToken)
    {
        if (underWay is null)
        {
            return null;
        }
        try
        {
            return await underWay.WaitAsync(ClaimWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Still refused (the connector is held); only which run holds it is not known in time.
            return null;
        }
    }

    // How long a refused caller waits to learn the id of the run that holds the connector (a claim is one round trip).
    private static readonly TimeSpan ClaimWait = TimeSpan.FromSeconds(5);

    // The longest a run can take: every attempt timing out, with the longest backoff between them, and a margin.
    private static TimeSpan LongestRun(ConnectorOptions options) =>
        options.Timeout * Math.Max(1, options.Retry.MaxAttempts) + options.Retry.MaxDelay * Math.Max(0, options.Retry.MaxAttempts - 1)
        + TimeSpan.FromMinutes(1);

    private async Task ReleaseAsync(CatalogEntry entry, Guid runId)
    {
        try
        {
            await store.ReleaseRunAsync(entry.Name, runId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The claim then lapses at its held_until: run-now is refused until then, never run twice.
            LogReleaseFailed(logger, ex, entry.Name);
        }
    }

    // Clearing the run's id and freeing the connector are one step, so a refused run-now never sees a finished run's id.
    private static void Finish(CatalogEntry entry)
    {
        lock (entry.StartGate)
        {
            entry.UnderWay = null;
            entry.RunLock.Release();
        }
    }

    private async Task<RunCompleted> RunLockedAsync(
        CatalogEntry entry, Guid runId, RunSource source, CancellationToken cancellationToken, bool endsSlot = false)
    {
        // The run's span is the root of everything downstream: the publish, each consumer, their SQL.
        using var activity = Telemetry.ActivitySource.StartActivity($"run {entry.Name}", ActivityKind.Internal);
        activity?.SetTag("connectorhealth.connector", entry.Name);
        activity?.SetTag("connectorhealth.run.id", runId);
        activity?.SetTag("connectorhealth.run.source", EnumNames.Name(source));

        var environment = new RunEnvironment(entry.Random, (delay, ct) => Task.Delay(delay, time, ct), time, options.Value.Payload);
        var run = await RunExecutor.ExecuteAsync(
            runId, entry.Name, catalog.Create(entry), entry.Options, source,
            entry.Schedule.ExpectedInterval(time.GetUtcNow()), environment, cancellationToken);

        activity?.SetTag("connectorhealth.run.status", EnumNames.Name(run.Status));
        activity?.SetTag("connectorhealth.run.attempts", run.Attempts.Count);
        if (run.Status == RunStatus.Failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, run.ErrorType);
        }

        var last = new LastRun(run.RunId, EnumNames.Name(run.Status), run.StartedAt, run.FinishedAt, run.ErrorType);
        entry.LastRun = last;
        if (endsSlot)
        {
            var pending = new PendingRun(run, Activity.Current?.Id, Stored: true, time.GetUtcNow());
            await _storeSlotRun.ExecuteAsync(ct => new ValueTask(slots.CompleteAsync(pending, options.Value.FailoverAfter, ct)), cancellationToken);
            // A run the buffer has no room for now stays pending; a sweep takes it once its hold lapses.
            buffer.TryEnqueueStored(pending);
        }
        else
        {
            await buffer.EnqueueAsync(run, cancellationToken);
        }
        try
        {
            await store.SaveLastRunAsync(entry.Name, last, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogStateNotSaved(logger, ex, entry.Name);
        }

        LogRun(logger, run.RunId, entry.Name, run.Status, run.Attempts.Count, run.LatencyMs);
        return run;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {Connector}: {Status} after {Attempts} attempt(s) in {LatencyMs:F1} ms")]
    private static partial void LogRun(ILogger logger, Guid runId, string connector, RunStatus status, int attempts, double latencyMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run of {Connector} could not be completed")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run now of {Connector} could not be claimed in the database; running it on this replica's lock alone")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The run-now claim of {Connector} could not be released; it lapses by itself")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The last run of {Connector} could not be saved")]
    private static partial void LogStateNotSaved(ILogger logger, Exception exception, string connector);
}
