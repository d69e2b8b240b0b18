using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.Runner.Lineage;

/// <summary>
/// Degraded while news of a run in progress has waited longer than <see cref="StuckAfter"/> to be published: the
/// publishing rounds fail (the broker is away) or have stopped.
/// </summary>
public sealed class LineageProgressHealthCheck(LineageStore store) : IHealthCheck
{
    public const string Name = "lineage-progress";

    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(30);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var oldest = await store.OldestProgressDueAsync(cancellationToken);
        return oldest > StuckAfter
            ? HealthCheckResult.Degraded($"News of a run in progress has waited {oldest.Value.TotalSeconds:0} s to be published as RunInProgress")
            : HealthCheckResult.Healthy(oldest is null ? "No run in progress waits to be published" : "Runs in progress are being published");
    }
}
