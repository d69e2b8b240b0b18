using System.Diagnostics;
using System.Threading.Channels;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Runs;

/// <summary>
/// Finished runs on their way to the broker. Each is published with the broker's confirmation and retried until
/// it is confirmed; while RabbitMQ is away the runs wait here (a bounded buffer: when it is full, producers wait).
/// On shutdown the buffer is drained while the broker answers, and what is left is kept in the runner's schema
/// for the next start.
/// </summary>
public sealed partial class RunBuffer : BackgroundService
{
    private readonly Channel<PendingRun> _channel;
    private readonly IBus _bus;
    private readonly RunnerStore _store;
    private readonly RunnerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<RunBuffer> _logger;

    public RunBuffer(IBus bus, RunnerStore store, IOptions<RunnerOptions> options, TimeProvider time, ILogger<RunBuffer> logger)
    {
        _bus = bus;
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _channel = Channel.CreateBounded<PendingRun>(new BoundedChannelOptions(_options.BufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        Telemetry.Meter.CreateObservableGauge("connectorhealth.runner.buffer.depth", () => Depth,
            unit: "{run}", description: "Finished runs waiting for the broker's confirmation");
    }

    /// <summary>Runs not yet confirmed, the one being published included (it leaves the channel only once confirmed).</summary>
    public int Depth => _channel.Reader.Count;

    /// <summary>Hands a finished run over for publication, in the current trace; waits while the buffer is full.</summary>
    public ValueTask EnqueueAsync(RunCompleted run, CancellationToken cancellationToken) =>
        EnqueueAsync(new PendingRun(run, Activity.Current?.Id, Stored: false), cancellationToken);

    public ValueTask EnqueueAsync(PendingRun run, CancellationToken cancellationToken) =>
        _channel.Writer.WriteAsync(run, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ReloadPendingAsync(stoppingToken);

        try
        {
            while (await _channel.Reader.WaitToReadAsync(stoppingToken))
            {
                if (!_channel.Reader.TryPeek(out var next))
                {
                    continue;
                }
                await PublishUntilConfirmedAsync(next, stoppingToken);
                _channel.Reader.TryRead(out _);
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync drains what it can and keeps the rest.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);

        // One try each while the broker answers; the first failure ends the drain.
        var left = new List<PendingRun>();
        var brokerAnswers = true;
        while (_channel.Reader.TryRead(out var run))
        {
            if (brokerAnswers && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await PublishOnceAsync(run, cancellationToken);
                    continue;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    brokerAnswers = false;
                }
            }
            left.Add(run);
        }

        var unstored = left.Where(r => !r.Stored).ToList();
        if (unstored.Count == 0)
        {
            return;
        }
        try
        {
            await _store.StorePendingAsync(unstored, CancellationToken.None);
            LogKept(_logger, unstored.Count);
        }
        catch (Exception ex)
        {
            LogLost(_logger, ex, unstored.Count, string.Join(", ", unstored.Select(r => r.Run.RunId)));
        }
    }

    private async Task ReloadPendingAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var pending = await _store.LoadPendingAsync(stoppingToken);
                foreach (var run in pending)
                {
                    await EnqueueAsync(run, stoppingToken);
                }
                if (pending.Count > 0)
                {
                    LogReloaded(_logger, pending.Count);
                }
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < 5)
            {
                LogReloadFailed(_logger, ex, attempt);
                await Task.Delay(TimeSpan.FromSeconds(attempt), _time, stoppingToken);
            }
        }
    }

    private async Task PublishUntilConfirmedAsync(PendingRun run, CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await PublishOnceAsync(run, stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogPublishFailed(_logger, ex, run.Run.RunId, attempt, delay.TotalSeconds);
                await Task.Delay(delay, _time, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(15).Ticks));
            }
        }
    }

    private async Task PublishOnceAsync(PendingRun run, CancellationToken cancellationToken)
    {
        // The publish belongs to the run's trace, however long the run waited here.
        ActivityContext.TryParse(run.TraceParent, null, out var parent);
        using (var activity = Telemetry.ActivitySource.StartActivity("publish run", ActivityKind.Internal, parent))
        {
            activity?.SetTag("connectorhealth.run.id", run.Run.RunId);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.PublishTimeout);
            // MassTransit on RabbitMQ awaits the broker's publisher confirmation before this returns.
            await _bus.Publish(run.Run, timeout.Token);
        }

        if (run.Stored)
        {
            await _store.DeletePendingAsync(run.Run.RunId, CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing run {RunId} failed (attempt {Attempt}); retrying in {DelaySeconds:F1} s")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, Guid runId, int attempt, double delaySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept {Count} unpublished runs for the next start")]
    private static partial void LogKept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not keep {Count} unpublished runs: {RunIds}")]
    private static partial void LogLost(ILogger logger, Exception exception, int count, string runIds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reloaded {Count} runs that were not yet published")]
    private static partial void LogReloaded(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reloading unpublished runs failed (attempt {Attempt})")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception, int attempt);
}
