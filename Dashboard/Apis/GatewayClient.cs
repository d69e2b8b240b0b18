using System.Net.Http.Json;
using ConnectorHealth.Operations.SystemStatus;

namespace ConnectorHealth.Dashboard.Apis;

/// <summary>
/// The gateway's own two routes. The gateway publishes no OpenAPI document (it proxies the services', whose clients
/// are generated), so these are read by hand; a refusal is thrown as the generated clients throw it.
/// </summary>
public sealed class GatewayClient(HttpClient http)
{
    public Task<AccessInfo> GetAccessAsync(CancellationToken cancellationToken) => GetAsync<AccessInfo>("/api/access", cancellationToken);

    public Task<SystemOverview> GetSystemAsync(CancellationToken cancellationToken) => GetAsync<SystemOverview>("/api/system", cancellationToken);

    private async Task<T> GetAsync<T>(string url, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(url, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(header => header.Key, header => header.Value);
            throw new ApiException($"{url} was refused", (int)response.StatusCode,
                await response.Content.ReadAsStringAsync(cancellationToken), headers, null);
        }
        return await response.Content.ReadFromJsonAsync<T>(cancellationToken) ?? throw new ApiException($"{url} answered an empty body",
            (int)response.StatusCode, null, new Dictionary<string, IEnumerable<string>>(), null);
    }
}
