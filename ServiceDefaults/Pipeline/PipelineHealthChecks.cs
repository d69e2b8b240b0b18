using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.ServiceDefaults.Pipeline;

/// <summary>Degraded when a consumer stopped consuming while messages wait, or has no consumer attached.</summary>
public sealed class ConsumersHealthCheck(PipelineMonitor monitor) : IHealthCheck
{
    public const string Name = "pipeline-consumers";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(monitor.ConsumerProblems() is { Count: > 0 } problems
            ? HealthCheckResult.Degraded(string.Join("; ", problems))
            : HealthCheckResult.Healthy("Every consumer keeps up"));
}

/// <summary>Degraded when a dead-letter store grew within the growth window, with the way to re-drive it.</summary>
public sealed class DeadLetterGrowthHealthCheck(PipelineMonitor monitor, PipelineService service, IOptionsMonitor<PipelineOptions> options)
    : IHealthCheck
{
    public const string Name = "pipeline-dead-letters";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var growth = monitor.Growth();
        if (growth.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No dead letters recently"));
        }
        var window = options.CurrentValue.ErrorGrowthWindow.TotalSeconds;
        var description = string.Join("; ", growth.Select(g =>
            $"{g.Store} grew by {g.GrewBy} in the last {window:0} s ({g.Waiting} waiting); "
            + $"re-drive with POST /api/system/{service.Name}/dead-letters/redrive"));
        return Task.FromResult(HealthCheckResult.Degraded(description));
    }
}

/// <summary>Degraded when the service's publish backlog (if it has one) holds a message older than PublishStuckAfter.</summary>
public sealed class PublishBacklogHealthCheck(IEnumerable<IPublishBacklogSource> sources, IOptionsMonitor<PipelineOptions> options) : IHealthCheck
{
    public const string Name = "pipeline-publish-backlog";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stuckAfter = options.CurrentValue.PublishStuckAfter;
        var stuck = sources.Select(s => s.Current).Where(b => b.OldestAge > stuckAfter).ToList();
        return Task.FromResult(stuck.Count > 0
            ? HealthCheckResult.Degraded(string.Join("; ", stuck.Select(b =>
                $"{b.Count} messages wait to be published, the oldest for {b.OldestAge!.Value.TotalSeconds:0} s")))
            : HealthCheckResult.Healthy("Publishing keeps up"));
    }
}

/// <summary>
/// Degraded when a consumer has held a delivered message unacknowledged for longer than InFlightStuckAfter: it is stuck
/// on it or on its batch, while the queue itself may look empty.
/// </summary>
public sealed class InFlightHealthCheck(InFlightDeliveries deliveries, IOptionsMonitor<PipelineOptions> options) : IHealthCheck
{
    public const string Name = "pipeline-in-flight";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stuckAfter = options.CurrentValue.InFlightStuckAfter;
        var stuck = deliveries.Queues
            .Select(queue => (Queue: queue, InFlight: deliveries.Of(queue)))
            .Where(q => q.InFlight.OldestAge >= stuckAfter)
            .Select(q => $"{q.Queue} holds {q.InFlight.Count} delivered messages unacknowledged, the oldest for "
                + $"{q.InFlight.OldestAge!.Value.TotalSeconds:0} s: its consumer is stuck on them")
            .ToList();
        return Task.FromResult(stuck.Count > 0
            ? HealthCheckResult.Degraded(string.Join("; ", stuck))
            : HealthCheckResult.Healthy("No consumer holds a message for long"));
    }
}
