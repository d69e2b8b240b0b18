using System.Collections.Concurrent;
using System.Diagnostics;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;


namespace ConnectorHealth.Runner.Publishing;

/// <summary>
/// Publishes the buffer's runs. Many publishes are in flight at once, each awaiting the broker's confirmation and retried
/// on its own, so one run that cannot be published never holds up the runs behind it: a run the broker cannot take is
/// parked (<see cref="RunParking"/>). While RabbitMQ is away every publish waits and retries; nothing is parked for an
/// outage. On shutdown the buffer is drained while the broker answers, and what is left is stored for the next start.
/// </summary>
/// <remarks>
/// Not a <see cref="PeriodicWork"/>: it reads the buffer's runs as they are handed over, until the host stops.
/// </remarks>
public sealed partial class RunPublisher : BackgroundService
{
    private readonly ConcurrentDictionary<Task, bool> _publishing = new();
    private readonly SemaphoreSlim _slots;
    private readonly ResiliencePipeline _untilSettled;
    private readonly RunBuffer _buffer;
    private readonly RunParking _parking;
    private readonly PublishedRunCleanup _cleanup;
    private readonly PendingRunStore _store;
    private readonly IBus _bus;
    private readonly RunnerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RunPublisher> _logger;

    public RunPublisher(
        RunBuffer buffer, RunParking parking, PublishedRunCleanup cleanup, PendingRunStore store, IBus bus,
        IOptions<RunnerOptions> options, TimeProvider time, ILogger<RunPublisher> logger)
    {
        (_buffer, _parking, _cleanup, _store, _bus, _options, _time, _logger) =
            (buffer, parking, cleanup, store, bus, options.Value, time, logger);
        _slots = new SemaphoreSlim(_options.MaxPublishesInFlight);
        // Every failure is retried, not only outages: a run is never dropped, and the run's own failures end in parking
        // (decided in the attempt). Each failure is logged there with the run it concerns, so the pipeline logs nothing.
        _untilSettled = Retries.While(failure => failure is not OperationCanceledException, "Publishing a run", NullLogger.Instance,
            time, firstDelay: TimeSpan.FromMilliseconds(250), maxDelay: TimeSpan.FromSeconds(15));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var deleting = _cleanup.DeleteAsConfirmedAsync(stoppingToken);
        try
        {
            await foreach (var run in _buffer.Waiting.ReadAllAsync(stoppingToken))
            {
                await _slots.WaitAsync(stoppingToken);
                var publish = PublishUntilSettledAsync(run, stoppingToken);
                _publishing.TryAdd(publish, true);
                _ = publish.ContinueWith(done =>
                {
                    _publishing.TryRemove(done, out _);
                    _slots.Release();
                }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync drains what it can and keeps the rest.
        }
        await deleting;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Task.WhenAll(_publishing.Keys).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);

        // Stored runs stay pending for the next start. The others get one try each while the broker answers; the
        // first failure ends the drain.
        var left = new List<PendingRun>();
        var brokerAnswers = true;
        foreach (var run in _buffer.Unstored)
        {
            if (brokerAnswers && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await PublishOnceAsync(run, cancellationToken);
                    _buffer.Confirm(run);
                    continue;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    brokerAnswers = false;
                }
            }
            left.Add(run);
        }

        await _cleanup.DeleteConfirmedOnceAsync();
        if (left.Count == 0)
        {
            return;
        }
        try
        {
            await _store.StorePendingAsync(left, CancellationToken.None);
            LogKept(_logger, left.Count);
        }
        catch (Exception ex)
        {
            LogLost(_logger, ex, left.Count, string.Join(", ", left.Select(r => r.Run.RunId)));
        }
    }

    /// <summary>Publishes until the broker confirms, or parks the run when retrying cannot help.</summary>
    private async Task PublishUntilSettledAsync(PendingRun run, CancellationToken stoppingToken)
    {
        try
        {
            await _untilSettled.ExecuteAsync(
                static (attempt, ct) => attempt.Publisher.PublishOrParkAsync(attempt.Run, attempt.Failures, ct),
                (Publisher: this, Run: run, Failures: new PublishFailures()), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Still in hand: the shutdown drain publishes or keeps it.
        }
    }

    /// <summary>One attempt: the run is confirmed, or parked, or this throws and the attempt is retried.</summary>
    private async ValueTask PublishOrParkAsync(PendingRun run, PublishFailures failures, CancellationToken cancellationToken)
    {
        try
        {
            await PublishOnceAsync(run, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            failures.Add(_time.GetUtcNow());
            if (await _parking.TryParkAsync(run, ex, failures.Count, failures.First, cancellationToken))
            {
                return;
            }
            LogPublishFailed(_logger, ex, run.Run.RunId, failures.Count);
            throw;
        }
        _buffer.Confirm(run);
    }

    private async Task PublishOnceAsync(PendingRun run, CancellationToken cancellationToken)
    {
        // The publish belongs to the run's trace, however long the run waited here.
        ActivityContext.TryParse(run.TraceParent, null, out var parent);
        using var activity = Telemetry.ActivitySource.StartActivity("publish run", ActivityKind.Internal, parent);
        activity?.SetTag("connectorhealth.run.id", run.Run.RunId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.PublishTimeout);
        try
        {
            // MassTransit on RabbitMQ awaits the broker's publisher confirmation before this returns.
            await _bus.Publish(run.Run, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The broker did not confirm run {run.Run.RunId} within {_options.PublishTimeout}.");
        }
    }

    /// <summary>The failed publishes of one run so far, and when the first of them failed.</summary>
    private sealed class PublishFailures
    {
        public int Count { get; private set; }

        public DateTimeOffset First { get; private set; }

        public void Add(DateTimeOffset at)
        {
            if (Count++ == 0)
            {
                First = at;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing run {RunId} failed (attempt {Attempt}); it is retried")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, Guid runId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept {Count} unpublished runs for the next start")]
    private static partial void LogKept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not keep {Count} unpublished runs: {RunIds}")]
    private static partial void LogLost(ILogger logger, Exception exception, int count, string runIds);
}
