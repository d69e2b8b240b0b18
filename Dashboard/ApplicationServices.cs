using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Dashboard;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        // The web UI reads everything through the gateway, found by service discovery.
        builder.Services.AddHttpClient<GatewayClient>(client => client.BaseAddress = new Uri($"http://{ResourceNames.Gateway}"));
    }
}
