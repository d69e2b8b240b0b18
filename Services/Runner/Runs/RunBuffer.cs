using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Operations.PipelineHealth;
using MassTransit;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Runs;

/// <summary>
/// Finished runs on their way to the broker. Many publishes are in flight at once, each awaiting the broker's
/// confirmation and retried on its own, so one run that cannot be published never holds up the runs behind it:
/// a run the broker cannot take (it cannot be serialised, or it keeps failing while other runs go through) is parked
/// in <c>runner.parked_runs</c> with the reason, to be re-driven once the cause is fixed. While RabbitMQ is away
/// every publish waits and retries; nothing is parked for an outage.
/// </summary>
/// <remarks>
/// Reported runs are stored in <c>runner.pending_runs</c> before they are accepted; they are deleted in batches once
/// confirmed, and a periodic sweep picks up any that are not in hand (after a restart, or when the buffer was full).
/// Scheduled runs live in memory (a bounded buffer: when it is full, schedules wait); on shutdown the buffer is drained
/// while the broker answers, and what is left is stored for the next start.
/// </remarks>
public sealed partial class RunBuffer : BackgroundService, IPublishBacklogSource
{
    private static readonly Counter<long> Parked = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.runner.runs.parked", unit: "{run}", description: "Runs set aside because the broker would not take them");

    private readonly Channel<PendingRun> _channel;
    private readonly ConcurrentDictionary<Guid, PendingRun> _inHand = new();
    private readonly Channel<Guid> _confirmed = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<Task, bool> _publishing = new();
    private readonly SemaphoreSlim _slots;
    private readonly IBus _bus;
    private readonly RunnerStore _store;
    private readonly RunnerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RunBuffer> _logger;
    private long _lastConfirmedTicks;

    public RunBuffer(IBus bus, RunnerStore store, IOptions<RunnerOptions> options, TimeProvider time, ILogger<RunBuffer> logger)
    {
        _bus = bus;
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _slots = new SemaphoreSlim(_options.MaxPublishesInFlight);
        _channel = Channel.CreateBounded<PendingRun>(new BoundedChannelOptions(_options.BufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        Telemetry.Meter.CreateObservableGauge("connectorhealth.runner.buffer.depth", () => Depth,
            unit: "{run}", description: "Finished runs waiting for the broker's confirmation");
    }

    /// <summary>How often pending runs not in hand are looked for.</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(5);

    /// <summary>Runs not yet confirmed, those being published included.</summary>
    public int Depth => _inHand.Count;

    public PublishBacklog Current
    {
        get
        {
            var now = _time.GetUtcNow();
            TimeSpan? oldest = null;
            foreach (var run in _inHand.Values)
            {
                var age = now - run.Since;
                if (oldest is null || age > oldest)
                {
                    oldest = age;
                }
            }
            return new PublishBacklog(_inHand.Count, oldest);
        }
    }

    /// <summary>Hands a finished run over for publication, in the current trace; waits while the buffer is full.</summary>
    public async ValueTask EnqueueAsync(RunCompleted run, CancellationToken cancellationToken)
    {
        var pending = new PendingRun(run, Activity.Current?.Id, Stored: false, _time.GetUtcNow());
        if (_inHand.TryAdd(run.RunId, pending))
        {
            try
            {
                await _channel.Writer.WriteAsync(pending, cancellationToken);
            }
            catch
            {
                _inHand.TryRemove(run.RunId, out _);
                throw;
            }
        }
    }

    /// <summary>
    /// Takes a run that is stored as pending, unless it is already in hand; never waits. A run that does not fit now
    /// stays stored and is picked up by a later sweep.
    /// </summary>
    public bool TryEnqueueStored(PendingRun run)
    {
        if (!_inHand.TryAdd(run.Run.RunId, run))
        {
            return false;
        }
        if (_channel.Writer.TryWrite(run))
        {
            return true;
        }
        _inHand.TryRemove(run.Run.RunId, out _);
        return false;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var deleting = DeleteConfirmedAsync(stoppingToken);
        var sweeping = SweepPendingAsync(stoppingToken);
        try
        {
            await foreach (var run in _channel.Reader.ReadAllAsync(stoppingToken))
            {
                await _slots.WaitAsync(stoppingToken);
                var publish = PublishUntilSettledAsync(run, stoppingToken);
                _publishing.TryAdd(publish, true);
                _ = publish.ContinueWith(t =>
                {
                    _publishing.TryRemove(t, out _);
                    _slots.Release();
                }, TaskScheduler.Default);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync drains what it can and keeps the rest.
        }
        await Task.WhenAll(deleting, sweeping);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Task.WhenAll(_publishing.Keys).WaitAsync(cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);

        // Stored runs stay pending for the next start. The others get one try each while the broker answers; the
        // first failure ends the drain.
        var left = new List<PendingRun>();
        var brokerAnswers = true;
        foreach (var run in _inHand.Values.Where(r => !r.Stored).OrderBy(r => r.Since))
        {
            if (brokerAnswers && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await PublishOnceAsync(run, cancellationToken);
                    Confirmed(run);
                    continue;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    brokerAnswers = false;
                }
            }
            left.Add(run);
        }

        await DeleteBatchesAsync(CancellationToken.None, drainOnly: true);
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
        var delay = TimeSpan.FromMilliseconds(250);
        var firstFailure = DateTimeOffset.MinValue;
        try
        {
            for (var failures = 1; ; failures++)
            {
                try
                {
                    await PublishOnceAsync(run, stoppingToken);
                    Interlocked.Exchange(ref _lastConfirmedTicks, _time.GetUtcNow().UtcTicks);
                    Confirmed(run);
                    return;
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    if (firstFailure == DateTimeOffset.MinValue)
                    {
                        firstFailure = _time.GetUtcNow();
                    }
                    if (ParkingReason(ex, failures, firstFailure) is { } reason && await TryParkAsync(run, reason, ex, failures, stoppingToken))
                    {
                        return;
                    }
                    LogPublishFailed(_logger, ex, run.Run.RunId, failures, delay.TotalSeconds);
                    await Task.Delay(delay, _time, stoppingToken);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Still in hand: the shutdown drain publishes or keeps it.
        }
    }

    /// <summary>The run leaves the buffer; a stored one is deleted from the pending runs with the next batch.</summary>
    private void Confirmed(PendingRun run)
    {
        _inHand.TryRemove(run.Run.RunId, out _);
        if (run.Stored)
        {
            _confirmed.Writer.TryWrite(run.Run.RunId);
        }
    }

    /// <summary>
    /// Why a run should be parked rather than retried, or null. A run that cannot be serialised never will be; any
    /// other failure is the run's own once it keeps failing while the broker confirms other runs. An outage fails every
    /// publish alike, so it parks nothing.
    /// </summary>
    private string? ParkingReason(Exception exception, int failures, DateTimeOffset firstFailure)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is JsonException or NotSupportedException || e.GetType().Name == "SerializationException")
            {
                return $"The run cannot be serialised for the broker: {e.Message}";
            }
        }
        var othersConfirmed = new DateTimeOffset(Interlocked.Read(ref _lastConfirmedTicks), TimeSpan.Zero) > firstFailure;
        if (failures >= _options.ParkAfterFailures && othersConfirmed && !TransientFailures.IsTransient(exception))
        {
            return $"Publishing failed {failures} times while the broker took other runs: {exception.Message}";
        }
        return null;
    }

    private async Task<bool> TryParkAsync(PendingRun run, string reason, Exception exception, int failures, CancellationToken cancellationToken)
    {
        try
        {
            await _store.ParkAsync(run, reason, exception.GetType().FullName, failures, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The database is away too: keep retrying the publish; parking is tried again after the next failure.
            LogParkFailed(_logger, ex, run.Run.RunId);
            return false;
        }
        _inHand.TryRemove(run.Run.RunId, out _);
        Parked.Add(1, new KeyValuePair<string, object?>("connector", run.Run.Connector));
        LogParked(_logger, exception, run.Run.RunId, run.Run.Connector, reason);
        return true;
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

    /// <summary>Deletes confirmed runs from <c>runner.pending_runs</c> in batches instead of one statement per run.</summary>
    private async Task DeleteConfirmedAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _confirmed.Reader.WaitToReadAsync(stoppingToken))
            {
                // A moment's wait lets confirmations gather into one statement.
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, stoppingToken);
                await DeleteBatchesAsync(stoppingToken, drainOnly: false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task DeleteBatchesAsync(CancellationToken cancellationToken, bool drainOnly)
    {
        var batch = new List<Guid>(500);
        while (true)
        {
            batch.Clear();
            while (batch.Count < 500 && _confirmed.Reader.TryRead(out var id))
            {
                batch.Add(id);
            }
            if (batch.Count == 0)
            {
                return;
            }
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await _store.DeletePendingAsync(batch, cancellationToken);
                    break;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (drainOnly || attempt >= 30))
                {
                    // Harmless: a confirmed run left pending is at worst published again, and consumers are idempotent.
                    LogDeleteFailed(_logger, ex, batch.Count, attempt);
                    break;
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogDeleteFailed(_logger, ex, batch.Count, attempt);
                    await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), _time, cancellationToken);
                }
            }
        }
    }

    /// <summary>Picks up stored pending runs not in hand: all of them at start, and any the buffer had no room for.</summary>
    private async Task SweepPendingAsync(CancellationToken stoppingToken)
    {
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var room = _options.BufferCapacity - _inHand.Count;
                if (room > 0)
                {
                    var pending = await _store.LoadPendingAsync(Math.Min(room, 1_000), _inHand.Keys.ToArray(), stoppingToken);
                    var taken = pending.Count(TryEnqueueStored);
                    if (taken > 0 && first)
                    {
                        LogReloaded(_logger, taken);
                    }
                    if (pending.Count == 1_000 && taken > 0)
                    {
                        continue;
                    }
                }
                first = false;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogSweepFailed(_logger, ex);
            }
            try
            {
                await Task.Delay(SweepInterval, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing run {RunId} failed (attempt {Attempt}); retrying in {DelaySeconds:F1} s")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, Guid runId, int attempt, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Parked run {RunId} of {Connector}: {Reason}")]
    private static partial void LogParked(ILogger logger, Exception exception, Guid runId, string connector, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} could not be parked; its publish is retried")]
    private static partial void LogParkFailed(ILogger logger, Exception exception, Guid runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting {Count} published runs from the pending runs failed (attempt {Attempt})")]
    private static partial void LogDeleteFailed(ILogger logger, Exception exception, int count, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept {Count} unpublished runs for the next start")]
    private static partial void LogKept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not keep {Count} unpublished runs: {RunIds}")]
    private static partial void LogLost(ILogger logger, Exception exception, int count, string runIds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloaded {Count} runs that were not yet published")]
    private static partial void LogReloaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Looking for pending runs failed; trying again shortly")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);
}
