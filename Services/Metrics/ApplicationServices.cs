using ConnectorHealth.Metrics.Apis;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Metrics;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("metrics", typeof(RunStore).Assembly);
        builder.Services.AddMetricsServices();
        // After the migrator (registered by AddServiceDatabase): partitions need the schema.
        builder.Services.AddHostedService<PartitionMaintenance>();
        builder.AddMessaging(ResourceNames.Metrics, bus => bus.AddConsumer<RunCompletedConsumer, RunCompletedConsumerDefinition>());
        builder.Services.AddOpenApi();
    }
}

public static class MetricsStorageExtensions
{
    /// <summary>
    /// Registers the Metrics stores (writer, run history, KPIs), their validated <see cref="MetricsOptions"/> and the
    /// compile-time JSON contract of the API; needs an <see cref="Npgsql.NpgsqlDataSource"/>.
    /// </summary>
    public static IServiceCollection AddMetricsServices(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, MetricsJsonContext.Default));
        services.AddSingleton<RunWriter>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<KpiStore>();
        services.AddSingleton<DailyKpiReports>();
        services.AddSingleton<FailureReasonReports>();
        return services;
    }
}
