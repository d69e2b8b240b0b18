using ConnectorHealth.Runner.Connectors;
using ConnectorHealth.Runner.Connectors.Secrets;
using ConnectorHealth.Runner.Lineage;
using ConnectorHealth.Runner.Publishing;
using ConnectorHealth.Runner.Reports;
using ConnectorHealth.Runner.Runs;
using ConnectorHealth.ServiceDefaults;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Options;
using Npgsql;

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

        // Connector secrets are protected with keys every replica shares, kept beside the connectors in PostgreSQL.
        builder.Services.AddDataProtection().SetApplicationName(ConnectorSecrets.ApplicationName);
        builder.Services.AddOptions<KeyManagementOptions>()
            .Configure<NpgsqlDataSource>((keys, dataSource) => keys.XmlRepository = new PostgresKeyRepository(dataSource));
        builder.Services.AddSingleton<ConnectorSecrets>();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ConnectorCatalog>();
        builder.Services.AddSingleton<IMeasuredCache>(provider => provider.GetRequiredService<ConnectorCatalog>());
        builder.Services.AddSingleton<ConnectorStore>();
        builder.Services.AddSingleton<ConnectorStateStore>();
        builder.Services.AddSingleton<ScheduleSlots>();
        builder.Services.AddSingleton<ConnectorLocks>();
        // Before the API answers and before anything is scheduled, the catalog is seeded and read (hosted services
        // start in order, after the schema migration).
        builder.Services.AddSingleton<ConnectorCatalogSync>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ConnectorCatalogSync>());
        builder.Services.AddSingleton<ReportStore>();
        builder.Services.AddSingleton<ConnectorRunner>();
        builder.Services.AddSingleton<ReportIntake>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ReportIntake>());
        builder.Services.AddRunPublishing();
        builder.Services.AddSingleton<LineageStore>();
        builder.Services.AddHostedService<LineageProgress>();
        builder.Services.AddRequestDecompression();
        builder.Services.AddHealthChecks()
            .AddCheck<ReportIntakeHealthCheck>(ReportIntakeHealthCheck.Name, tags: ["ready"])
            .AddCheck<ConnectorCatalogHealthCheck>(ConnectorCatalogHealthCheck.Name, tags: ["ready"])
            .AddCheck<LineageProgressHealthCheck>(LineageProgressHealthCheck.Name, tags: ["ready"]);
        builder.Services.AddHostedService<ConnectorScheduler>();

        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.Converters.Add(new OffsetTimestampConverter()));
        builder.Services.AddOpenApi();
    }
}
