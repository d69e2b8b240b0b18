using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ConnectorHealth.Operations.Broker;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>
/// Samples queue depths and dead-letter counts every <see cref="PipelineOptions.SampleInterval"/> into the
/// <see cref="PipelineMonitor"/>, so health probes only read what was sampled and never touch the broker.
/// </summary>
public sealed partial class PipelineSampler(
    ReceiveEndpoints endpoints,
    DeadLetterStores stores,
    RabbitMqBrokerAdmin broker,
    PipelineMonitor monitor,
    IOptions<PipelineOptions> options,
    TimeProvider time,
    ILogger<PipelineSampler> logger) : PeriodicWork(time, logger)
{
    private readonly ConcurrentDictionary<string, long> _queueDepths = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _deadLetters = new(StringComparer.Ordinal);

    protected override TimeSpan Interval => options.Value.SampleInterval;

    protected override Task StartingAsync(CancellationToken stoppingToken)
    {
        Telemetry.Meter.CreateObservableGauge("connectorhealth.pipeline.queue.depth",
            () => Measure(_queueDepths, "queue"), unit: "{message}", description: "Messages waiting in the service's queues (last sample)");
        Telemetry.Meter.CreateObservableGauge("connectorhealth.pipeline.dead_letters",
            () => Measure(_deadLetters, "store"), unit: "{message}", description: "Messages set aside in error queues and parked runs (last sample)");
        return Task.CompletedTask;
    }

    protected override async Task<bool> RunRoundAsync(CancellationToken stoppingToken)
    {
        await SampleAsync(stoppingToken);
        return false;
    }

    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in endpoints.Queues)
        {
            var depth = await broker.GetQueueDepthAsync(queue, cancellationToken);
            monitor.ObserveQueue(queue, depth);
            if (depth is not null)
            {
                _queueDepths[queue] = depth.Messages;
            }
        }
        foreach (var store in stores.All)
        {
            var count = await CountAsync(store, cancellationToken);
            monitor.ObserveStore(store.Name, count);
            if (count is { } known)
            {
                _deadLetters[store.Name] = known;
            }
        }
    }

    private static IEnumerable<Measurement<long>> Measure(ConcurrentDictionary<string, long> values, string tag) =>
        values.Select(v => new Measurement<long>(v.Value, new KeyValuePair<string, object?>(tag, v.Key)));

    private async Task<long?> CountAsync(IDeadLetterStore store, CancellationToken cancellationToken)
    {
        try
        {
            return await store.CountAsync(cancellationToken);
        }
        catch (BrokerUnavailableException)
        {
            // The broker admin has already said so, once.
            return null;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogCountFailed(Logger, store.Name, ex);
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not count dead letters in {Store}; its count is unknown until the next sample")]
    private static partial void LogCountFailed(ILogger logger, string store, Exception exception);
}
