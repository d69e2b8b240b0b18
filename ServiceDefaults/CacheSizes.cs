using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>A cache a service keeps in memory: how many entries it holds now, and the most it keeps when a count bounds it.</summary>
public interface IMeasuredCache
{
    /// <summary>The cache's name in <c>/health</c>, e.g. <c>drift.version-fields</c>.</summary>
    string CacheName { get; }

    long Entries { get; }

    /// <summary>The most entries it keeps; null when it is bounded otherwise (by time, or by what it caches).</summary>
    long? Capacity { get; }
}

/// <summary>
/// What each of the service's in-memory caches holds, in <c>/health</c> (check <c>caches</c>, always Healthy: data
/// <c>&lt;cache&gt;.entries</c> and <c>&lt;cache&gt;.capacity</c>), so an operator or a benchmark sees a cache's size at any scale.
/// </summary>
public sealed class CacheSizesHealthCheck(IEnumerable<IMeasuredCache> caches) : IHealthCheck
{
    public const string Name = "caches";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var cache in caches)
        {
            data[$"{cache.CacheName}.entries"] = cache.Entries;
            if (cache.Capacity is { } capacity)
            {
                data[$"{cache.CacheName}.capacity"] = capacity;
            }
        }
        return Task.FromResult(HealthCheckResult.Healthy(
            data.Count == 0 ? "No in-memory cache" : string.Join(", ", caches.Select(c => $"{c.CacheName}: {c.Entries}")), data));
    }
}
