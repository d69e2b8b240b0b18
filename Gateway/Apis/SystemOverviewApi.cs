using System.Net.Http.Json;
using ConnectorHealth.Operations.SystemStatus;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ConnectorHealth.Gateway.Apis;

/// <summary>
/// <c>GET /api/system</c>: every service's <c>/api/system/{service}</c> (the Operations project's <c>PipelineApi</c>), asked
/// in parallel, and the worst of their statuses.
/// </summary>
public static class SystemOverviewApi
{
    public const string HttpClientName = "system-state";

    /// <summary>The services asked, each by service discovery at http://{name}.</summary>
    public static readonly string[] Services = [ResourceNames.Runner, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting];

    // One slow service must not hold the overview: each answers within this or is shown unreachable.
    private static readonly TimeSpan PerServiceTimeout = TimeSpan.FromSeconds(3);

    private static readonly string[] StatusOrder = ["healthy", "degraded", "unhealthy", "unreachable"];

    /// <summary>
    /// Adds the HTTP client that asks each service for its state (service discovery, no retries: the overview shows what
    /// answers now).
    /// </summary>
    public static IServiceCollection AddSystemOverviewApi(this IServiceCollection services)
    {
        // The defaults' resilience handler would retry behind the per-service timeout; the overview wants one honest try.
#pragma warning disable EXTEXP0001 // Experimental, but the way to opt one client out of the defaults.
        services.AddHttpClient(HttpClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return services;
    }

    /// <summary>Maps <c>GET /api/system</c>: the four services' <c>/api/system/{service}</c>, asked in parallel.</summary>
    public static IEndpointRouteBuilder MapSystemOverviewApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/system").WithTags("System").RequireAuthorization(Security.ApiRoles.Policy)
            .MapGet("/", GetOverview).WithName("SystemOverview")
            .WithSummary("Every service's pipeline state: status, queues, consumer lag, dead-letter and parked counts, publish backlog")
            .WithDescription("A service that does not answer within a few seconds is listed with status unreachable and the reason.");
        return app;
    }

    public static async Task<Ok<SystemOverview>> GetOverview(IHttpClientFactory clients, CancellationToken cancellationToken)
    {
        var states = await Task.WhenAll(Services.Select(service => AskAsync(clients, service, cancellationToken)));
        var worst = states.Select(s => Array.IndexOf(StatusOrder, s.Status)).DefaultIfEmpty(0).Max();
        return TypedResults.Ok(new SystemOverview(StatusOrder[Math.Max(worst, 0)], states));
    }

    private static async Task<ServiceState> AskAsync(IHttpClientFactory clients, string service, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PerServiceTimeout);
        try
        {
            var client = clients.CreateClient(HttpClientName);
            using var response = await client.GetAsync($"http://{service}/api/system/{service}", timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return Unreachable(service, $"answered {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            return await response.Content.ReadFromJsonAsync<ServiceState>(timeout.Token)
                ?? Unreachable(service, "answered an empty body");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unreachable(service, $"no answer within {PerServiceTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return Unreachable(service, ex.Message);
        }
    }

    private static ServiceState Unreachable(string service, string reason) =>
        new(service, "unreachable", [reason], [], [], null);
}
