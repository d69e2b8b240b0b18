using ConnectorHealth.ServiceDefaults;
using MudBlazor.Services;

namespace ConnectorHealth.Dashboard;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddMudServices();
        builder.Services.AddOptions<GatewayOptions>().BindConfiguration(GatewayOptions.Section);
        builder.Services.AddSingleton<KeyAccess>();
        builder.Services.AddOptions<DashboardLinkOptions>().BindConfiguration(DashboardLinkOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        // The web UI reads everything through the gateway, found by service discovery.
        // It uses the key it is configured with (Gateway:ApiKey; the AppHost passes the operator key).
        var apiKey = builder.Configuration["Gateway:ApiKey"];
        builder.Services.AddHttpClient<GatewayClient>(client =>
        {
            client.BaseAddress = new Uri($"http://{ResourceNames.Gateway}");
            if (!string.IsNullOrEmpty(apiKey))
            {
                client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
            }
        });
    }
}
