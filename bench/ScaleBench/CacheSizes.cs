using System.Text.Json;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.ScaleBench;

/// <summary>
/// Each service's in-memory caches as its <c>/health</c> says (check <c>caches</c>: <c>&lt;cache&gt;.entries</c> and
/// <c>&lt;cache&gt;.capacity</c>); a service that does not answer is left out.
/// </summary>
internal static class CacheSizes
{
    public static async Task<IReadOnlyDictionary<string, long>> ReadAsync(DistributedApplication app, IEnumerable<string> services)
    {
        var sizes = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            try
            {
                using var client = app.CreateHttpClient(service);
                using var response = await client.GetAsync("/health");
                var report = await HealthReportJson.ReadAsync(response.Content);
                if (report?.Entries.GetValueOrDefault(CacheSizesHealthCheck.Name)?.Data is not { } data)
                {
                    continue;
                }
                foreach (var (key, value) in data)
                {
                    if (value is JsonElement { ValueKind: JsonValueKind.Number } number)
                    {
                        sizes[key] = number.GetInt64();
                    }
                }
            }
            catch (HttpRequestException)
            {
            }
        }
        return sizes;
    }
}
