using ConnectorHealth.ServiceDefaults;
using HealthChecks.UI.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ConnectorHealth.AppHost;

/// <summary>
/// Reads a service's JSON <c>/health</c> (the HealthChecks UI report, see <see cref="HealthReportJson"/>), so the dashboard shows Degraded with the
/// reason instead of the plain "200 = Healthy" of <c>WithHttpHealthCheck</c>.
/// </summary>
internal sealed class ServiceHealthCheck(IHttpClientFactory clients, string clientName, EndpointReference endpoint, string path) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!endpoint.IsAllocated)
        {
            return HealthCheckResult.Unhealthy("The endpoint is not allocated yet");
        }
        try
        {
            var client = clients.CreateClient(clientName);
            using var response = await client.GetAsync(new Uri(new Uri(endpoint.Url), path), cancellationToken);
            var health = await HealthReportJson.ReadAsync(response.Content, cancellationToken);
            return Judge((int)response.StatusCode, health);
        }
        catch (HttpRequestException ex)
        {
            return HealthCheckResult.Unhealthy($"{path} does not answer: {ex.Message}", ex);
        }
        catch (System.Text.Json.JsonException ex)
        {
            return HealthCheckResult.Unhealthy($"{path} answered JSON that is not a health report: {ex.Message}", ex);
        }
    }

    /// <summary>The service's own verdict, with the descriptions of the checks that are not healthy.</summary>
    public static HealthCheckResult Judge(int statusCode, UIHealthReport? health)
    {
        var status = health is not null
            ? ToHealthStatus(health.Status)
            : statusCode is >= 200 and < 300 ? HealthStatus.Healthy : HealthStatus.Unhealthy;
        if (statusCode is < 200 or >= 300 && status != HealthStatus.Unhealthy)
        {
            status = HealthStatus.Unhealthy;
        }
        var reasons = health?.Entries
            .Where(entry => entry.Value.Status != UIHealthStatus.Healthy)
            .Select(entry => $"{entry.Key}: {entry.Value.Description ?? entry.Value.Exception ?? entry.Value.Status.ToString()}")
            .ToList() ?? [];
        var description = reasons.Count > 0 ? string.Join("; ", reasons) : status == HealthStatus.Healthy ? null : $"HTTP {statusCode}";
        return new HealthCheckResult(status, description);
    }

    private static HealthStatus ToHealthStatus(UIHealthStatus status) => status switch
    {
        UIHealthStatus.Healthy => HealthStatus.Healthy,
        UIHealthStatus.Degraded => HealthStatus.Degraded,
        _ => HealthStatus.Unhealthy,
    };
}

internal static class ServiceHealthCheckExtensions
{
    /// <summary>
    /// Adds a health check that reads the service's JSON <paramref name="path"/> and reports its Healthy, Degraded or
    /// Unhealthy with the reasons (in place of <c>WithHttpHealthCheck</c>, which knows only the status code).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceHealthCheck(this IResourceBuilder<ProjectResource> builder, string path = "/health")
    {
        var endpoint = builder.GetEndpoint("http");
        var key = $"{builder.Resource.Name}_service_health_check";
        builder.ApplicationBuilder.Services.AddHttpClient(key, client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            key,
            sp => new ServiceHealthCheck(sp.GetRequiredService<IHttpClientFactory>(), key, endpoint, path),
            failureStatus: HealthStatus.Unhealthy,
            tags: null));
        return builder.WithHealthCheck(key);
    }
}
