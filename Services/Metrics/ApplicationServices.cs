using ConnectorHealth.Contracts;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.KpiReports;
using ConnectorHealth.Metrics.Status;
using ConnectorHealth.Metrics.Stores;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Metrics;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("metrics", typeof(RunStore).Assembly);
        var services = builder.Services;
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, MetricsJsonContext.Default));
        // Failing and stale are judged with Alerting's thresholds, read from the same section.
        services.AddOptions<ConnectorHealthThresholds>().BindConfiguration(ConnectorHealthThresholds.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConnectorHealthThresholds>, ConnectorHealthThresholdsValidator>();
        services.AddSingleton(provider => new StatusRules(
            provider.GetRequiredService<IOptions<MetricsOptions>>().Value.StatusBoard,
            provider.GetRequiredService<IOptions<ConnectorHealthThresholds>>().Value));
        services.AddSingleton<RunPartitions>();
        services.AddSingleton<RunWriter>();
        services.AddSingleton<RunningRunWriter>();
        services.AddSingleton<DatasetStore>();
        services.AddSingleton<LineageStore>();
        services.AddSingleton<LineageGraphReader>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<KpiStore>();
        // Statistics on the memory cache under HybridCache, so /health can say how many answers it keeps.
        services.AddMemoryCache(options => options.TrackStatistics = true);
        services.AddHybridCache();
        services.AddSingleton<IMeasuredCache, ClosedDayCacheSize>();
        services.AddSingleton<ClosedDayCache>();
        services.AddSingleton<DailyKpiReports>();
        services.AddSingleton<DailyKpiTotalReports>();
        services.AddSingleton<FailureReasonReports>();
        // Ready only once the first KPI answers are as fast as the later ones.
        services.AddSingleton<KpiWarmUp>();
        services.AddHostedService(provider => provider.GetRequiredService<KpiWarmUp>());
        services.AddHealthChecks().Add(new HealthCheckRegistration(
            KpiWarmUp.Name, provider => provider.GetRequiredService<KpiWarmUp>(), failureStatus: null, tags: ["ready"]));
        // After the migrator (registered by AddServiceDatabase): partitions need the schema.
        services.AddHostedService<PartitionMaintenance>();
        // Only Drift reads a run's payload and its datasets' schemas; quality assertions are not kept here either.
        builder.AddMessaging(
            ResourceNames.Metrics,
            bus =>
            {
                bus.AddConsumer<RunCompletedConsumer, BatchConsumerDefinition<RunCompletedConsumer>>();
                bus.AddConsumer<RunInProgressConsumer, BatchConsumerDefinition<RunInProgressConsumer>>();
            },
            UnreadMembers.Of<RunCompleted>(nameof(RunCompleted.Payload))
                .And(UnreadMembers.Of<LineageDataset>(nameof(LineageDataset.Schema), nameof(LineageDataset.Assertions))));
        services.AddOpenApi();
    }
}
