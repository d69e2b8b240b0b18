using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Operations.PipelineHealth;

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
