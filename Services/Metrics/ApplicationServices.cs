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
        builder.Services.AddMetricsStorage();
        // After the migrator (registered by AddServiceDatabase): partitions need the schema.
        builder.Services.AddHostedService<PartitionMaintenance>();
        builder.AddMessaging(ResourceNames.Metrics, bus => bus.AddConsumer<RunCompletedConsumer, RunCompletedConsumerDefinition>());
        builder.Services.AddOpenApi();
    }
}

public static class MetricsStorageExtensions
{
    /// <summary>
    /// Registers the Metrics stores (writer, run history, KPIs) and their validated <see cref="MetricsOptions"/>;
    /// needs an <see cref="Npgsql.NpgsqlDataSource"/>.
    /// </summary>
    public static IServiceCollection AddMetricsStorage(this IServiceCollection services)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<RunWriter>();
        services.AddSingleton<RunStore>();
        services.AddSingleton<KpiStore>();
        return services;
    }
}
