using System.Diagnostics;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Runs;

/// <summary>Runs a catalog connector (never twice at once), records it as its last run and hands it to the buffer.</summary>
public sealed partial class ConnectorRunner(
    ConnectorCatalog catalog,
    RunBuffer buffer,
    RunnerStore store,
    TimeProvider time,
    IOptions<RunnerOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<ConnectorRunner> logger)
{
    /// <summary>
    /// Starts a run now unless one is under way (then <paramref name="runId"/> is that run's, when known). Taking the
    /// lock without waiting makes exactly one of many calls at once start a run. The run goes on in the background.
    /// </summary>
    public bool TryStartNow(CatalogEntry entry, out Guid? runId)
    {
        var id = Guid.CreateVersion7();
        // Taking the lock and naming the run are one step for run-now callers, so a refused caller always sees the id of
        // a run started by run-now (a scheduled run names itself just after it takes the lock).
        lock (entry.StartGate)
        {
            if (!entry.RunLock.Wait(0))
            {
                runId = entry.CurrentRunId;
                return false;
            }
            runId = entry.CurrentRunId = id;
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
                Finish(entry);
            }
        });
        return true;
    }

    /// <summary>Runs when the connector is free: a slow earlier run delays this one rather than overlapping it.</summary>
    public async Task<RunCompleted> RunAsync(CatalogEntry entry, RunSource source, CancellationToken cancellationToken)
    {
        await entry.RunLock.WaitAsync(cancellationToken);
        try
        {
            var runId = Guid.CreateVersion7();
            lock (entry.StartGate)
            {
                entry.CurrentRunId = runId;
            }
            return await RunLockedAsync(entry, runId, source, cancellationToken);
        }
        finally
        {
            Finish(entry);
        }
    }

    // Clearing the run's id and freeing the connector are one step, so a refused run-now never sees a finished run's id.
    private static void Finish(CatalogEntry entry)
    {
        lock (entry.StartGate)
        {
            entry.CurrentRunId = null;
            entry.RunLock.Release();
        }
    }

    private async Task<RunCompleted> RunLockedAsync(CatalogEntry entry, Guid runId, RunSource source, CancellationToken cancellationToken)
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
        await buffer.EnqueueAsync(run, cancellationToken);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "The last run of {Connector} could not be saved")]
    private static partial void LogStateNotSaved(ILogger logger, Exception exception, string connector);
}
