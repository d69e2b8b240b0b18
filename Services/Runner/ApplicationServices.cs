using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Publishing;
using ConnectorHealth.Runner.Reports;
using ConnectorHealth.Runner.Runs;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RunnerOptions>()
            .BindConfiguration(RunnerOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RunnerOptions>, RunnerOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<RunnerOptions>, ConnectorCatalogValidator>();

        builder.AddServiceDatabase("runner", typeof(ApplicationServices).Assembly);
        builder.AddMessaging(ResourceNames.Runner);

        // Connectors call arbitrary endpoints and retry by their own policy, so their client has no
        // resilience handler of its own (it would retry behind the runner's back and hide attempts).
#pragma warning disable EXTEXP0001 // Marked experimental, but it is the way to opt one client out of the defaults.
        builder.Services.AddHttpClient(ConnectorCatalog.HttpClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConnectorCatalog>();
        builder.Services.AddSingleton<ConnectorStateStore>();
        builder.Services.AddSingleton<ReportStore>();
        builder.Services.AddSingleton<ConnectorRunner>();
        builder.Services.AddSingleton<ReportIntake>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReportIntake>());
        builder.Services.AddRunPublishing();
        builder.Services.AddHealthChecks().AddCheck<ReportIntakeHealthCheck>(ReportIntakeHealthCheck.Name, tags: ["ready"]);
        builder.Services.AddHostedService<ConnectorScheduler>();

        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new OffsetTimestampConverter()));
        builder.Services.AddOpenApi();
    }
}
