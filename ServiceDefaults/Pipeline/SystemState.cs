using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.ServiceDefaults.Pipeline;

/// <summary>
/// A service's pipeline state, as served by <c>GET /api/system/{service}</c>. A null number is unknown (the broker could
/// not be reached). Status: healthy | degraded | unhealthy (from the service's health checks); the gateway adds unreachable.
/// </summary>
public sealed record ServiceState(
    string Service,
    string Status,
    IReadOnlyList<string> Reasons,
    IReadOnlyList<QueueState> Queues,
    IReadOnlyList<DeadLetterStoreState> DeadLetters,
    PublishBacklogState? PublishBacklog);

/// <summary>
/// A consumer queue: <see cref="Messages"/> wait in the broker (ready, not yet delivered); <see cref="InFlight"/> were
/// delivered to this replica and are not yet acknowledged, the oldest for <see cref="OldestInFlightSeconds"/>.
/// </summary>
public sealed record QueueState(
    string Name, long? Messages, long? Consumers, DateTimeOffset? LastConsumedAt, double? LagSeconds, long InFlight = 0,
    double? OldestInFlightSeconds = null);

public sealed record DeadLetterStoreState(string Name, long? Count);

public sealed record PublishBacklogState(long Count, double? OldestAgeSeconds);

public sealed record DeadLetterList(IReadOnlyList<DeadLetter> Items);

/// <summary>Which dead letters to re-drive: by id (all when absent), optionally from one store only.</summary>
public sealed record RedriveRequest(IReadOnlyList<string>? Ids, string? Store = null);

public sealed record RedriveResult(int Redriven);

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
