using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Alerting.Ingest;
using ConnectorHealth.Alerting.LiveAlerts;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Receivers;
using ConnectorHealth.Alerting.Routes;
using ConnectorHealth.Alerting.Silences;
using ConnectorHealth.Alerting.Thresholds;
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
        services.AddSingleton<RunLedger>();
        services.AddSingleton<RouteTrees>();
        services.AddSingleton<NotificationQueue>();
        services.AddSingleton<GroupFlusher>();
        services.AddSingleton<AlertWriter>();
        services.AddSingleton<AlertEngine>();
        services.AddSingleton<AlertStore>();
        services.AddSingleton<SilenceStore>();
        services.AddSingleton<RuleOverridesStore>();
        services.AddSingleton<AlertAnnouncer>();
        services.AddSingleton<NotificationDelivery>();
        services.AddSingleton<AlertFanOut>();
        services.AddHostedService<AlertStreamHeartbeat>();
        services.AddReceiverSenders();
        // Receivers over HTTP: the delivery's own timeout and retries (with backoff, across restarts) apply, not the defaults'.
#pragma warning disable EXTEXP0001 // the supported way to opt one client out of the service defaults' resilience
        services.AddHttpClient(ReceiverSenders.HttpClientName).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        // After the migrator (registered by AddServiceDatabase): both read the alerting schema.
        services.AddHostedService<AlertEvaluator>();
        services.AddHostedService<NotificationDispatcher>();
        // Only Drift reads a run's payload.
        builder.AddMessaging(ResourceNames.Alerting, bus =>
        {
            bus.AddConsumer<RunCompletedConsumer, BatchConsumerDefinition<RunCompletedConsumer>>();
            bus.AddConsumer<SchemaDriftDetectedConsumer, BatchConsumerDefinition<SchemaDriftDetectedConsumer>>();
            bus.AddConsumer<RunInProgressConsumer, BatchConsumerDefinition<RunInProgressConsumer>>();
            // Every replica streams every alert event: each reads from a queue of its own (alerting-alert-events-<instance>),
            // auto-deleted and not durable, so a replica that goes leaves no queue collecting events behind.
            bus.AddConsumer<AlertEventsConsumer>().Endpoint(endpoint =>
            {
                endpoint.InstanceId = Guid.NewGuid().ToString("N")[..12];
                endpoint.Temporary = true;
            });
        }, UnreadMembers.Of<RunCompleted>(nameof(RunCompleted.Payload)));
        services.AddOpenApi();
    }
}
