using ConnectorHealth.Metrics.KpiReports;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.UnitTests;

public sealed class CacheSizesTests
{
    private sealed record Bounded(string CacheName, long Entries, long? Capacity) : IMeasuredCache;

    [Fact]
    public async Task HealthSaysHowManyEntriesEachCacheHoldsAndTheMostItKeeps()
    {
        using var memory = new MemoryCache(new MemoryCacheOptions { TrackStatistics = true });
        for (var day = 0; day < 3; day++)
        {
            memory.Set($"daily:{day}", new object());
        }
        var check = new CacheSizesHealthCheck([new ClosedDayCacheSize(memory), new Bounded("drift.version-fields", 12, 20_000)]);

        var result = await check.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal(3L, result.Data["metrics.closed-day-answers.entries"]);
        Assert.False(result.Data.ContainsKey("metrics.closed-day-answers.capacity"));
        Assert.Equal(12L, result.Data["drift.version-fields.entries"]);
        Assert.Equal(20_000L, result.Data["drift.version-fields.capacity"]);
        Assert.Equal("metrics.closed-day-answers: 3, drift.version-fields: 12", result.Description);
    }

    [Fact]
    public async Task AServiceWithoutCachesSaysSo()
    {
        var result = await new CacheSizesHealthCheck([]).CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Empty(result.Data);
        Assert.Equal("No in-memory cache", result.Description);
    }
}
