using System.Diagnostics.Metrics;
using System.Text.Json;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;


namespace ConnectorHealth.Runner.Publishing;

/// <summary>
/// Sets aside a run the broker cannot take, in <c>runner.parked_runs</c> with the reason, to be re-driven
/// (<see cref="ParkedRunStore"/>) once the cause is fixed; the runs behind it flow on.
/// </summary>
public sealed partial class RunParking(RunBuffer buffer, PendingRunStore store, IOptions<RunnerOptions> options, ILogger<RunParking> logger)
{
    private static readonly Counter<long> Parked = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.runner.runs.parked", unit: "{run}", description: "Runs set aside because the broker would not take them");

    /// <summary>
    /// Parks the run when its failure is its own; false when the publish should be retried (the failure is not the run's,
    /// or the database is away too, and parking is tried again after the next failure).
    /// </summary>
    public async Task<bool> TryParkAsync(PendingRun run, Exception failure, int failures, DateTimeOffset firstFailure, CancellationToken cancellationToken)
    {
        if (ParkingReason(failure, failures, firstFailure) is not { } reason)
        {
            return false;
        }
        try
        {
            await store.ParkAsync(run, reason, failure.GetType().FullName, failures, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogParkFailed(logger, ex, run.Run.RunId);
            return false;
        }
        buffer.Release(run);
        Parked.Add(1, new KeyValuePair<string, object?>("connector", run.Run.Connector));
        LogParked(logger, failure, run.Run.RunId, run.Run.Connector, reason);
        return true;
    }

    /// <summary>
    /// Why a run should be parked rather than retried, or null. A run that cannot be serialised never will be; any
    /// other failure is the run's own once it keeps failing while the broker confirms other runs. An outage fails every
    /// publish alike, so it parks nothing.
    /// </summary>
    private string? ParkingReason(Exception failure, int failures, DateTimeOffset firstFailure)
    {
        for (var cause = failure; cause is not null; cause = cause.InnerException)
        {
            if (cause is JsonException or NotSupportedException || cause.GetType().Name == "SerializationException")
            {
                return $"The run cannot be serialised for the broker: {cause.Message}";
            }
        }
        var othersConfirmed = buffer.LastConfirmedAt > firstFailure;
        if (failures >= options.Value.ParkAfterFailures && othersConfirmed && !TransientFailures.IsTransient(failure))
        {
            return $"Publishing failed {failures} times while the broker took other runs: {failure.Message}";
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Parked run {RunId} of {Connector}: {Reason}")]
    private static partial void LogParked(ILogger logger, Exception exception, Guid runId, string connector, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} could not be parked; its publish is retried")]
    private static partial void LogParkFailed(ILogger logger, Exception exception, Guid runId);
}
