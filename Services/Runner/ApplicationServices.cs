using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.ServiceDefaults;

namespace ConnectorHealth.Runner;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RunnerOptions>()
            .BindConfiguration(RunnerOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<RunnerOptions>, RunnerOptionsValidator>();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConnectorCatalog>();
        builder.Services.AddSingleton<ConnectorRunner>();
        builder.Services.AddHostedService<ConnectorScheduler>();

        builder.AddMessaging(ResourceNames.Runner);
        builder.Services.AddOpenApi();
    }
}
