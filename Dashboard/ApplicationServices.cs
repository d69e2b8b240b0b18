using Microsoft.Extensions.Http.Resilience;
using ConnectorHealth.Dashboard.Apis;
using ConnectorHealth.Dashboard.Apis.Alerting;
using ConnectorHealth.Dashboard.Apis.Drift;
using ConnectorHealth.Dashboard.Apis.Metrics;
using ConnectorHealth.Dashboard.Apis.Runner;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;

namespace ConnectorHealth.Dashboard;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddSingleton<KeyAccess>();
        builder.Services.AddOptions<DashboardLinkOptions>().BindConfiguration(DashboardLinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // The web UI reads everything through the gateway, found by service discovery.
        // It uses the key it is configured with (Gateway:ApiKey; the AppHost passes the operator key).
        var apiKey = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()?.ApiKey;
        AddGatewayClient<GatewayClient>(builder.Services, apiKey, http => new GatewayClient(http));
        // A refusal's body is kept as text (ReadResponseAsString), so a page can say what the service said.
        AddGatewayClient<RunnerClient>(builder.Services, apiKey, http => new RunnerClient(http) { ReadResponseAsString = true });
        AddGatewayClient<MetricsClient>(builder.Services, apiKey, http => new MetricsClient(http) { ReadResponseAsString = true });
        AddGatewayClient<DriftClient>(builder.Services, apiKey, http => new DriftClient(http) { ReadResponseAsString = true });
        AddGatewayClient<AlertingClient>(builder.Services, apiKey, http => new AlertingClient(http) { ReadResponseAsString = true });
        builder.Services.AddTransient<ServiceApis>();

        // The alert stream is one response that lasts as long as a page: no timeout and no retries of the page clients
        // (AlertChangeWatcher reconnects it, with backoff).
        var alertStream = builder.Services.AddHttpClient<AlertStreamClient>(client =>
        {
            client.BaseAddress = new Uri($"http://{ResourceNames.Gateway}");
            client.Timeout = Timeout.InfiniteTimeSpan;
            if (!string.IsNullOrEmpty(apiKey))
            {
                client.DefaultRequestHeaders.Add(ApiKeyHeader.Name, apiKey);
            }
        });
#pragma warning disable EXTEXP0001 // Experimental, but the way to opt one client out of the defaults.
        alertStream.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddTransient<AlertChangeWatcher>();
    }

    private static void AddGatewayClient<TClient>(IServiceCollection services, string? apiKey, Func<HttpClient, TClient> create) where TClient : class
    {
        var gateway = services.AddHttpClient<TClient>(client =>
        {
            client.BaseAddress = new Uri($"http://{ResourceNames.Gateway}");
            if (!string.IsNullOrEmpty(apiKey))
            {
                client.DefaultRequestHeaders.Add(ApiKeyHeader.Name, apiKey);
            }
        }).AddTypedClient(create);
        // A page waits on the gateway: during an outage it should say so within seconds, not after the defaults' retries
        // (about half a minute). An action (POST, PUT, DELETE) is never repeated: a silence or a run must not happen twice.
#pragma warning disable EXTEXP0001 // Experimental, but the way to replace the defaults' handler for one client.
        gateway.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        gateway.AddStandardResilienceHandler(options =>
        {
            options.Retry.MaxRetryAttempts = 1;
            options.Retry.Delay = TimeSpan.FromMilliseconds(200);
            options.Retry.DisableForUnsafeHttpMethods();
            options.AttemptTimeout.Timeout = TimeSpan.FromSeconds(5);
            options.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(10);
            options.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(12);
        });
    }
}
