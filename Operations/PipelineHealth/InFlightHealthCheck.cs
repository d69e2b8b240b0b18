using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Operations.PipelineHealth;

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
