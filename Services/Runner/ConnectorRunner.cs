using System.Diagnostics;
using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.ServiceDefaults;
using MassTransit;

namespace ConnectorHealth.Runner;

/// <summary>Runs a connector once and publishes the outcome as <see cref="RunCompleted"/>.</summary>
public sealed partial class ConnectorRunner(
    ConnectorCatalog catalog, IBus bus, TimeProvider time, ILogger<ConnectorRunner> logger)
{
    public async Task<RunCompleted> RunAsync(string connector, RunSource source, CancellationToken cancellationToken)
    {
        // The run's span is the root of everything downstream: the publish, each consumer, their SQL.
        using var activity = Telemetry.ActivitySource.StartActivity($"run {connector}", ActivityKind.Internal);
        activity?.SetTag("connectorhealth.connector", connector);
        activity?.SetTag("connectorhealth.run.source", Wire.Name(source));

        var runId = Guid.CreateVersion7();
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        RunAttempt attempt;
        JsonElement? payload = null;
        try
        {
            var result = await catalog.Create(connector).FetchAsync(cancellationToken);
            payload = result.Payload;
            attempt = new RunAttempt(1, startedAt, time.GetElapsedTime(started).TotalMilliseconds, AttemptOutcome.Succeeded);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            attempt = new RunAttempt(1, startedAt, time.GetElapsedTime(started).TotalMilliseconds, AttemptOutcome.Failed,
                ErrorType: ex.GetType().Name, ErrorMessage: ex.Message);
        }

        var payloadBytes = payload is { } p ? JsonSerializer.SerializeToUtf8Bytes(p).LongLength : 0;
        var run = new RunCompleted
        {
            RunId = runId,
            Connector = connector,
            Source = source,
            StartedAt = startedAt,
            FinishedAt = time.GetUtcNow(),
            Status = attempt.Outcome == AttemptOutcome.Succeeded ? RunStatus.Succeeded : RunStatus.Failed,
            LatencyMs = time.GetElapsedTime(started).TotalMilliseconds,
            Attempts = [attempt],
            ErrorType = attempt.ErrorType,
            ErrorMessage = attempt.ErrorMessage,
            Payload = payload,
            PayloadBytes = payloadBytes,
            ExpectedInterval = catalog.Connectors[connector].Interval,
        };
        activity?.SetTag("connectorhealth.run.id", runId);
        activity?.SetTag("connectorhealth.run.status", Wire.Name(run.Status));

        await bus.Publish(run, cancellationToken);
        LogRun(logger, connector, runId, run.Status, run.LatencyMs);
        return run;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {Connector}: {Status} in {LatencyMs:F1} ms")]
    private static partial void LogRun(ILogger logger, string connector, Guid runId, RunStatus status, double latencyMs);
}
