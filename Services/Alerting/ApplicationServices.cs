using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Ingest;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting;

internal static class ApplicationServices
{
    public static void AddApplicationServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase("alerting", typeof(AlertEngine).Assembly);
        var services = builder.Services;
        services.AddOptions<AlertingOptions>().BindConfiguration(AlertingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AlertingOptions>, AlertingOptionsValidator>();
        services.AddSingleton<IValidateOptions<AlertingOptions>, AlertingEntriesValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AlertEngine>();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<RuleOverridesStore>();
        services.AddSingleton<AlertAnnouncer>();
        services.AddSingleton<NotificationDispatcher>();
        // Webhooks: the dispatcher's own timeout and retries (with backoff, across restarts) apply, not the defaults'.
#pragma warning disable EXTEXP0001 // the supported way to opt one client out of the service defaults' resilience
        services.AddHttpClient(NotificationDispatcher.HttpClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        // After the migrator (registered by AddServiceDatabase): both read the alerting schema.
        services.AddHostedService<AlertEvaluator>();
        services.AddHostedService(provider => provider.GetRequiredService<NotificationDispatcher>());
        builder.AddMessaging(ResourceNames.Alerting, bus =>
        {
            bus.AddConsumer<RunCompletedConsumer, RunCompletedConsumerDefinition>();
            bus.AddConsumer<SchemaDriftDetectedConsumer, SchemaDriftDetectedConsumerDefinition>();
        });
        services.AddOpenApi();
    }
}
