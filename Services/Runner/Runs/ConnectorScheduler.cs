using ConnectorHealth.Runner.Connectors;
using Medallion.Threading;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Runs;

/// <summary>
/// Runs every schedulable connector of the catalog on its schedule, each in a loop of its own, on every replica: each
/// replica waits for each slot and one of them takes it (<see cref="ScheduleSlots"/>), so a slot runs once however many
/// replicas there are and nothing needs handing over when one stops. A slot under way on a replica that stopped (its
/// connector lock is free, <see cref="ConnectorLocks"/>) is run again by another, late and once, with the same run id.
/// A slow run delays only its own connector, and a run that overran its slot is followed at once rather than by a burst
/// of the slots it missed. A connector changed, paused or deleted (on any replica) has its loop restarted or stopped.
/// </summary>
public sealed partial class ConnectorScheduler(
    ConnectorCatalog catalog,
    ConnectorRunner runner,
    ScheduleSlots slots,
    ConnectorLocks locks,
    IOptions<RunnerOptions> options,
    TimeProvider time,
    ILogger<ConnectorScheduler> logger) : BackgroundService
{
    private readonly Dictionary<string, Loop> _loops = new(StringComparer.Ordinal);

    private sealed record Loop(CatalogEntry Entry, CancellationTokenSource Stop, Task Running);

    // How soon a replica that lost a slot to another looks again (that one is running it, or has just taken it).
    private static readonly TimeSpan TakenElsewhereWait = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await catalog.Loaded.WaitAsync(stoppingToken);
            await foreach (var name in catalog.Changes.ReadAllAsync(stoppingToken))
            {
                Reconcile(name, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var loop in _loops.Values)
            {
                loop.Stop.Cancel();
            }
            await Task.WhenAll(_loops.Values.Select(l => l.Running));
        }
    }

    /// <summary>Makes the connector's loop match its catalog entry: started, restarted on a new definition, or stopped.</summary>
    private void Reconcile(string name, CancellationToken stoppingToken)
    {
        var entry = catalog.Find(name);
        if (_loops.TryGetValue(name, out var loop))
        {
            if (ReferenceEquals(loop.Entry, entry))
            {
                return;
            }
            // The loop stops waiting; a run it has under way goes on to its end (it runs on the host's token).
            loop.Stop.Cancel();
            _loops.Remove(name);
            _ = loop.Running.ContinueWith(_ => loop.Stop.Dispose(), TaskScheduler.Default);
        }
        if (entry is { Schedulable: true })
        {
            var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            _loops[name] = new Loop(entry, stop, Task.Run(() => RunOnScheduleAsync(entry, stop.Token, stoppingToken), CancellationToken.None));
        }
        else if (entry is not null)
        {
            entry.NextRunAt = null;
        }
    }

    private async Task RunOnScheduleAsync(CatalogEntry entry, CancellationToken loopToken, CancellationToken stoppingToken)
    {
        // An outage fails every connector's loop at once: each says so once, and again when it is back.
        var failing = false;
        while (!loopToken.IsCancellationRequested)
        {
            try
            {
                var slot = await slots.ReadAsync(entry.Name, entry.Schedule.Description, entry.Schedule.First(time.GetUtcNow()), loopToken);
                if (failing)
                {
                    LogRecovered(logger, entry.Name);
                    failing = false;
                }
                if (slot is null)
                {
                    return;
                }
                if (slot.RunningId is { } runningId)
                {
                    entry.NextRunAt = slot.RunningDue;
                    if (!await TryRetakeAsync(entry, runningId, loopToken, stoppingToken))
                    {
                        await Task.Delay(options.Value.FailoverAfter / 3, time, loopToken);
                    }
                    continue;
                }
                entry.NextRunAt = slot.NextSlot;
                var wait = slot.NextSlot - time.GetUtcNow();
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, time, loopToken);
                }
                if (!await TryRunAsync(entry, slot.NextSlot, loopToken, stoppingToken))
                {
                    await Task.Delay(TakenElsewhereWait, time, loopToken);
                }
            }
            catch (OperationCanceledException) when (loopToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The database away (waited out: the slot stays due and runs late, once) or a run that failed to complete.
                if (!failing)
                {
                    LogRunFailed(logger, ex, entry.Name);
                    failing = true;
                }
                try
                {
                    await Task.Delay(options.Value.FailoverAfter / 3, time, loopToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Takes and runs the slot due at <paramref name="due"/>; false when another replica has it.</summary>
    private async Task<bool> TryRunAsync(CatalogEntry entry, DateTimeOffset due, CancellationToken loopToken, CancellationToken stoppingToken)
    {
        await using var held = await locks.TryAcquireAsync(entry.Name, loopToken);
        if (held is null)
        {
            return false;
        }
        var runId = Guid.CreateVersion7();
        var after = entry.Schedule.After(due);
        if (!await slots.ClaimAsync(entry.Name, due, after, runId, loopToken))
        {
            return false;
        }
        await RunHeldAsync(entry, runId, held, stoppingToken);
        var now = time.GetUtcNow();
        if (after <= now)
        {
            await slots.SkipAsync(entry.Name, after, entry.Schedule.Next(due, now), stoppingToken);
        }
        return true;
    }

    /// <summary>
    /// A slot under way whose connector lock is free was left by a replica that stopped mid-run: it runs again here with
    /// its run id (downstream services keep a run id once). False while its replica still holds the lock.
    /// </summary>
    private async Task<bool> TryRetakeAsync(CatalogEntry entry, Guid runId, CancellationToken loopToken, CancellationToken stoppingToken)
    {
        // The run under way is this replica's own (a loop restarted by a changed definition while its run goes on): this
        // replica's lock session would let it in again, so it is not asked.
        if (entry.RunningHere)
        {
            return false;
        }
        await using var held = await locks.TryAcquireAsync(entry.Name, loopToken);
        if (held is null)
        {
            return false;
        }
        // Read again under the lock: the run may have been stored between the first read and taking the lock.
        var slot = await slots.ReadAsync(entry.Name, entry.Schedule.Description, entry.Schedule.First(time.GetUtcNow()), loopToken);
        if (slot?.RunningId != runId)
        {
            return true;
        }
        LogRetaken(logger, entry.Name, runId, slot.RunningDue);
        await RunHeldAsync(entry, runId, held, stoppingToken);
        return true;
    }

    /// <summary>
    /// Runs a slot for as long as its lock is held. A lock lost mid-run (its connection ended: a network cut, the server
    /// ending an idle-looking session) cancels the run, whose slot stays under way for another replica to run again,
    /// rather than letting two replicas call the source for one slot.
    /// </summary>
    private async Task RunHeldAsync(CatalogEntry entry, Guid runId, IDistributedSynchronizationHandle held, CancellationToken stoppingToken)
    {
        using var whileHeld = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, held.HandleLostToken);
        try
        {
            await runner.RunSlotAsync(entry, runId, whileHeld.Token);
        }
        catch (OperationCanceledException) when (held.HandleLostToken.IsCancellationRequested && !stoppingToken.IsCancellationRequested)
        {
            LogLockLost(logger, entry.Name, runId);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The schedule of {Connector} is held up; it is tried again every few seconds, and said again once it goes on")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled run {RunId} of {Connector} lost its lock mid-run and was stopped; its slot is run again by the replica that takes the lock")]
    private static partial void LogLockLost(ILogger logger, string connector, Guid runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The schedule of {Connector} goes on")]
    private static partial void LogRecovered(ILogger logger, string connector);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled run {RunId} of {Connector}, due at {Due}, was left under way by a replica that stopped; running it again")]
    private static partial void LogRetaken(ILogger logger, string connector, Guid runId, DateTimeOffset? due);
}
