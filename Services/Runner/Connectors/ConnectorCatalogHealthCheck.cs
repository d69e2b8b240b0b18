using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>
/// Degraded while this replica's catalog has not been read from the database for ten refresh intervals: connectors
/// created, changed or deleted elsewhere do not reach it, and neither do other replicas' runs.
/// </summary>
public sealed class ConnectorCatalogHealthCheck(ConnectorCatalogSync sync, ConnectorCatalog catalog, IOptionsMonitor<RunnerOptions> options, TimeProvider time)
    : IHealthCheck
{
    public const string Name = "connector-catalog";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var stale = options.CurrentValue.CatalogRefresh * 10;
        var age = time.GetUtcNow() - sync.LastRefreshedAt;
        return Task.FromResult(age is null || age > stale
            ? HealthCheckResult.Degraded(age is null
                ? "The connector catalog has not been read from the database yet"
                : $"The connector catalog was last read from the database {age.Value.TotalSeconds:0} s ago: changes made on other replicas do not reach this one")
            : HealthCheckResult.Healthy($"{catalog.Count} connectors, read {age.Value.TotalSeconds:0.0} s ago"));
    }
}
