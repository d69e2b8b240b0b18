using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Alerting;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("alerting", typeof(RunCompletedConsumer).Assembly);
        builder.AddMessaging(ResourceNames.Alerting, bus => bus.AddConsumer<RunCompletedConsumer>());
        builder.Services.AddOpenApi();
    }
}
