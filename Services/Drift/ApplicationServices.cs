using ConnectorHealth.Drift.Apis.Store;
using ConnectorHealth.Drift.Detection;
using ConnectorHealth.Drift.Ingest;
using ConnectorHealth.Drift.PayloadContracts;
using ConnectorHealth.Drift.Publishing;
using ConnectorHealth.Drift.Schemas;
using ConnectorHealth.Drift.StoredHistory;
using ConnectorHealth.ServiceDefaults;
using ConnectorHealth.Operations.PipelineHealth;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Drift;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("drift", typeof(DriftProcessor).Assembly);
        var services = builder.Services;
        services.AddOptions<DriftOptions>().BindConfiguration(DriftOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DriftOptions>, DriftOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(json => DriftJson.Configure(json.SerializerOptions));
        services.AddSingleton(provider => new SchemaInferrer(provider.GetRequiredService<IOptions<DriftOptions>>().Value.Inference));
        services.AddSingleton(provider => new ContractRules(provider.GetRequiredService<IOptions<DriftOptions>>().Value.ContractCheckBudget));
        services.AddSingleton<VersionFieldsCache>();
        services.AddSingleton<IMeasuredCache>(provider => provider.GetRequiredService<VersionFieldsCache>());
        services.AddSingleton<DriftProcessor>();
        services.AddSingleton<SchemaHistoryStore>();
        services.AddSingleton<ContractStore>();
        services.AddSingleton<DatasetStore>();
        services.AddSingleton<DriftEventPublisher>();
        services.AddSingleton<IPublishBacklogSource>(provider => provider.GetRequiredService<DriftEventPublisher>());
        // After the migrator (registered by AddServiceDatabase): the sweep reads the drift schema.
        services.AddHostedService(provider => provider.GetRequiredService<DriftEventPublisher>());
        builder.AddMessaging(ResourceNames.Drift, bus =>
        {
            bus.AddConsumer<RunCompletedConsumer, BatchConsumerDefinition<RunCompletedConsumer>>();
            bus.AddConsumer<RunInProgressConsumer, BatchConsumerDefinition<RunInProgressConsumer>>();
        });
        services.AddOpenApi();
    }
}
