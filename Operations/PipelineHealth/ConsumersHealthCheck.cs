using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.Operations.PipelineHealth;

/// <summary>Degraded when a consumer stopped consuming while messages wait, or has no consumer attached.</summary>
public sealed class ConsumersHealthCheck(PipelineMonitor monitor) : IHealthCheck
{
    public const string Name = "pipeline-consumers";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(monitor.ConsumerProblems() is { Count: > 0 } problems
            ? HealthCheckResult.Degraded(string.Join("; ", problems))
            : HealthCheckResult.Healthy("Every consumer keeps up"));
}
