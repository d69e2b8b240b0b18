using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Metrics;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("metrics", typeof(RunStore).Assembly);
        builder.AddMessaging(ResourceNames.Metrics, bus => bus.AddConsumer<RunCompletedConsumer>());
        builder.Services.AddSingleton<RunStore>();
        builder.Services.AddOpenApi();
    }
}
