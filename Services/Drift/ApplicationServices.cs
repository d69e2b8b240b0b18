using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Drift;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("drift", typeof(RunCompletedConsumer).Assembly);
        builder.AddMessaging(ResourceNames.Drift, bus => bus.AddConsumer<RunCompletedConsumer>());
        builder.Services.AddOpenApi();
    }
}
