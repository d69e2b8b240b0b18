using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Operations.PipelineHealth;

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
