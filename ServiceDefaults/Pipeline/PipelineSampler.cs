using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.ServiceDefaults.Pipeline;

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
    ILogger<PipelineSampler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SampleInterval, time);
        do
        {
            await SampleAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        foreach (var queue in endpoints.Queues)
        {
            monitor.ObserveQueue(queue, await broker.GetQueueDepthAsync(queue, cancellationToken));
        }
        foreach (var store in stores.All)
        {
            monitor.ObserveStore(store.Name, await CountAsync(store, cancellationToken));
        }
    }

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
            LogCountFailed(store.Name, ex);
            return null;
        }
    }

    [LoggerMessage(LogLevel.Warning, "Could not count dead letters in {Store}; its count is unknown until the next sample")]
    private partial void LogCountFailed(string store, Exception exception);
}
