using ConnectorHealth.Operations.Broker;
using ConnectorHealth.Operations.DeadLetters;
using ConnectorHealth.Operations.PipelineHealth;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.Operations.SystemStatus;

/// <summary>Reads a service's pipeline state: queue depths and dead-letter counts live, lag and status as sampled.</summary>
public sealed class SystemStateReader(
    PipelineService service,
    ReceiveEndpoints endpoints,
    DeadLetterStores stores,
    RabbitMqBrokerAdmin broker,
    PipelineMonitor monitor,
    InFlightDeliveries inFlight,
    HealthCheckService health,
    IEnumerable<IPublishBacklogSource> backlogs)
{
    public async Task<ServiceState> ReadAsync(CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(cancellationToken);
        var reasons = report.Entries
            .Where(e => e.Value.Status != HealthStatus.Healthy)
            .Select(e => $"{e.Key}: {e.Value.Description ?? e.Value.Exception?.Message ?? e.Value.Status.ToString()}")
            .ToList();

        var queues = new List<QueueState>();
        foreach (var queue in endpoints.Queues)
        {
            var depth = await broker.GetQueueDepthAsync(queue, cancellationToken);
            var lag = depth is null ? null : depth.Messages > 0 ? monitor.Lag(queue) : TimeSpan.Zero;
            var held = inFlight.Of(queue);
            queues.Add(new QueueState(
                queue, depth?.Messages, depth?.Consumers, endpoints.LastConsumedAt(queue), lag is { } l ? Math.Round(l.TotalSeconds, 1) : null,
                held.Count, held.OldestAge is { } age ? Math.Round(age.TotalSeconds, 1) : null));
        }

        var deadLetters = new List<DeadLetterStoreState>();
        foreach (var store in stores.All)
        {
            long? count;
            try
            {
                count = await store.CountAsync(cancellationToken);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                // The state page shows what it can: this store's count is unknown.
                count = null;
            }
            deadLetters.Add(new DeadLetterStoreState(store.Name, count));
        }
        if (queues.Any(q => q.Messages is null) || deadLetters.Any(d => d.Count is null))
        {
            reasons.Add("some counts are unknown: the broker (or a store) cannot be reached");
        }

        PublishBacklogState? backlog = null;
        foreach (var source in backlogs)
        {
            var current = source.Current;
            backlog = new PublishBacklogState(
                (backlog?.Count ?? 0) + current.Count,
                Max(backlog?.OldestAgeSeconds, current.OldestAge is { } age ? Math.Round(age.TotalSeconds, 1) : null));
        }

        return new ServiceState(service.Name, report.Status.ToString().ToLowerInvariant(), reasons, queues, deadLetters, backlog);
    }

    private static double? Max(double? a, double? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
}
